import { outcomeOfFailure } from '@microshop/chassis';
import { Agent } from 'undici';
import type { Probe, ProbeResult } from '../domain/health-checker.js';
import { baseUrl } from '../domain/store.js';

export interface HttpProbeOptions {
  /** Upper bound of one check, connect to last byte. */
  timeoutMs: number;
  /** How often each instance is checked: connections are kept a little longer than that, no more. */
  intervalMs: number;
}

/** The HTTP health check and the connections it keeps; `close` releases them. */
export interface HttpProbe {
  probe: Probe;
  close(): Promise<void>;
}

/** `ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, or the message. */
function reasonOf(error: unknown, timeoutMs: number): string {
  if (outcomeOfFailure(error) === 'timeout') return `no answer within ${timeoutMs} ms`;
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * `GET http://host:port/health_path` through one undici agent: at most two connections per instance
 * (its checks never overlap), kept alive just past one check interval so a steady instance is
 * checked over one socket and a gone one holds none for long. Every phase is bounded by
 * `timeoutMs`; an aborted check destroys its socket, so a hanging instance costs one socket, never a
 * queue. Any 2xx passes; anything else, a timeout or a refused connection fails.
 */
export function createHttpProbe({ timeoutMs, intervalMs }: HttpProbeOptions): HttpProbe {
  const keepAlive = Math.min(Math.max(2 * intervalMs, 1000), 10_000);
  const agent = new Agent({
    connections: 2,
    pipelining: 1,
    keepAliveTimeout: keepAlive,
    keepAliveMaxTimeout: keepAlive,
    connect: { timeout: timeoutMs },
    // The check's own signal is its time limit, to the millisecond. undici's headers and body
    // timeouts run on a clock of half-second ticks and start half a tick back: set to the limit,
    // they failed checks that answered in time, after as little as half of it.
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  const probe: Probe = async (target, closing): Promise<ProbeResult> => {
    const signal = AbortSignal.any([closing, AbortSignal.timeout(timeoutMs)]);
    try {
      const response = await agent.request({
        origin: baseUrl(target.host, target.port),
        path: target.health_path,
        method: 'GET',
        headers: { accept: 'application/json', 'user-agent': 'microshop-registry' },
        signal,
      });
      await response.body.dump({ limit: 65_536, signal });
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, outcome: 'ok' };
      return { ok: false, outcome: 'bad_status', reason: `answered ${response.statusCode}` };
    } catch (error) {
      return { ok: false, outcome: outcomeOfFailure(error), reason: reasonOf(error, timeoutMs) };
    }
  };

  return { probe, close: () => agent.close().catch(() => agent.destroy()) };
}
