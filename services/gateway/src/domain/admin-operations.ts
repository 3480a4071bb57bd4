import { AppError, type ServiceClient } from '@microshop/chassis';
import {
  BACKENDS,
  type AdminServices,
  type BackendName,
  type ChaosState,
  type ControlProcess,
  type ProcessControlResult,
  type ServiceReplicas,
  type ServiceRollout,
  type SetReplicas,
  type SupervisedInstance,
  type SupervisedProcess,
} from '@microshop/contracts';
import { ROLLOUT_TIMEOUT_MS, type AdminClients, type InternalTarget } from '../clients/admin-clients.js';

/** The answers of a neighbour the admin API passes on as they are. */
export type ForwardedStatus = 200 | 400 | 404 | 409;
const PASSED: readonly number[] = [200, 400, 404, 409] satisfies ForwardedStatus[];

/** A neighbour's answer passed on: its status and body. */
export interface Forwarded<T> {
  status: ForwardedStatus;
  body: T;
}

function passable(service: string, status: number): ForwardedStatus {
  if (PASSED.includes(status)) return status as ForwardedStatus;
  throw AppError.badGateway(service, `${service} answered ${status}`);
}

/**
 * Calls one of a service's internal endpoints with the service credential and passes its answer
 * on. A refusal of the gateway's own credential is the gateway's fault: 502, not the caller's 401.
 */
export async function callInternal<T>(client: ServiceClient, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<Forwarded<T>> {
  const answer = await client.call<T>({ method, path, ...(body === undefined ? {} : { body }) });
  if (answer.status === 401 || answer.status === 403) {
    throw AppError.badGateway(client.service, `${client.service} refused the gateway's service token (${answer.status}): check the service keys (SERVICE_KEY, SERVICE_PUBLIC_KEYS or SERVICE_KEYS_FILE)`);
  }
  return { status: passable(client.service, answer.status), body: answer.body };
}

/**
 * Calls an internal endpoint on the instances of a service: a read asks the first (or the one
 * named), a change goes to every instance at once (or the one named), since each instance keeps
 * its own faults and switches. The answer is the first instance's that answered; when none did,
 * the first one's failure.
 */
export async function callInstances<T>(target: InternalTarget, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown, instanceId?: string): Promise<Forwarded<T>> {
  const listed = await target.known();
  const chosen = instanceId === undefined ? listed : listed.filter((instance) => instance.id === instanceId);
  if (instanceId !== undefined && chosen.length === 0) throw AppError.notFound(`instance of ${target.service}`, instanceId, 'instance');
  const [first] = chosen;
  if (!first) throw AppError.unavailable(target.service, `No instance of ${target.service} is known: is it running and registered?`);
  if (method === 'GET') return callInternal<T>(target.of(first), method, path);
  const settled = await Promise.allSettled(chosen.map((instance) => callInternal<T>(target.of(instance), method, path, body)));
  const answered = settled.find((result) => result.status === 'fulfilled');
  if (answered) return answered.value;
  throw (settled[0] as PromiseRejectedResult).reason;
}

function noSupervisor(cause?: unknown): AppError {
  return new AppError({
    status: 503,
    code: 'no-supervisor',
    title: 'Process control unavailable',
    detail: 'No supervisor answers: kill, pause, resume, restart, scaling and rollouts need the system started by `npm start` (its control endpoint on 127.0.0.1:5099)',
    service: 'supervisor',
    cause,
  });
}

/** Sends one request to the supervisor; no supervisor, or none answering, is a 503; a refused credential a 502. */
async function askSupervisor<T>(client: ServiceClient | undefined, method: 'POST' | 'PUT', path: string, body: unknown): Promise<{ status: number; body: T }> {
  if (!client) throw noSupervisor();
  let answer;
  try {
    answer = await client.call<T>({ method, path, body });
  } catch (error) {
    throw noSupervisor(error);
  }
  if (answer.status === 401 || answer.status === 403) {
    throw AppError.badGateway('supervisor', `The supervisor refused the gateway's admin credential (${answer.status}): ADMIN_TOKEN differs`);
  }
  return answer;
}

/** Asks the supervisor to kill, pause, resume or restart one instance of a service (replica 1 unless `instance` names another). */
export async function controlProcess(clients: AdminClients, service: BackendName, { instance, ...request }: ControlProcess): Promise<Forwarded<ProcessControlResult>> {
  if (instance !== undefined && !new RegExp(`^${service}-[0-9]+$`).test(instance)) {
    throw AppError.invalid('instance', `must be an instance of ${service}, such as ${service}-2`);
  }
  const answer = await askSupervisor<Partial<SupervisedInstance>>(clients.supervisor, 'POST', `/processes/${instance ?? service}`, request);
  if (answer.status >= 400) return { status: passable('supervisor', answer.status), body: answer.body as unknown as ProcessControlResult };
  const { pid = null, state = 'stopped', until, instance_id } = answer.body;
  return {
    status: 200,
    body: { service, ...(instance_id === undefined ? {} : { instance: instance_id }), action: request.action, pid, state, ...(until === undefined ? {} : { until }) },
  };
}

/** Asks the supervisor to run `replicas` instances of a service; its answer (or refusal) is passed on. */
export async function setReplicas(clients: AdminClients, service: BackendName, request: SetReplicas): Promise<Forwarded<ServiceReplicas>> {
  const answer = await askSupervisor<ServiceReplicas>(clients.scaler, 'PUT', `/services/${service}/replicas`, request);
  return { status: passable('supervisor', answer.status), body: answer.body };
}

/**
 * Asks the supervisor to replace every instance of a service by a fresh process, one at a time, and
 * answers once it is done. Its refusals are passed on (404, 409), and so is its 503 when a new
 * instance never became healthy (the rollout stopped there, the problem says where).
 */
export async function rolloutService(clients: AdminClients, service: BackendName): Promise<{ status: ForwardedStatus | 503; body: ServiceRollout }> {
  if (!clients.deployer) throw noSupervisor();
  let answer;
  try {
    answer = await clients.deployer.post<ServiceRollout>(`/services/${service}/rollout`, {});
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'HeadersTimeoutError' || error.name === 'BodyTimeoutError')) {
      throw new AppError({
        status: 504,
        code: 'rollout-timeout',
        title: 'Rollout still running',
        detail: `The supervisor did not finish the rollout of ${service} within ${ROLLOUT_TIMEOUT_MS / 1000} s; it goes on by itself: watch GET /api/admin/services`,
        service: 'supervisor',
        cause: error,
      });
    }
    throw noSupervisor(error);
  }
  if (answer.status === 401 || answer.status === 403) {
    throw AppError.badGateway('supervisor', `The supervisor refused the gateway's admin credential (${answer.status}): ADMIN_TOKEN differs`);
  }
  return { status: answer.status === 503 ? 503 : passable('supervisor', answer.status), body: answer.body };
}

/** A supervisor's list entry as an instance; an older supervisor lists one process per service (`name`). */
function asInstance(entry: Partial<SupervisedInstance> & { name?: string }): SupervisedInstance | undefined {
  const service = entry.service ?? entry.name;
  if (typeof service !== 'string' || typeof entry.port !== 'number' || entry.state === undefined) return undefined;
  return {
    service,
    instance_id: entry.instance_id ?? `${service}-1`,
    replica: entry.replica ?? 1,
    pid: entry.pid ?? null,
    port: entry.port,
    state: entry.state,
    ...(entry.until === undefined ? {} : { until: entry.until }),
  };
}

async function instancesOf(supervisor: ServiceClient | undefined): Promise<SupervisedInstance[] | undefined> {
  if (!supervisor) return undefined;
  try {
    const answer = await supervisor.call<unknown>({ path: '/processes' });
    if (answer.status !== 200 || !Array.isArray(answer.body)) return undefined;
    return (answer.body as Parameters<typeof asInstance>[0][]).flatMap((entry) => asInstance(entry) ?? []);
  } catch {
    return undefined;
  }
}

/** Replica 1 in the older one-process shape (`process` of each service); a draining one is still running. */
function firstProcess(instances: readonly SupervisedInstance[]): SupervisedProcess | null {
  const first = instances.find((i) => i.replica === 1) ?? instances[0];
  if (!first) return null;
  return { name: first.service, pid: first.pid, port: first.port, state: first.state === 'draining' ? 'running' : first.state, ...(first.until === undefined ? {} : { until: first.until }) };
}

/** Every service's active faults (its first instance's) and instances, asked of all at once; what does not answer is null. */
export async function listAdminServices(clients: AdminClients): Promise<AdminServices> {
  const [instances, ...chaos] = await Promise.all([
    instancesOf(clients.supervisor),
    ...BACKENDS.map(async (service) => {
      try {
        const answer = await callInstances<ChaosState>(clients.internal[service], 'GET', '/internal/chaos');
        return answer.status === 200 ? answer.body : null;
      } catch {
        return null;
      }
    }),
  ]);
  return {
    supervisor: instances !== undefined,
    services: BACKENDS.map((service, index) => {
      const own = (instances ?? []).filter((i) => i.service === service).sort((a, b) => a.replica - b.replica);
      return { service, chaos: chaos[index] ?? null, process: firstProcess(own), instances: own };
    }),
  };
}
