import type { Resilience, ServiceInstance } from '@microshop/chassis';
import type { DiscoveryHealth, Health, InstanceHealth } from '@microshop/contracts';
import type { Upstream, Upstreams } from '../clients/upstreams.js';
import type { GatewayHealth, ServiceHealth } from '../schemas.js';

export interface HealthDeps {
  upstreams: Upstreams;
  version: string;
  /** When the gateway started, in milliseconds since the epoch. */
  startedAt: number;
  /** The gateway's own breakers and switches, shown beside the services'. */
  resilience?: Resilience | undefined;
  /** Where the lists of instances come from, now. */
  discovery: () => DiscoveryHealth;
}

const elapsed = (start: number) => Math.round((performance.now() - start) * 10) / 10;

/** What one instance's health answer tells beyond up or down. */
type Reported = Pick<ServiceHealth, 'pid' | 'uptime_s' | 'breakers' | 'resilience'>;

async function checkInstance(upstream: Upstream, instance: ServiceInstance, requestId: string): Promise<{ health: InstanceHealth; reported: Reported }> {
  const start = performance.now();
  const { id, url } = instance;
  try {
    const { status, body } = await upstream.probeOf(instance).call<Partial<Health> | undefined>({ path: '/health', headers: { 'x-request-id': requestId } });
    const pid = typeof body?.pid === 'number' ? { pid: body.pid } : {};
    const uptime = typeof body?.uptime_s === 'number' ? { uptime_s: body.uptime_s } : {};
    const breakers = body?.breakers && typeof body.breakers === 'object' ? { breakers: body.breakers } : {};
    const switches = body?.resilience && typeof body.resilience === 'object' ? { resilience: body.resilience } : {};
    const reported = { ...pid, ...uptime, ...breakers, ...switches };
    if (status === 200 && body?.status === 'ok') return { health: { id, url, status: 'ok', ...pid, ...uptime, latency_ms: elapsed(start) }, reported };
    return { health: { id, url, status: 'down', ...pid, ...uptime, latency_ms: elapsed(start), detail: `${upstream.service} answered ${status}` }, reported };
  } catch (error) {
    return { health: { id, url, status: 'down', latency_ms: elapsed(start), detail: error instanceof Error ? error.message : String(error) }, reported: {} };
  }
}

/**
 * One service's health from all its instances, asked at once: ok when every one answers,
 * degraded when some do, down when none does (or none is known, even after asking discovery
 * again). The service-level pid, uptime, breakers and switches are those of the first instance
 * that answered (else the first asked).
 */
async function checkOne(upstream: Upstream, requestId: string): Promise<ServiceHealth> {
  const listed = await upstream.known();
  if (listed.length === 0) {
    return { status: 'down', url: '', latency_ms: 0, detail: `No instance of ${upstream.service} is known: is it running and registered?`, instances: [] };
  }
  const checked = await Promise.all(listed.map((instance) => checkInstance(upstream, instance, requestId)));
  const instances = checked.map((c) => c.health);
  const up = checked.filter((c) => c.health.status === 'ok');
  const lead = up[0] ?? (checked[0] as (typeof checked)[number]);
  const latency = Math.max(...instances.map((i) => i.latency_ms));
  const base = { url: lead.health.url, ...lead.reported, latency_ms: latency, instances };
  if (up.length === instances.length) return { status: 'ok', ...base };
  const down = instances.filter((i) => i.status === 'down');
  if (up.length === 0) return { status: 'down', ...base, detail: down.length === 1 ? (down[0]?.detail ?? 'down') : down.map((i) => `${i.id}: ${i.detail ?? 'down'}`).join('; ') };
  return { status: 'degraded', ...base, detail: `${down.length} of ${instances.length} instances down: ${down.map((i) => `${i.id}: ${i.detail ?? 'down'}`).join('; ')}` };
}

/**
 * The gateway's health: always up if it can answer, `degraded` when any service is not entirely
 * up. Every instance of every service is asked at once, each within the probe budget, so one slow
 * instance costs one budget.
 */
export async function checkServices({ upstreams, version, startedAt, resilience, discovery }: HealthDeps, requestId: string): Promise<GatewayHealth> {
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
    discovery: discovery(),
  };
}
