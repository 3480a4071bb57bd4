import net from 'node:net';

/** How much one client may send: a token bucket per client, and a bound on how many are tracked. */
export interface RateLimitSettings {
  /** Sustained requests per second per client: the rate the bucket refills at. */
  ratePerS: number;
  /** The bucket's size: requests a client that has been quiet may send at once. */
  burst: number;
  /** Clients tracked at most; the memory the limiter holds grows with this, never with the traffic. */
  maxClients: number;
}

/** The answer for one request: let it through, or refuse it and say when to come back. */
export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterS: number };

export interface RateLimiter {
  readonly settings: RateLimitSettings;
  /** Takes one token from the client's bucket (made full on its first request). */
  take(client: string): RateDecision;
  /** Clients tracked now: never more than `maxClients`. */
  size(): number;
}

export interface RateLimiterOptions extends RateLimitSettings {
  /** Monotonic clock in milliseconds. */
  now?: () => number;
  /**
   * The least time between two sweeps for full buckets when the table is full. Between sweeps a new
   * client evicts the least recently seen one at once, so a flood of new addresses costs constant
   * time per request instead of a scan of the whole table each.
   */
  sweepIntervalMs?: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date. */
  at: number;
}

/**
 * A token bucket per client, kept in a table of at most `maxClients` entries. A bucket holds up to
 * `burst` tokens and gains `ratePerS` a second; each request takes one, and a request that finds
 * less than one is refused with the whole seconds until one is there (at least 1).
 *
 * When the table is full and a new client arrives, the buckets that have refilled to full are
 * dropped first: a full bucket says nothing a new one would not (a client seen again starts full).
 * When none is full, the least recently seen client is dropped; it starts again with a full
 * bucket, which lets it send one more burst at most.
 *
 * @example
 * const limiter = createRateLimiter({ ratePerS: 100, burst: 200, maxClients: 10_000 })
 * limiter.take('127.0.0.1') // { allowed: true, remaining: 199 }
 */
export function createRateLimiter({ ratePerS, burst, maxClients, now = () => performance.now(), sweepIntervalMs = 1000 }: RateLimiterOptions): RateLimiter {
  if (!(ratePerS > 0) || !(burst >= 1) || !(maxClients >= 1)) throw new RangeError('A rate limiter needs ratePerS > 0, burst >= 1 and maxClients >= 1');
  // Insertion order is recency: a bucket is moved to the end each time its client is seen.
  const buckets = new Map<string, Bucket>();
  let lastSweep = -Infinity;

  const refilled = (bucket: Bucket, at: number) => Math.min(burst, bucket.tokens + ((at - bucket.at) * ratePerS) / 1000);

  const makeRoom = (at: number) => {
    if (buckets.size < maxClients) return;
    if (at - lastSweep >= sweepIntervalMs) {
      lastSweep = at;
      for (const [client, bucket] of buckets) if (refilled(bucket, at) >= burst) buckets.delete(client);
    }
    // Nothing full (or swept a moment ago): the least recently seen client goes.
    while (buckets.size >= maxClients) {
      const oldest = buckets.keys().next();
      if (oldest.done) break;
      buckets.delete(oldest.value);
    }
  };

  return {
    settings: { ratePerS, burst, maxClients },
    take(client) {
      const at = now();
      let bucket = buckets.get(client);
      if (bucket) {
        buckets.delete(client);
        bucket.tokens = refilled(bucket, at);
        bucket.at = at;
      } else {
        makeRoom(at);
        bucket = { tokens: burst, at };
      }
      buckets.set(client, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, remaining: Math.floor(bucket.tokens) };
      }
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerS)) };
    },
    size: () => buckets.size,
  };
}

/** `2001:db8::1` → its eight groups as numbers; `::ffff:10.0.0.1` style tails count as two groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (tail !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    text = `${text.slice(0, -tail.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => Number.parseInt(group, 16));
}

/**
 * The client a request counts against, from the socket's remote address: an IPv4 address as it is
 * (an IPv4-mapped IPv6 one too), an IPv6 address by its /64 prefix, since one host or subscriber
 * usually holds a whole /64 and could otherwise take a new address for every request.
 *
 * @example
 * clientKey('::ffff:127.0.0.1') // '127.0.0.1'
 * clientKey('2001:db8:1:2:3:4:5:6') // '2001:db8:1:2::/64'
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return mapped;
  const bare = address.split('%')[0] ?? address;
  if (!net.isIPv6(bare)) return address;
  const prefix = ipv6Groups(bare).slice(0, 4).map((group) => group.toString(16));
  return `${prefix.join(':')}::/64`;
}
