import { AppError } from '@microshop/chassis';
import { OUTBOX_SERVICES, type AdminEvents, type OutboxService, type OutboxState, type RetriedEvent } from '@microshop/contracts';
import type { AdminClients, InternalTarget } from '../clients/admin-clients.js';
import { callInternal, type Forwarded } from './admin-operations.js';

const OUTBOX_PATH = '/internal/events/outbox';

/**
 * Calls a service's outbox endpoint on the first of its instances that answers: the replicas share
 * the service's database, so any one of them speaks for the service, and one instance down must
 * not hide the outbox. When none answers, the first one's failure.
 */
export async function callAnyInstance<T>(target: InternalTarget, method: 'GET' | 'POST', path: string): Promise<Forwarded<T>> {
  const listed = await target.known();
  if (listed.length === 0) throw AppError.unavailable(target.service, `No instance of ${target.service} is known: is it running and registered?`);
  let firstFailure: unknown;
  for (const instance of listed) {
    try {
      return await callInternal<T>(target.of(instance), method, path);
    } catch (error) {
      firstFailure ??= error;
    }
  }
  throw firstFailure;
}

const why = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** One service's outbox, or null with the reason: one service down must not fail the whole list. */
async function outboxOf(target: InternalTarget): Promise<AdminEvents['services'][number]> {
  const service = target.service as OutboxService;
  try {
    const answer = await callAnyInstance<OutboxState>(target, 'GET', OUTBOX_PATH);
    if (answer.status === 200) return { service, outbox: answer.body };
    return { service, outbox: null, detail: `${service} answered ${answer.status}` };
  } catch (error) {
    return { service, outbox: null, detail: why(error) };
  }
}

/** The outbox of every service that keeps one (Order, Payment), asked of all at once. */
export async function listOutboxes(clients: AdminClients): Promise<AdminEvents> {
  return { services: await Promise.all(OUTBOX_SERVICES.map((service) => outboxOf(clients.internal[service]))) };
}

/** Asks a service to send one of its dead letters again; its answer (200, or its 404/400 problem) is passed on. */
export function retryDeadLetter(clients: AdminClients, service: OutboxService, eventId: string): Promise<Forwarded<RetriedEvent>> {
  return callAnyInstance<RetriedEvent>(clients.internal[service], 'POST', `${OUTBOX_PATH}/${encodeURIComponent(eventId)}/retry`);
}
