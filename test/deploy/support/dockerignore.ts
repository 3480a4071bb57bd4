/**
 * .dockerignore as Docker applies it (moby/patternmatcher): one pattern a line, `#` comments, `!` to
 * keep again what an earlier pattern dropped, the last matching pattern wins, `*` and `?` within one
 * path segment, `**` across any number of them, and a pattern that matches a folder drops everything
 * below it.
 */
interface Pattern {
  regex: RegExp;
  keep: boolean;
  text: string;
}

function compile(pattern: string): RegExp {
  let out = '^';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i += 1;
        if (pattern[i + 1] === '/') i += 1;
        out += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) throw new Error(`.dockerignore: unclosed [ in ${pattern}`);
      out += pattern.slice(i, end + 1);
      i = end;
    } else {
      out += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
    }
  }
  return new RegExp(`${out}$`);
}

export function parseDockerignore(text: string): Pattern[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const keep = line.startsWith('!');
      const cleaned = (keep ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '').replace(/\/\.\//g, '/');
      return { regex: compile(cleaned), keep, text: line };
    });
}

/** Whether `file` (relative to the build context, with `/`) is left out of the context. */
export function isIgnored(patterns: Pattern[], file: string): boolean {
  const parts = file.split('/');
  const prefixes = parts.map((_part, index) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    if (prefixes.some((prefix) => pattern.regex.test(prefix))) ignored = !pattern.keep;
  }
  return ignored;
}
