/** Which way a toxic acts: `upstream` is client → target, `downstream` is target → client (Toxiproxy's terms). */
export type Stream = 'upstream' | 'downstream';

/** The fields every toxic has. */
interface ToxicBase {
  /** Unique within a proxy; defaults to `<type>_<stream>`. */
  name: string;
  stream: Stream;
  /** Probability in [0, 1] that the toxic applies to a connection (decided once per connection). */
  toxicity: number;
}

/** Delays each chunk by `latency_ms` plus a uniform random `±jitter_ms`. */
export interface LatencyToxic extends ToxicBase {
  type: 'latency';
  latency_ms: number;
  jitter_ms: number;
}
/** The proxy stops listening (connection refused) and drops every open connection, until removed. */
export interface DownToxic extends ToxicBase {
  type: 'down';
}
/** Data stops getting through; the connection closes after `timeout_ms`, or never when 0 (a hang). */
export interface TimeoutToxic extends ToxicBase {
  type: 'timeout';
  timeout_ms: number;
}
/** The connection is reset (TCP RST) after `timeout_ms`, at once when 0. */
export interface ResetPeerToxic extends ToxicBase {
  type: 'reset_peer';
  timeout_ms: number;
}
/** Data is cut into pieces of `average_size ± size_variation` bytes, `delay_us` apart. */
export interface SlicerToxic extends ToxicBase {
  type: 'slicer';
  average_size: number;
  size_variation: number;
  delay_us: number;
}
/** The connection closes once `bytes` have passed in the toxic's direction. */
export interface LimitDataToxic extends ToxicBase {
  type: 'limit_data';
  bytes: number;
}

/** One fault on a proxy. */
export type Toxic = LatencyToxic | DownToxic | TimeoutToxic | ResetPeerToxic | SlicerToxic | LimitDataToxic;
export type ToxicType = Toxic['type'];

/** The toxic types, as Toxiproxy names them. */
export const TOXIC_TYPES: readonly ToxicType[] = ['latency', 'down', 'timeout', 'reset_peer', 'slicer', 'limit_data'];

/** A toxic's fields as a request gives them: everything but the type optional. */
export type ToxicInput = { type: ToxicType; name?: string; stream?: Stream; toxicity?: number } & Record<string, unknown>;

/** A toxic that cannot be used; names the field. */
export class ToxicError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ToxicError';
  }
}

function count(input: Record<string, unknown>, field: string, fallback: number, max = 3_600_000): number {
  const value = input[field] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new ToxicError(field, `must be an integer from 0 to ${max}`);
  return value;
}

/**
 * Checks a toxic as a request gives it and fills in Toxiproxy's defaults (stream `downstream`,
 * toxicity 1). Throws {@link ToxicError} naming the field that is wrong.
 *
 * @example
 * parseToxic({ type: 'latency', latency_ms: 200, jitter_ms: 50 })
 */
export function parseToxic(input: unknown): Toxic {
  if (typeof input !== 'object' || input === null) throw new ToxicError('body', 'must be an object');
  const raw = input as Record<string, unknown>;
  const type = raw.type;
  if (typeof type !== 'string' || !(TOXIC_TYPES as readonly string[]).includes(type)) throw new ToxicError('type', `must be one of ${TOXIC_TYPES.join(', ')}`);
  const stream = raw.stream ?? 'downstream';
  if (stream !== 'upstream' && stream !== 'downstream') throw new ToxicError('stream', 'must be upstream or downstream');
  const toxicity = raw.toxicity ?? 1;
  if (typeof toxicity !== 'number' || !(toxicity >= 0 && toxicity <= 1)) throw new ToxicError('toxicity', 'must be a number from 0 to 1');
  const name = raw.name ?? `${type}_${stream}`;
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name)) throw new ToxicError('name', 'must be 1 to 64 letters, digits, _ . or -');
  const base: { name: string; stream: Stream; toxicity: number } = { name, stream, toxicity };
  switch (type as ToxicType) {
    case 'latency':
      return { ...base, type: 'latency', latency_ms: count(raw, 'latency', count(raw, 'latency_ms', 0)), jitter_ms: count(raw, 'jitter', count(raw, 'jitter_ms', 0)) };
    case 'down':
      return { ...base, type: 'down' };
    case 'timeout':
      return { ...base, type: 'timeout', timeout_ms: count(raw, 'timeout', count(raw, 'timeout_ms', 0)) };
    case 'reset_peer':
      return { ...base, type: 'reset_peer', timeout_ms: count(raw, 'timeout', count(raw, 'timeout_ms', 0)) };
    case 'slicer': {
      const average = count(raw, 'average_size', 64, 1_048_576);
      if (average < 1) throw new ToxicError('average_size', 'must be at least 1');
      return { ...base, type: 'slicer', average_size: average, size_variation: count(raw, 'size_variation', 0, 1_048_576), delay_us: count(raw, 'delay', count(raw, 'delay_us', 0), 10_000_000) };
    }
    case 'limit_data':
      return { ...base, type: 'limit_data', bytes: count(raw, 'bytes', 0, Number.MAX_SAFE_INTEGER) };
  }
}
