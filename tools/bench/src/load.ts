import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadResult {
  /**
   * Requests answered with a 2xx per second. A refusal is not throughput: an open breaker answers
   * 503 in a millisecond, and counting it would make a failing system look fast.
   */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The 90th and 99.9th percentiles, where the generator gives them. */
  p90Ms?: number;
  p999Ms?: number;
  /** Requests answered with a status other than 2xx, plus socket errors and timeouts. */
  errors: number;
  /** Requests answered with a 2xx. */
  requests: number;
  /** Open loop: requests not sent because the system had fallen more than a second behind; closed loop: 0. */
  unsent: number;
  /** How many answers had each status other than 2xx, for the progress line (closed loop). */
  failedStatuses?: Record<string, number>;
}

/**
 * A request sent right after the previous one of its flow was answered 2xx (the payment for the
 * order just created), itself possibly followed by another.
 */
export interface FollowUp {
  method: 'GET' | 'POST';
  url: string;
  /**
   * The body, from the JSON answer of the request before; undefined: that answer cannot be followed
   * up (the flow starts again). Absent: the request has no body (a GET).
   */
  body?: (previous: unknown) => string | undefined;
  then?: FollowUp | undefined;
}

/** What a scenario repeats: one request, or a flow of requests, each sent once the one before is answered. */
export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  body?: string | undefined;
  /** The next request of the same flow, sent once the first is answered 2xx. */
  then?: FollowUp | undefined;
}

export interface LoadOptions extends LoadTarget {
  connections: number;
  durationSeconds: number;
  /** Called about once a second with the seconds elapsed. */
  onTick?: (elapsedSeconds: number) => void;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** What autocannon carries from one request of a flow to the next, per connection. */
interface FlowContext {
  previous?: unknown;
}

/** The follow-ups of a target, in order. */
export function followUpsOf(target: Pick<LoadTarget, 'then'>): FollowUp[] {
  const steps: FollowUp[] = [];
  for (let step = target.then; step; step = step.then) steps.push(step);
  return steps;
}

/** Keeps a 2xx JSON answer for the next request of the flow; anything else leaves nothing to follow up. */
const remember = (status: number, body: string, context: unknown) => {
  (context as FlowContext).previous = status >= 200 && status < 300 ? parseJson(body) : undefined;
};

/** The autocannon request list of a target: one request, or its flow with each answer carried to the next request. */
function flowRequests(target: LoadTarget): autocannon.Request[] | undefined {
  const steps = followUpsOf(target);
  if (steps.length === 0) return undefined;
  const first = new URL(target.url);
  return [
    {
      method: target.method,
      path: first.pathname + first.search,
      headers: target.body ? JSON_HEADERS : {},
      ...(target.body ? { body: target.body } : {}),
      onResponse: remember,
    },
    ...steps.map((step): autocannon.Request => {
      const url = new URL(step.url);
      const { body } = step;
      return {
        method: step.method,
        path: url.pathname + url.search,
        headers: body ? JSON_HEADERS : {},
        onResponse: remember,
        // A falsy answer sends autocannon back to the first request of the flow.
        setupRequest: (request, context) => {
          const { previous } = context as FlowContext;
          if (!body) return request;
          const text = previous === undefined ? undefined : body(previous);
          return (text === undefined ? null : { ...request, body: text }) as autocannon.Request;
        },
      };
    }),
  ];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Connections a warm-up uses at most: enough to get the hot paths compiled, too few to overload a cold system. */
export const WARMUP_CONNECTIONS = 5;

/** A warm-up's rate is read over windows of this many seconds. */
export const WARMUP_WINDOW_S = 1;
/** The rate has levelled off when the best of this many last windows … */
export const LEVEL_WINDOWS = 5;
/** … is no more than this share above the best window before them. */
export const LEVEL_GAIN = 0.05;
/** The longest a warm-up runs, levelled off or not. */
export const WARMUP_MAX_SECONDS = 60;

/**
 * True once a warm-up's rates (2xx per second, one per window, oldest first) have stopped climbing:
 * the best of the last {@link LEVEL_WINDOWS} windows is within {@link LEVEL_GAIN} of the best window
 * before them. The best, not the mean: a window the machine took away from the system does not end
 * a warm-up, nor does one that merely dips.
 *
 * @example
 * levelledOff([150, 300, 389, 452, 466, 471, 453, 416]) // false: 471 is 21 % above 389
 * levelledOff([300, 389, 452, 466, 471, 453, 416, 463]) // true: 471 is 4 % above 452
 */
export function levelledOff(rates: readonly number[]): boolean {
  if (rates.length <= LEVEL_WINDOWS) return false;
  const before = Math.max(...rates.slice(0, -LEVEL_WINDOWS));
  const recent = Math.max(...rates.slice(-LEVEL_WINDOWS));
  return recent <= before * (1 + LEVEL_GAIN);
}

/** What a warm-up did. */
export interface WarmUpResult {
  seconds: number;
  /** 2xx answers per second in each window, oldest first. */
  rates: number[];
  /** True when it ended because the rate levelled off, false when it hit its longest. */
  levelled: boolean;
  /** 2xx answers in all. */
  requests: number;
}

export interface WarmUpOptions {
  /** Run at least this long (default 0: until levelled off). */
  minSeconds?: number;
  /** Run at most this long (default {@link WARMUP_MAX_SECONDS}). */
  maxSeconds?: number;
  onWindow?: (rate: number, seconds: number) => void;
}

/**
 * Warms a freshly started system up before it is measured: the same requests on at most
 * {@link WARMUP_CONNECTIONS} connections, in windows of {@link WARMUP_WINDOW_S} s, until the rate
 * they get stops climbing ({@link levelledOff}) and at least `minSeconds` have passed, at most
 * `maxSeconds`.
 *
 * Gentle, because a cold system (its code not yet compiled by the JIT) answers slowly: put under
 * full load straight away, its callers' first-byte timeouts fire, their breakers open, and an open
 * breaker keeps the service behind it cold (each probe meets the full load again). Until levelled,
 * because a fixed time is the wrong measure: a freshly started Microshop gets a fifth of its speed
 * in its first second of create-order, half to two thirds after 10 s, and levels off after 20–25 s; a
 * system measured before then is measured on its way up.
 */
export async function warmUp(target: LoadTarget, connections: number, { minSeconds = 0, maxSeconds = WARMUP_MAX_SECONDS, onWindow }: WarmUpOptions = {}): Promise<WarmUpResult> {
  const rates: number[] = [];
  let requests = 0;
  let seconds = 0;
  while (seconds < maxSeconds) {
    const window = await runLoad({ ...target, connections: Math.min(connections, WARMUP_CONNECTIONS), durationSeconds: WARMUP_WINDOW_S });
    seconds += WARMUP_WINDOW_S;
    requests += window.requests;
    rates.push(window.requestsPerSecond);
    onWindow?.(window.requestsPerSecond, seconds);
    if (seconds >= minSeconds && levelledOff(rates)) return { seconds, rates, levelled: true, requests };
  }
  return { seconds, rates, levelled: false, requests };
}

/** One line for a warm-up that has ended: how long, and the rate it reached. */
export function describeWarmUp({ seconds, rates, levelled }: WarmUpResult): string {
  const best = Math.round(Math.max(0, ...rates));
  return levelled ? `warmed up in ${seconds} s (the rate levelled off at ${best}/s)` : `warmed up for ${seconds} s, its longest (the rate was still climbing, best ${best}/s)`;
}

/** {@link warmUp} for at least `minSeconds` (none when 0), its progress and its end said as lines starting with `where`. */
export async function warmUpSaying(target: LoadTarget, connections: number, minSeconds: number, say: (line: string) => void, where: string): Promise<void> {
  if (minSeconds <= 0) return;
  const onWindow = (rate: number, seconds: number) => say(`${where}: warming up at ${Math.min(connections, WARMUP_CONNECTIONS)} connections until the rate levels off: ${seconds} s, ${Math.round(rate)}/s`);
  say(`${where}: ${describeWarmUp(await warmUp(target, connections, { minSeconds, onWindow }))}`);
}

/**
 * Sends requests on `connections` keep-alive connections, each waiting for its answer before the
 * next (closed loop), for `durationSeconds`, and reports throughput and latency. A target with a
 * follow-up repeats the flow of both requests; each request counts.
 */
export async function runLoad({ url, method, body, then, connections, durationSeconds, onTick }: LoadOptions): Promise<LoadResult> {
  let elapsed = 0;
  const requests = flowRequests({ url, method, body, then });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      requests
        ? { url: new URL(url).origin, connections, duration: durationSeconds, requests }
        : { url, method, connections, duration: durationSeconds, headers: body ? JSON_HEADERS : {}, ...(body ? { body } : {}) },
      (error, finished) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    instance.on('tick', () => onTick?.(++elapsed));
  });
  // Answers other than 2xx are among autocannon's responses; socket errors and timeouts are not.
  const succeeded = Math.max(0, result.requests.total - result.non2xx);
  return {
    requestsPerSecond: result.duration > 0 ? succeeded / result.duration : 0,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: succeeded,
    unsent: 0,
    failedStatuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).flatMap(([status, stats]) => (status.startsWith('2') ? [] : [[status, stats?.count ?? 0] as const]))),
  };
}

export interface OpenLoadOptions extends LoadTarget {
  /** Requests offered per second; a flow of two requests starts at half that rate. */
  ratePerSecond: number;
  /** The most connections open at once; requests beyond them wait for one, their wait counted in their latency. */
  connections: number;
  durationSeconds: number;
  onTick?: (elapsedSeconds: number) => void;
  /** How long one request may take before it counts as an error. */
  timeoutMs?: number;
}

/** The value below which `share` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1));
  return sorted[rank] ?? 0;
}

/**
 * Offers a fixed rate of requests (open loop): each flow starts at its scheduled time, whether or
 * not earlier ones have been answered, for `durationSeconds`. A request's latency runs from the time
 * it was due to be sent, so waiting for a free connection or for a late timer counts (no
 * coordinated omission). A flow that would start while more than a second's worth of requests is
 * still waiting is not sent (counted in `unsent`): the run stays bounded when the system falls
 * behind, and the shortfall shows.
 */
export async function runOpenLoad({ url, method, body, then, ratePerSecond, connections, durationSeconds, onTick, timeoutMs = 10_000 }: OpenLoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let unsent = 0;
  let succeeded = 0;
  let waiting = 0;

  const send = (target: string, verb: string, payload: string | undefined, dueAt: number): Promise<{ ok: boolean; text: string }> =>
    new Promise((resolve) => {
      const request = http.request(target, { method: verb, agent, timeout: timeoutMs, headers: payload ? { ...JSON_HEADERS, 'content-length': Buffer.byteLength(payload) } : {} }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          latencies.push(performance.now() - dueAt);
          const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300;
          if (ok) succeeded++;
          else errors++;
          resolve({ ok, text });
        });
        response.on('error', () => {
          errors++;
          resolve({ ok: false, text: '' });
        });
      });
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', () => {
        errors++;
        resolve({ ok: false, text: '' });
      });
      request.end(payload);
    });

  const followUps = followUpsOf({ then });
  const flow = async (dueAt: number) => {
    waiting++;
    try {
      let answer = await send(url, method, body, dueAt);
      for (const step of followUps) {
        if (!answer.ok) return;
        const next = step.body ? step.body(parseJson(answer.text)) : undefined;
        if (step.body && next === undefined) return;
        answer = await send(step.url, step.method, next, performance.now());
      }
    } finally {
      waiting--;
    }
  };

  const steps = 1 + followUps.length;
  const intervalMs = (1000 * steps) / ratePerSecond;
  const backlog = Math.max(connections, Math.ceil(ratePerSecond / steps));
  const started = performance.now();
  const endAt = started + durationSeconds * 1000;
  const flows: Promise<void>[] = [];
  let due = started;
  let ticked = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (due <= now && due < endAt) {
        if (waiting >= backlog) unsent += steps;
        else flows.push(flow(due));
        due += intervalMs;
      }
      const elapsed = Math.floor((now - started) / 1000);
      while (ticked < elapsed && ticked < durationSeconds) {
        ticked++;
        onTick?.(ticked);
      }
      if (due >= endAt) return resolve();
      setTimeout(tick, Math.max(0, Math.min(due - performance.now(), 50)));
    };
    tick();
  });
  await Promise.all(flows);
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: succeeded / durationSeconds,
    p50Ms: percentile(sorted, 0.5),
    p90Ms: percentile(sorted, 0.9),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    errors,
    requests: succeeded,
    unsent,
  };
}
