import type { BreakerState, GatewayHealth, Overview, OverviewEdge, OverviewService } from '../../api/types';
import type { Health } from '../../components/status';
import { DESIGNED_EDGES, SERVICES, type ServiceInfo } from '../../services';

/** How long a box stays red after its process was seen replaced (it died and was restarted between two polls). */
export const RESTART_HOLD_MS = 3000;

/** One process of a service, as the diagram lists it. */
export interface InstanceView {
  port: number | null;
  pid: number | null;
  uptimeS: number | null;
  status: Health;
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
 * missed the moment it was down.
 */
export function remember(memory: Memory, health: GatewayHealth | undefined, now: number): Memory {
  if (!health) return memory;
  const pids = { ...memory.pids };
  const restarts = { ...memory.restarts };
  const seen: [string, number | undefined][] = [['gateway', health.pid], ...Object.entries(health.services).map(([name, s]): [string, number | undefined] => [name, s.status === 'ok' ? s.pid : undefined])];
  for (const [name, pid] of seen) {
    if (pid === undefined) continue;
    const before = pids[name];
    if (before !== undefined && before !== pid) restarts[name] = { at: now, from: before, to: pid };
    pids[name] = pid;
  }
  return { pids, restarts };
}

function healthOf(name: string, health: GatewayHealth | undefined, gatewayReachable: boolean, memory: Memory, now: number): { health: Health; detail: string | undefined } {
  if (!gatewayReachable) return name === 'gateway' ? { health: 'down', detail: 'The gateway does not answer' } : { health: 'unknown', detail: 'Unknown while the gateway does not answer' };
  if (!health) return { health: 'unknown', detail: undefined };
  const restart = memory.restarts[name];
  const current = name === 'gateway' ? 'ok' : health.services[name]?.status;
  if (current === 'down') return { health: 'down', detail: health.services[name]?.detail ?? 'Does not answer its health check' };
  if (restart && now - restart.at < RESTART_HOLD_MS) return { health: 'restarted', detail: `Crashed and restarted: pid ${restart.from} → ${restart.to}` };
  return current === 'ok' ? { health: 'ok', detail: undefined } : { health: 'unknown', detail: undefined };
}

function instancesOf(name: string, health: GatewayHealth | undefined, figures: OverviewService | undefined, status: Health): InstanceView[] {
  if (figures && figures.instances.length > 1) {
    return figures.instances.map((i) => ({ port: i.port, pid: i.pid, uptimeS: i.uptime_s, status: i.status === 'ok' ? 'ok' : i.status === 'down' ? 'down' : 'unknown' }));
  }
  const info = SERVICES.find((s) => s.name === name);
  if (name === 'gateway') return [{ port: info?.port ?? null, pid: health?.pid ?? null, uptimeS: health?.uptime_s ?? null, status }];
  const service = health?.services[name];
  const port = service ? Number(new URL(service.url).port) || null : (info?.port ?? null);
  const up = service?.status === 'ok';
  return [{ port, pid: up ? (service.pid ?? null) : null, uptimeS: up ? (service.uptime_s ?? null) : null, status }];
}

/**
 * The diagram from the latest answers: every process as a box (health from `/health`, which asks
 * each service right now; figures from `/api/overview`), and every edge the system has by design
 * or was seen calling, with its calls per second.
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
}): { nodes: NodeView[]; edges: EdgeView[] } {
  const nodes = SERVICES.map((info): NodeView => {
    const figures = overview?.services.find((s) => s.name === info.name);
    const { health: status, detail } = healthOf(info.name, health, gatewayReachable, memory, now);
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
  const edges: EdgeView[] = DESIGNED_EDGES.map(([from, to]) => {
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
    };
  });
  for (const e of seen.values()) {
    edges.push({ from: e.from, to: e.to, callsPerS: e.calls_per_s, errorRate: e.error_rate, p99Ms: e.p99_ms, designed: false, breaker: breakerOf(health, e.from, e.to) });
  }
  return { nodes, edges };
}
