import { parseExposition, sampleSum } from '@microshop/chassis/metrics/exposition';
import { readMetrics } from './call-failures.js';

/** A process's V8 heap, in MiB: what V8 has taken from the system for it, and what objects fill. */
export interface HeapFigures {
  committed: number;
  used: number;
}

const MiB = 1024 * 1024;
const tenths = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/**
 * The V8 heap of one `/metrics` exposition (prom-client's `nodejs_heap_size_*_bytes`, under the
 * chassis' `microshop_` prefix); undefined when the exposition has neither.
 *
 * @example
 * heapOf('microshop_nodejs_heap_size_total_bytes 104857600\nmicroshop_nodejs_heap_size_used_bytes 52428800\n') // { committed: 100, used: 50 }
 */
export function heapOf(text: string): HeapFigures | undefined {
  const samples = parseExposition(text);
  if (!samples.some((s) => s.name === 'microshop_nodejs_heap_size_total_bytes')) return undefined;
  return {
    committed: tenths(sampleSum(samples, 'microshop_nodejs_heap_size_total_bytes')),
    used: tenths(sampleSum(samples, 'microshop_nodejs_heap_size_used_bytes')),
  };
}

/**
 * The V8 heap of the process behind each URL, read from its `/metrics`, by the name given; a
 * process that does not answer is left out. Read once the load and its settle are over, as RSS is:
 * RSS less the committed heap is what a process holds besides its heap (Node's own code, which
 * every process maps, and native memory); committed less used is room for new objects, and used
 * is live objects and garbage not yet collected together.
 */
export async function readHeaps(urls: Readonly<Record<string, string>>): Promise<Record<string, HeapFigures>> {
  const read = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      const text = await readMetrics(url);
      const heap = text === undefined ? undefined : heapOf(text);
      return heap ? ([[name, heap]] as const) : [];
    }),
  );
  return Object.fromEntries(read.flat());
}
