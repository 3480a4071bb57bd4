/** Cuts a stream of text chunks into whole lines. */
export interface LineSplitter {
  /** Adds a chunk; returns the lines it completed, without their line breaks. */
  push(chunk: string): string[];
  /** Returns what is left after the last line break (at the end of the stream), if anything. */
  flush(): string[];
}

/**
 * Creates a {@link LineSplitter}. `\n` and `\r\n` both end a line; a line longer than `maxLength`
 * is cut so one runaway write cannot hold unbounded memory.
 *
 * @example
 * const lines = splitLines()
 * lines.push('{"msg":"a"}\n{"ms') // ['{"msg":"a"}']
 * lines.push('g":"b"}\n')         // ['{"msg":"b"}']
 */
export function splitLines(maxLength = 1_000_000): LineSplitter {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      const lines = parts.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
      while (pending.length > maxLength) {
        lines.push(pending.slice(0, maxLength));
        pending = pending.slice(maxLength);
      }
      return lines;
    },
    flush() {
      const rest = pending;
      pending = '';
      return rest === '' ? [] : [rest];
    },
  };
}

/** The last few lines a process wrote, kept to explain why it failed. */
export interface RecentLines {
  add(line: string): void;
  lines(): string[];
}

/** Keeps the last `size` lines added. */
export function recentLines(size: number): RecentLines {
  const kept: string[] = [];
  return {
    add(line) {
      kept.push(line);
      if (kept.length > size) kept.shift();
    },
    lines: () => [...kept],
  };
}
