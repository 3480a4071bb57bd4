import type { Resilience } from '@microshop/chassis';
import type { Health } from '@microshop/contracts';
import type { Upstream, Upstreams } from '../clients/upstreams.js';
import type { GatewayHealth, ServiceHealth } from '../schemas.js';

export interface HealthDeps {
  upstreams: Upstreams;
  version: string;
  /** When the gateway started, in milliseconds since the epoch. */
  startedAt: number;
  /** The gateway's own breakers and switches, shown beside the services'. */
  resilience?: Resilience | undefined;
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10;

async function checkOne({ service, url, probe }: Upstream, requestId: string): Promise<ServiceHealth> {
  const start = performance.now();
  try {
    const { status, body } = await probe.call<Partial<Health> | undefined>({ path: '/health', headers: { 'x-request-id': requestId } });
    const pid = typeof body?.pid === 'number' ? { pid: body.pid } : {};
    const uptime = typeof body?.uptime_s === 'number' ? { uptime_s: body.uptime_s } : {};
    const breakers = body?.breakers && typeof body.breakers === 'object' ? { breakers: body.breakers } : {};
    const switches = body?.resilience && typeof body.resilience === 'object' ? { resilience: body.resilience } : {};
    const reported = { ...pid, ...uptime, ...breakers, ...switches };
    if (status === 200 && body?.status === 'ok') return { status: 'ok', url, ...reported, latency_ms: elapsed(start) };
    return { status: 'down', url, ...reported, latency_ms: elapsed(start), detail: `${service} answered ${status}` };
  } catch (error) {
    return { status: 'down', url, latency_ms: elapsed(start), detail: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The gateway's health: always up if it can answer, `degraded` when any service is down. Every
 * service is asked at once, each within the probe budget, so one slow service costs one budget.
 */
export async function checkServices({ upstreams, version, startedAt, resilience }: HealthDeps, requestId: string): Promise<GatewayHealth> {
  const results = await Promise.all(Object.values(upstreams).map(async (u) => [u.service, await checkOne(u, requestId)] as const));
  const services = Object.fromEntries(results);
  return {
    status: results.every(([, r]) => r.status === 'ok') ? 'ok' : 'degraded',
    service: 'gateway',
    version,
    pid: process.pid,
    uptime_s: Math.round((Date.now() - startedAt) / 100) / 10,
    services,
    ...(resilience ? { breakers: resilience.breakers(), resilience: resilience.switches() } : {}),
  };
}
