import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, crashPoint, currentTraceId, declareTestPoints, fromCents, traced } from '@microshop/chassis';
import type { SagaStepName } from '@microshop/contracts';
import type { SagaChange, SagaLogEntry } from '../data/payment-repository.js';
import type { PaymentRow } from '../data/tables.js';
import type { PaymentDeps } from './deps.js';

/**
 * The payment saga, orchestrated by the Payment service with its state in the payment row, so a
 * process that dies mid-way leaves a saga another runner resumes where it stopped:
 *
 *   forward:       await_stock → charge → confirm → COMPLETED
 *   compensations: confirm gave up → cancel_order → refund → REFUNDED
 *                  order cancelled meanwhile → refund → REFUNDED
 *                  charge gave up (outcome unknown) → void → FAILED, or REFUNDED if it had landed
 *
 * Every call a step makes is idempotent, so running a step twice (a crash after the call, before
 * its outcome was written) changes nothing: the provider charges and refunds a reference once, and
 * the Order service answers "already PAID/CANCELLED" with success. The order's own state machine is
 * the arbiter between PAID and CANCELLED: the money is given back only once the order is CANCELLED
 * for good, never while it could still become PAID.
 */

/**
 * The places a test can kill the process (`MICROSHOP_TEST_HOOKS=1`): right after each outside effect
 * and before its outcome is written (the dangerous moments), and right after it is written.
 */
export const SAGA_CRASH_POINTS = [
  'saga.after_record',
  'saga.after_charge',
  'saga.after_charge_recorded',
  'saga.after_confirm',
  'saga.after_confirm_recorded',
  'saga.after_cancel_order',
  'saga.after_refund',
  'saga.after_void',
] as const;
declareTestPoints(...SAGA_CRASH_POINTS);

/** The provider's key for a payment's charge: one reference per payment, whatever the retries. */
export const chargeReference = (paymentId: number): string => `payment-${paymentId}`;

/** One attempt's result: what to write, and the line for the log. */
interface StepResult {
  change: SagaChange;
  log: SagaLogEntry;
}

/** Runs sagas: inline for a request, and in the background for those left waiting or orphaned. */
export interface SagaRunner {
  /** A fresh lease token: `<instance>/<boot>/<n>`; leases of an earlier boot of this instance are released at start. */
  newToken(): string;
  /** Runs a saga this runner leased (with `token`) until it is final, or waits past `until`, or its lease is lost; then lets the lease go. */
  run(row: PaymentRow, token: string, until: number): Promise<PaymentRow>;
  /**
   * Frees the leases an earlier process of this same instance held when it died: nobody runs those
   * sagas any more, so they are resumed now rather than once the leases expire.
   */
  releaseEarlierBoots(): Promise<number>;
  /**
   * Stops every run, background or behind a request, at its next step boundary (the process is
   * closing): a step in flight finishes and is written, no wait for a retry is sat out, and each
   * lease is released so that another runner resumes the saga at once. Resolves once all have.
   */
  stop(): Promise<void>;
}

export function createSagaRunner(deps: PaymentDeps, instance: string): SagaRunner {
  const boot = randomUUID().slice(0, 8);
  let counter = 0;
  const stopping = new AbortController();
  const runs = new Set<Promise<PaymentRow>>();
  const { payments, saga, now } = deps;
  const random = deps.random ?? Math.random;

  const entry = (step: SagaLogEntry['step'], outcome: SagaLogEntry['outcome'], attempt: number, detail: string): SagaLogEntry => ({
    step,
    outcome,
    attempt,
    detail,
    trace_id: currentTraceId() ?? null,
  });

  /** Full jitter on an exponential backoff: spreads the retries of many sagas failing together. */
  const backoff = (attempt: number) => {
    const ceiling = Math.min(saga.maxBackoffMs, saga.baseBackoffMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  };

  /** Try the same step again later; `give_up` moves to another step once the attempts run out. */
  const retry = (row: PaymentRow, error: unknown, giveUp?: { step: SagaStepName; reason: string }): StepResult => {
    const attempt = row.attempts + 1;
    const step = row.step as SagaStepName;
    const why = error instanceof Error ? error.message : String(error);
    if (giveUp && attempt >= saga.maxAttempts) {
      return {
        change: { step: giveUp.step, attempts: 0, next_attempt_at: now().getTime(), reason: giveUp.reason },
        log: entry(step, 'failed', attempt, `${why}; gave up after ${attempt} attempts: ${giveUp.reason}, next: ${giveUp.step}`),
      };
    }
    const wait = backoff(attempt);
    return { change: { attempts: attempt, next_attempt_at: now().getTime() + wait }, log: entry(step, 'retry', attempt, `${why}; again in ${wait} ms`) };
  };

  const final = (row: PaymentRow, status: 'COMPLETED' | 'FAILED' | 'REFUNDED', detail: string, reason?: string): StepResult => ({
    change: { status, step: null, attempts: 0, ...(reason === undefined ? {} : { reason }) },
    log: entry(row.step as SagaStepName, 'done', row.attempts + 1, detail),
  });

  const next = (row: PaymentRow, step: SagaStepName, detail: string, extra: SagaChange = {}): StepResult => ({
    change: { step, attempts: 0, next_attempt_at: now().getTime(), ...extra },
    log: entry(row.step as SagaStepName, 'done', row.attempts + 1, detail),
  });

  const amount = (row: PaymentRow) => fromCents(Number(row.amount_cents));
  const providerRequest = (row: PaymentRow) => ({ reference: chargeReference(row.id), order_id: row.order_id, amount: amount(row) });

  /** One attempt of the row's current step. Never throws for a neighbour's failure: that is a retry. */
  async function attempt(row: PaymentRow): Promise<StepResult> {
    switch (row.step) {
      case 'await_stock': {
        // OrderCancelled arrived: nothing was charged yet, and the order is final; no need to read it.
        if (row.order_cancelled) return final(row, 'FAILED', 'the order was cancelled (OrderCancelled) before any charge', 'order cancelled');
        let order;
        try {
          order = await deps.orders.find(row.order_id);
        } catch (error) {
          return retry(row, error);
        }
        if (!order) return final(row, 'FAILED', 'the order no longer exists', 'order not found');
        // Before CANCELLED: a rejected stock cancels the order too (out_of_stock), and is the reason.
        if (order.stock === 'REJECTED') return final(row, 'FAILED', 'the product is out of stock', 'out of stock');
        if (order.status === 'CANCELLED') return final(row, 'FAILED', `the order was cancelled (${order.cancel_reason ?? 'cancelled'}) before any charge`, `order cancelled (${order.cancel_reason ?? 'cancelled'})`);
        if (order.stock === 'AWAITING') return retry(row, new Error('stock not confirmed yet'));
        return next(row, 'charge', order.stock === 'RESERVED' ? 'stock reserved' : 'no stock to wait for');
      }
      case 'charge': {
        if (row.order_cancelled) {
          // Nothing here tells whether a charge was sent: a runner that died right after sending one left
          // no trace of it (attempts stay 0). So void the reference: that refunds a charge that landed,
          // and refuses one still on its way.
          const voided = next(row, 'void', 'the order was cancelled', { reason: 'order cancelled' });
          return { ...voided, log: entry('charge', 'skipped', row.attempts + 1, 'the order was cancelled: not charged, the reference is voided') };
        }
        let outcome;
        try {
          outcome = await deps.provider.charge(providerRequest(row));
        } catch (error) {
          return retry(row, error, { step: 'void', reason: 'the payment provider did not answer' });
        }
        crashPoint('saga.after_charge');
        if (outcome.outcome === 'succeeded') return next(row, 'confirm', `charged ${amount(row)} (${outcome.charge.id})`, { charge_id: outcome.charge.id });
        // The step ran, and its answer is a refusal: logged as failed, the payment ends FAILED.
        if (outcome.outcome === 'declined') return { ...final(row, 'FAILED', '', 'card declined'), log: entry('charge', 'failed', row.attempts + 1, `declined: ${outcome.detail}`) };
        return final(row, 'FAILED', `the charge was voided: ${outcome.detail}`, 'charge voided');
      }
      case 'confirm': {
        let answer;
        try {
          answer = await deps.orders.markPaid(row.order_id);
        } catch (error) {
          return retry(row, error, { step: 'cancel_order', reason: 'the order could not be set PAID' });
        }
        crashPoint('saga.after_confirm');
        if (answer === 'paid') return final(row, 'COMPLETED', 'the order is PAID');
        // Refused: find out why. Cancelled: give the money back. Anything else may pass: try again.
        let order;
        try {
          order = await deps.orders.find(row.order_id);
        } catch (error) {
          return retry(row, error, { step: 'cancel_order', reason: 'the order could not be set PAID' });
        }
        if (!order || order.status === 'CANCELLED') {
          const why = order ? `order cancelled (${order.cancel_reason ?? 'cancelled'})` : 'order not found';
          return next(row, 'refund', `the order refused PAID: ${why}`, { reason: why });
        }
        return retry(row, new Error(`the order refused PAID while ${order.status}${order.stock ? `, stock ${order.stock}` : ''}`), { step: 'cancel_order', reason: 'the order could not be set PAID' });
      }
      case 'cancel_order': {
        let answer;
        try {
          answer = await deps.orders.markCancelled(row.order_id);
        } catch (error) {
          // A compensation is never given up: the money stays taken until the order's fate is known.
          return retry(row, error);
        }
        crashPoint('saga.after_cancel_order');
        if (answer === 'paid') return final(row, 'COMPLETED', 'the order turned out PAID: nothing to compensate');
        return next(row, 'refund', 'the order is CANCELLED');
      }
      case 'refund':
      case 'void': {
        let charge;
        try {
          charge = await deps.provider.refund(providerRequest(row));
        } catch (error) {
          return retry(row, error);
        }
        crashPoint(row.step === 'refund' ? 'saga.after_refund' : 'saga.after_void');
        const reason = row.reason ?? 'compensated';
        if (charge.status === 'REFUNDED') return final(row, 'REFUNDED', `refunded ${charge.amount} (${charge.id})`, reason);
        return final(row, 'FAILED', `nothing was charged; the reference is ${charge.status}`, reason);
      }
      default:
        throw new AppError({ status: 500, code: 'saga-state', title: 'Saga in an unknown state', detail: `payment ${row.id} is PENDING at step ${String(row.step)}` });
    }
  }

  async function runUntil(row: PaymentRow, token: string, until: number): Promise<PaymentRow> {
    let current = row;
    while (current.status === 'PENDING' && current.step && !stopping.signal.aborted) {
      const due = Number(current.next_attempt_at);
      const at = now().getTime();
      if (due > at) {
        if (due > until) break;
        const slept = await sleep(due - at, true, { signal: stopping.signal }).catch(() => false);
        if (!slept) break;
      }
      const step = current.step;
      const result = await traced(`saga.${step}`, () => attempt(current), { 'payment.id': current.id, 'order.id': current.order_id, 'saga.attempt': current.attempts + 1 });
      const written = await payments.advance(current.id, token, result.change, result.log, now().getTime(), saga.leaseMs);
      if (!written) return (await payments.findById(current.id)) ?? current; // lease lost: another runner has it
      if (step === 'charge' || step === 'confirm') crashPoint(`saga.after_${step}_recorded`);
      current = written;
      if (now().getTime() >= until) break;
    }
    if (current.status === 'PENDING') await payments.release(current.id, token);
    return current;
  }

  return {
    newToken: () => `${instance}/${boot}/${++counter}`,
    releaseEarlierBoots: () => payments.releaseEarlierBoots(`${instance}/`, `${instance}/${boot}/`),
    run(row, token, until) {
      const run = runUntil(row, token, until);
      runs.add(run);
      void run.catch(() => undefined).finally(() => runs.delete(run));
      return run;
    },
    async stop() {
      stopping.abort();
      await Promise.allSettled([...runs]);
    },
  };
}

/** The background half: finds sagas that are due (waiting for a retry, or left by a runner that died) and runs them. */
export interface SagaWorker {
  start(): void;
  stop(): Promise<void>;
  /** One pass; resolves with how many sagas it started (they run on in the background). */
  pass(): Promise<number>;
}

export function createSagaWorker(deps: PaymentDeps, runner: SagaRunner, { pollMs = 250, concurrency = 8 }: { pollMs?: number; concurrency?: number } = {}): SagaWorker {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<number> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  /** Leases the due sagas it has room for and starts them; does not wait for them (a long saga must not hold back the next due one). */
  const pass = async (): Promise<number> => {
    const room = concurrency - inFlight.size;
    if (room <= 0) return 0;
    const ids = await deps.payments.due(deps.now().getTime(), room);
    let ran = 0;
    for (const id of ids) {
      const token = runner.newToken();
      const row = await deps.payments.lease(id, token, deps.now().getTime(), deps.saga.leaseMs);
      if (!row) continue; // another runner took it first
      ran++;
      const run = traced('saga.resume', () => runner.run(row, token, deps.now().getTime() + deps.saga.leaseMs), { 'payment.id': id, 'saga.step': row.step ?? '' });
      inFlight.add(run);
      void run.catch(() => undefined).finally(() => inFlight.delete(run));
    }
    return ran;
  };

  const loop = async () => {
    if (!running) return;
    try {
      current = pass();
      await current;
    } catch {
      // The database is busy or gone for a moment: the next pass tries again.
    } finally {
      current = undefined;
    }
    if (running) timer = setTimeout(() => void loop(), pollMs);
  };

  return {
    pass,
    start() {
      if (running) return;
      running = true;
      void runner
        .releaseEarlierBoots()
        .catch(() => 0)
        .then(() => loop());
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await current?.catch(() => undefined);
      await Promise.allSettled([...inFlight]);
    },
  };
}
