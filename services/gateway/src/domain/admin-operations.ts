import { AppError, type ServiceClient } from '@microshop/chassis';
import { BACKENDS, type AdminServices, type BackendName, type ChaosState, type ControlProcess, type ProcessControlResult, type SupervisedProcess } from '@microshop/contracts';
import type { AdminClients } from '../clients/admin-clients.js';

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
export async function callInternal<T>(client: ServiceClient, method: 'GET' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Forwarded<T>> {
  const answer = await client.call<T>({ method, path, ...(body === undefined ? {} : { body }) });
  if (answer.status === 401 || answer.status === 403) {
    throw AppError.badGateway(client.service, `${client.service} refused the gateway's service credential (${answer.status}): check SERVICE_TOKEN`);
  }
  return { status: passable(client.service, answer.status), body: answer.body };
}

function noSupervisor(cause?: unknown): AppError {
  return new AppError({
    status: 503,
    code: 'no-supervisor',
    title: 'Process control unavailable',
    detail: 'No supervisor answers: kill, pause, resume and restart need the system started by `npm start` (its control endpoint on 127.0.0.1:5099)',
    service: 'supervisor',
    cause,
  });
}

/** Asks the supervisor to kill, pause, resume or restart one service's process. */
export async function controlProcess(clients: AdminClients, service: BackendName, request: ControlProcess): Promise<Forwarded<ProcessControlResult>> {
  if (!clients.supervisor) throw noSupervisor();
  let answer;
  try {
    answer = await clients.supervisor.call<SupervisedProcess>({ method: 'POST', path: `/processes/${service}`, body: request });
  } catch (error) {
    throw noSupervisor(error);
  }
  if (answer.status === 401 || answer.status === 403) {
    throw AppError.badGateway('supervisor', `The supervisor refused the gateway's admin credential (${answer.status}): ADMIN_TOKEN differs`);
  }
  if (answer.status >= 400) return { status: passable('supervisor', answer.status), body: answer.body as unknown as ProcessControlResult };
  const { pid, state, until } = answer.body;
  return { status: 200, body: { service, action: request.action, pid, state, ...(until === undefined ? {} : { until }) } };
}

async function processesOf(supervisor: ServiceClient | undefined): Promise<SupervisedProcess[] | undefined> {
  if (!supervisor) return undefined;
  try {
    const answer = await supervisor.call<SupervisedProcess[]>({ path: '/processes' });
    return answer.status === 200 ? answer.body : undefined;
  } catch {
    return undefined;
  }
}

/** Every service's active faults and process state, asked of all at once; what does not answer is null. */
export async function listAdminServices(clients: AdminClients): Promise<AdminServices> {
  const [processes, ...chaos] = await Promise.all([
    processesOf(clients.supervisor),
    ...BACKENDS.map(async (service) => {
      try {
        const answer = await clients.internal[service].call<ChaosState>({ path: '/internal/chaos' });
        return answer.status === 200 ? answer.body : null;
      } catch {
        return null;
      }
    }),
  ]);
  return {
    supervisor: processes !== undefined,
    services: BACKENDS.map((service, index) => ({
      service,
      chaos: chaos[index] ?? null,
      process: processes?.find((p) => p.name === service) ?? null,
    })),
  };
}
