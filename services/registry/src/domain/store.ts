import {
  DEFAULT_HEALTH_PATH,
  type RegisteredInstance,
  type RegisterInstance,
  type RegistryEvent,
  type RegistryEventKind,
  type RegistryInstanceStatus,
} from '@microshop/contracts';
import { createEventLog } from './event-log.js';

/** Which instances a list shows: those clients may call, or every one. */
export type StatusFilter = 'passing' | 'all';

/** What the health checker needs to check one instance. `generation` changes when its address does. */
export interface CheckTarget {
  service: string;
  instance_id: string;
  generation: number;
  host: string;
  port: number;
  health_path: string;
}

/** How one health check ended: passed, or failed with a reason for the event. */
export type CheckResult = { ok: true } | { ok: false; reason: string };

export interface StoreOptions {
  now: () => Date;
  ttlMs: number;
  failuresToEvict: number;
  /** Most events kept (default 100, the contract's figure). */
  eventLimit?: number;
  /** Called for each event, after the state has changed (logs, metrics). */
  onEvent?: (event: RegistryEvent) => void;
}

interface Entry {
  service: string;
  instance_id: string;
  host: string;
  port: number;
  health_path: string;
  pid: number | null;
  version: string | null;
  status: RegistryInstanceStatus;
  registeredAt: number;
  lastHeartbeatAt: number;
  lastCheckAt: number | null;
  consecutiveFailures: number;
  generation: number;
}

/** The outcome of a `PUT`: whether it created the instance, and whether it must be checked now. */
export interface UpsertResult {
  instance: RegisteredInstance;
  created: boolean;
  /** New, or its address changed: what was known about its health no longer applies. */
  needsCheck: boolean;
}

/**
 * The registry's state: every instance of every service, in memory. Nothing here survives a
 * restart, by design: instances heartbeat every few seconds, so the state is back within one TTL
 * (see {@link RegistryStore.isWarm}). Pure logic over an injected clock; the timers live in the
 * health checker and the app.
 */
export interface RegistryStore {
  readonly startedAt: Date;
  readonly ttlMs: number;
  /** Registers (created) or renews (the heartbeat) an instance. */
  upsert(service: string, instanceId: string, body: RegisterInstance): UpsertResult;
  /** Removes an instance on its own request; false when unknown. */
  deregister(service: string, instanceId: string): boolean;
  /** Evicts every instance whose last heartbeat is older than the TTL; returns how many. */
  expire(): number;
  /** Applies a health check's result, unless the instance has gone or moved since the check began. */
  recordCheck(target: CheckTarget, result: CheckResult): void;
  /** The instance, as the checker needs it, or undefined. */
  target(service: string, instanceId: string): CheckTarget | undefined;
  targets(): CheckTarget[];
  /** One service's instances, sorted by id. */
  instances(service: string, filter: StatusFilter): RegisteredInstance[];
  /** Every service (sorted by name) with its instances matching the filter. */
  services(filter: StatusFilter): { service: string; instances: RegisteredInstance[] }[];
  /** How many instances each service has in each status, for the gauge. */
  counts(): { service: string; status: RegistryInstanceStatus; count: number }[];
  /** The latest events, newest first. */
  events(): RegistryEvent[];
  /** True once one TTL has passed since the start: every live instance has had time to heartbeat. */
  isWarm(): boolean;
}

const STATUSES: readonly RegistryInstanceStatus[] = ['starting', 'passing', 'failing'];

/** `http://127.0.0.1:5001`, `http://[::1]:5001`. */
export function baseUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Creates an empty registry. */
export function createRegistryStore({ now, ttlMs, failuresToEvict, eventLimit = 100, onEvent }: StoreOptions): RegistryStore {
  const byService = new Map<string, Map<string, Entry>>();
  const log = createEventLog(eventLimit);
  const startedAt = now();
  const ms = () => now().getTime();
  const iso = (time: number) => new Date(time).toISOString();

  const emit = (entry: Entry, kind: RegistryEventKind, detail: string) => {
    const event: RegistryEvent = { at: now().toISOString(), service: entry.service, instance_id: entry.instance_id, kind, detail };
    log.add(event);
    onEvent?.(event);
  };

  const find = (service: string, instanceId: string) => byService.get(service)?.get(instanceId);

  const remove = (entry: Entry) => {
    const instances = byService.get(entry.service);
    instances?.delete(entry.instance_id);
    if (instances?.size === 0) byService.delete(entry.service);
  };

  const view = (entry: Entry): RegisteredInstance => ({
    service: entry.service,
    instance_id: entry.instance_id,
    url: baseUrl(entry.host, entry.port),
    host: entry.host,
    port: entry.port,
    health_path: entry.health_path,
    status: entry.status,
    pid: entry.pid,
    version: entry.version,
    registered_at: iso(entry.registeredAt),
    last_heartbeat_at: iso(entry.lastHeartbeatAt),
    last_check_at: entry.lastCheckAt === null ? null : iso(entry.lastCheckAt),
    consecutive_failures: entry.consecutiveFailures,
    expires_at: iso(entry.lastHeartbeatAt + ttlMs),
  });

  const toTarget = (entry: Entry): CheckTarget => ({
    service: entry.service,
    instance_id: entry.instance_id,
    generation: entry.generation,
    host: entry.host,
    port: entry.port,
    health_path: entry.health_path,
  });

  const sorted = (instances: Map<string, Entry> | undefined, filter: StatusFilter) =>
    [...(instances?.values() ?? [])]
      .filter((entry) => filter === 'all' || entry.status === 'passing')
      .sort((a, b) => (a.instance_id < b.instance_id ? -1 : a.instance_id > b.instance_id ? 1 : 0))
      .map(view);

  let generations = 0;

  return {
    startedAt,
    ttlMs,

    upsert(service, instanceId, body) {
      const time = ms();
      const healthPath = body.health_path ?? DEFAULT_HEALTH_PATH;
      const existing = find(service, instanceId);
      if (existing) {
        existing.lastHeartbeatAt = time;
        existing.pid = body.pid ?? existing.pid;
        existing.version = body.version ?? existing.version;
        const moved = existing.host !== body.host || existing.port !== body.port || existing.health_path !== healthPath;
        if (moved) {
          Object.assign(existing, { host: body.host, port: body.port, health_path: healthPath, status: 'starting', consecutiveFailures: 0, lastCheckAt: null, generation: ++generations });
          emit(existing, 'registered', `moved to ${baseUrl(body.host, body.port)}${healthPath}: checked again`);
        }
        return { instance: view(existing), created: false, needsCheck: moved };
      }
      const entry: Entry = {
        service,
        instance_id: instanceId,
        host: body.host,
        port: body.port,
        health_path: healthPath,
        pid: body.pid ?? null,
        version: body.version ?? null,
        status: 'starting',
        registeredAt: time,
        lastHeartbeatAt: time,
        lastCheckAt: null,
        consecutiveFailures: 0,
        generation: ++generations,
      };
      let instances = byService.get(service);
      if (!instances) byService.set(service, (instances = new Map()));
      instances.set(instanceId, entry);
      emit(entry, 'registered', `at ${baseUrl(entry.host, entry.port)}${healthPath}`);
      return { instance: view(entry), created: true, needsCheck: true };
    },

    deregister(service, instanceId) {
      const entry = find(service, instanceId);
      if (!entry) return false;
      remove(entry);
      emit(entry, 'deregistered', 'deregistered by request');
      return true;
    },

    expire() {
      const time = ms();
      let evicted = 0;
      for (const instances of [...byService.values()]) {
        for (const entry of [...instances.values()]) {
          if (time - entry.lastHeartbeatAt < ttlMs) continue;
          remove(entry);
          evicted++;
          emit(entry, 'evicted', `no heartbeat for ${ttlMs} ms`);
        }
      }
      return evicted;
    },

    recordCheck(target, result) {
      const entry = find(target.service, target.instance_id);
      if (!entry || entry.generation !== target.generation) return;
      entry.lastCheckAt = ms();
      if (result.ok) {
        entry.consecutiveFailures = 0;
        if (entry.status !== 'passing') {
          const detail = entry.status === 'failing' ? 'health check passed again' : 'first health check passed';
          entry.status = 'passing';
          emit(entry, 'passing', detail);
        }
        return;
      }
      entry.consecutiveFailures++;
      if (entry.consecutiveFailures >= failuresToEvict) {
        remove(entry);
        const times = entry.consecutiveFailures === 1 ? 'once' : entry.consecutiveFailures === 2 ? 'twice' : `${entry.consecutiveFailures} times`;
        emit(entry, 'evicted', `health check failed ${times}: ${result.reason}`);
        return;
      }
      if (entry.status !== 'failing') {
        entry.status = 'failing';
        emit(entry, 'failing', `health check failed: ${result.reason}`);
      }
    },

    target(service, instanceId) {
      const entry = find(service, instanceId);
      return entry && toTarget(entry);
    },

    targets() {
      return [...byService.values()].flatMap((instances) => [...instances.values()].map(toTarget));
    },

    instances: (service, filter) => sorted(byService.get(service), filter),

    services(filter) {
      return [...byService.keys()].sort().map((service) => ({ service, instances: sorted(byService.get(service), filter) }));
    },

    counts() {
      return [...byService.entries()].flatMap(([service, instances]) =>
        STATUSES.map((status) => ({ service, status, count: [...instances.values()].filter((entry) => entry.status === status).length })),
      );
    },

    events: () => log.recent(),

    isWarm: () => ms() - startedAt.getTime() >= ttlMs,
  };
}
