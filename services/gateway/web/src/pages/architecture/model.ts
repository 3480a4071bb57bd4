import type { BreakerState, GatewayHealth, Overview, OverviewEdge, OverviewService } from '../../api/types';
import type { Health } from '../../components/status';
import { DESIGNED_EDGES, PROVIDER, REGISTRY, SERVICES, type ServiceInfo } from '../../services';

/** How long a box stays red after its process was seen replaced (it died and was restarted between two polls). */
export const RESTART_HOLD_MS = 3000;

/** One process of a service, as the diagram lists it. */
export interface InstanceView {
  /** Its instance id (`order-service-2`), or its URL when the address is static. */
  id: string;
  port: number | null;
  pid: number | null;
  uptimeS: number | null;
  status: Health;
  /** Its share of the service's requests over the last minute (0..1); null before figures come. */
  share: number | null;
}

/** One box of the diagram. */
export interface NodeView extends ServiceInfo {
  health: Health;
  /** Why it is down, or when it came back. */
  detail: string | undefined;
  instances: InstanceView[];
  requestsPerS: number | null;
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Latency of the gateway's health call to it. */
  probeMs: number | null;
}

/** One arrow of the diagram: calls from one service to another. */
export interface EdgeView {
  from: string;
  to: string;
  callsPerS: number | null;
  errorRate: number | null;
  p99Ms: number | null;
  /** A call the system makes by design (drawn even when idle). */
  designed: boolean;
  /** The caller's circuit breaker for this target, when the caller reports one. */
  breaker: BreakerState | undefined;
  /** Calls in flight the caller allows to this target now (its adaptive bulkhead), when it reports one. */
  limit: number | undefined;
}

/** The caller's breaker for `to`, from the gateway's health (its own breakers, and each service's as reported). */
export function breakerOf(health: GatewayHealth | undefined, from: string, to: string): BreakerState | undefined {
  if (!health) return undefined;
  const breakers = from === 'gateway' ? health.breakers : health.services[from]?.breakers;
  return breakers?.[to];
}

/** What the page remembers between polls about each process: which pid it saw, and when one was replaced. */
export interface Memory {
  pids: Record<string, number>;
  restarts: Record<string, { at: number; from: number; to: number }>;
}

export const EMPTY_MEMORY: Memory = { pids: {}, restarts: {} };

/**
 * Updates the memory with a health answer: a process that answers with a pid other than the one
 * seen before was replaced (it died and the supervisor started it again), even when the poll
 * missed the moment it was down. The services in `redeploying` are being replaced on purpose (a
 * rollout): their new pids are taken as they come, without a restart.
 */
export function remember(memory: Memory, health: GatewayHealth | undefined, now: number, redeploying: readonly string[] = []): Memory {
  if (!health) return memory;
  const pids = { ...memory.pids };
  const restarts = { ...memory.restarts };
  const seen: [string, number | undefined][] = [['gateway', health.pid], ...Object.entries(health.services).map(([name, s]): [string, number | undefined] => [name, s.status === 'ok' ? s.pid : undefined])];
  for (const [name, pid] of seen) {
    if (pid === undefined) continue;
    const before = pids[name];
    if (before !== undefined && before !== pid && !redeploying.includes(name)) restarts[name] = { at: now, from: before, to: pid };
    pids[name] = pid;
  }
  return { pids, restarts };
}

/** A process the gateway's `/health` does not list (the payment provider): its health from the overview's scrapes. */
function scrapedHealth(figures: OverviewService | undefined): { health: Health; detail: string | undefined } {
  if (!figures) return { health: 'unknown', detail: undefined };
  const detail = figures.instances.find((i) => i.status === 'down')?.detail;
  if (figures.status === 'ok') return { health: 'ok', detail: undefined };
  if (figures.status === 'degraded') return { health: 'degraded', detail };
  if (figures.status === 'down') return { health: 'down', detail: detail ?? 'Does not answer its health check' };
  return { health: 'unknown', detail: undefined };
}

function healthOf(name: string, health: GatewayHealth | undefined, gatewayReachable: boolean, memory: Memory, now: number, figures?: OverviewService): { health: Health; detail: string | undefined } {
  if (!gatewayReachable) return name === 'gateway' ? { health: 'down', detail: 'The gateway does not answer' } : { health: 'unknown', detail: 'Unknown while the gateway does not answer' };
  if (name !== 'gateway' && health && !health.services[name]) return scrapedHealth(figures);
  if (!health) return { health: 'unknown', detail: undefined };
  const restart = memory.restarts[name];
  const current = name === 'gateway' ? 'ok' : health.services[name]?.status;
  if (current === 'down') return { health: 'down', detail: health.services[name]?.detail ?? 'Does not answer its health check' };
  if (restart && now - restart.at < RESTART_HOLD_MS) return { health: 'restarted', detail: `Crashed and restarted: pid ${restart.from} → ${restart.to}` };
  if (current === 'degraded') return { health: 'degraded', detail: health.services[name]?.detail };
  return current === 'ok' ? { health: 'ok', detail: undefined } : { health: 'unknown', detail: undefined };
}

const portOf = (url: string): number | null => {
  try {
    return Number(new URL(url).port) || null;
  } catch {
    return null;
  }
};
const instanceHealth = (status: string): Health => (status === 'ok' ? 'ok' : status === 'down' ? 'down' : 'unknown');

/**
 * A box's instances: those the gateway's health check asked just now (fresh every second), each
 * with its share of the traffic from the overview; then those the overview still shows after they
 * left the lists (down for a minute). Without either, the one process the box stands for.
 */
function instancesOf(name: string, health: GatewayHealth | undefined, figures: OverviewService | undefined, status: Health): InstanceView[] {
  const scraped = new Map((figures?.instances ?? []).map((i) => [i.id, i]));
  const checked = name === 'gateway' ? undefined : health?.services[name]?.instances;
  if (checked && checked.length > 0) {
    const listed = checked.map(
      (i): InstanceView => ({ id: i.id, port: portOf(i.url), pid: i.status === 'ok' ? (i.pid ?? null) : null, uptimeS: i.status === 'ok' ? (i.uptime_s ?? null) : null, status: instanceHealth(i.status), share: scraped.get(i.id)?.share ?? null }),
    );
    const ids = new Set(listed.map((i) => i.id));
    const gone = (figures?.instances ?? []).filter((i) => !ids.has(i.id) && i.status === 'down');
    return [...listed, ...gone.map((i): InstanceView => ({ id: i.id, port: i.port, pid: null, uptimeS: null, status: 'down', share: i.share }))];
  }
  if (figures && figures.instances.length > 0 && (name !== 'gateway' || figures.instances.length > 1)) {
    return figures.instances.map((i) => ({ id: i.id, port: i.port, pid: i.pid, uptimeS: i.uptime_s, status: instanceHealth(i.status), share: i.share }));
  }
  const info = SERVICES.find((s) => s.name === name);
  const share = figures?.instances[0]?.share ?? null;
  if (name === 'gateway') return [{ id: figures?.instances[0]?.id ?? 'gateway', port: info?.port ?? null, pid: health?.pid ?? null, uptimeS: health?.uptime_s ?? null, status, share }];
  const service = health?.services[name];
  const port = service ? portOf(service.url) : (info?.port ?? null);
  const up = service?.status === 'ok';
  return [{ id: name, port, pid: up ? (service.pid ?? null) : null, uptimeS: up ? (service.uptime_s ?? null) : null, status, share }];
}

/** The registry's box, when the system has one: its health from the overview's scrapes, stale lists from the gateway's discovery. */
function registryOf(health: GatewayHealth | undefined, overview: Overview | undefined): NodeView | undefined {
  const figures = overview?.services.find((s) => s.name === REGISTRY.name);
  const discovery = health?.discovery;
  if (!figures && !discovery?.registry) return undefined;
  const scraped: Health = figures ? (figures.status === 'ok' ? 'ok' : figures.status === 'unknown' ? 'unknown' : 'down') : 'unknown';
  const stale = discovery?.stale === true;
  return {
    ...REGISTRY,
    health: stale ? 'down' : scraped,
    detail: stale ? 'Does not answer: every caller goes on with its last known lists' : figures?.instances[0]?.detail,
    instances: (figures?.instances ?? []).map((i) => ({ id: i.id, port: i.port, pid: i.pid, uptimeS: i.uptime_s, status: instanceHealth(i.status), share: null })),
    requestsPerS: figures?.requests_per_s ?? null,
    errorRate: figures?.error_rate ?? null,
    p50Ms: figures?.p50_ms ?? null,
    p99Ms: figures?.p99_ms ?? null,
    probeMs: null,
  };
}

/**
 * Whether the system has the payment provider: the gateway lists it in its health or watches it in
 * its overview. A gateway without one draws no box and no edge for it.
 */
const hasProvider = (health: GatewayHealth | undefined, overview: Overview | undefined) =>
  health?.services[PROVIDER] !== undefined || overview?.services.some((s) => s.name === PROVIDER) === true;

/**
 * The diagram from the latest answers: every service as a box with its instances (health from
 * `/health`, which asks each instance right now; figures and traffic shares from `/api/overview`),
 * the payment provider's box when the gateway watches it (its health from the overview's scrapes,
 * as `/health` does not list it), every edge the system has by design or was seen calling, with
 * its calls per second, and the registry's box when there is one (outside the call graph).
 *
 * @example
 * const { nodes, edges } = buildModel({ health, overview, gatewayReachable: true, memory, now: performance.now() })
 */
export function buildModel({
  health,
  overview,
  gatewayReachable,
  memory,
  now,
}: {
  health: GatewayHealth | undefined;
  overview: Overview | undefined;
  gatewayReachable: boolean;
  memory: Memory;
  now: number;
}): { nodes: NodeView[]; edges: EdgeView[]; registry: NodeView | undefined } {
  const withProvider = hasProvider(health, overview);
  const shown = SERVICES.filter((info) => info.name !== PROVIDER || withProvider);
  const nodes = shown.map((info): NodeView => {
    const figures = overview?.services.find((s) => s.name === info.name);
    const { health: status, detail } = healthOf(info.name, health, gatewayReachable, memory, now, figures);
    const down = status === 'down';
    return {
      ...info,
      health: status,
      detail,
      instances: instancesOf(info.name, health, figures, status),
      requestsPerS: figures?.requests_per_s ?? null,
      errorRate: figures?.error_rate ?? null,
      p50Ms: down ? null : (figures?.p50_ms ?? null),
      p99Ms: down ? null : (figures?.p99_ms ?? null),
      probeMs: info.name === 'gateway' ? null : (health?.services[info.name]?.latency_ms ?? null),
    };
  });
  const seen = new Map<string, OverviewEdge>((overview?.edges ?? []).map((e) => [`${e.from}>${e.to}`, e]));
  const drawn = new Set(nodes.map((n) => n.name));
  const edges: EdgeView[] = DESIGNED_EDGES.filter(([from, to]) => drawn.has(from) && drawn.has(to)).map(([from, to]) => {
    const figures = seen.get(`${from}>${to}`);
    seen.delete(`${from}>${to}`);
    return {
      from,
      to,
      callsPerS: figures?.calls_per_s ?? (overview ? 0 : null),
      errorRate: figures?.error_rate ?? null,
      p99Ms: figures?.p99_ms ?? null,
      designed: true,
      breaker: breakerOf(health, from, to),
      limit: figures?.concurrency_limit,
    };
  });
  for (const e of seen.values()) {
    edges.push({ from: e.from, to: e.to, callsPerS: e.calls_per_s, errorRate: e.error_rate, p99Ms: e.p99_ms, designed: false, breaker: breakerOf(health, e.from, e.to), limit: e.concurrency_limit });
  }
  return { nodes, edges, registry: registryOf(health, overview) };
}
