import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import type { Order, Payment, Product, User } from '@microshop/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { CRASHABLE_ENV, FAST_RESTART, sagaKit, type SagaKit } from './support/saga-kit.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

const NATS_URL = 'nats://127.0.0.1:4222';

/** The same battery on the embedded HTTP transport and on NATS JetStream (the machine's nats-server). */
const TRANSPORTS: [string, () => Record<string, string>][] = [
  ['HTTP', () => ({})],
  [
    'NATS JetStream',
    () => {
      const suffix = randomBytes(4).toString('hex');
      return { BROKER_URL: NATS_URL, BROKER_STREAM: `E2E_SAGA_${suffix}`, BROKER_SUBJECT_PREFIX: `e2e.saga.${suffix}` };
    },
  ],
];

/** Convergence bound of battery row B1: every saga final and the books balanced within 10 s of the restart. */
const CONVERGE_MS = 10_000;

/**
 * Reliability battery rows B1–B4 (docs/consistency.md, ../shared/design/reliability.md) on the real
 * processes under the supervisor code: the Payment or Order process is SIGKILLed at each named step
 * of the payment saga (crash points armed over the test hooks), at random moments under load,
 * paused with SIGSTOP, or made to refuse PAID for good, and every run ends with the consistency
 * checker finding 0 violations: each order PAID with one payment and its total at the provider, or
 * not PAID with 0 held, and the stock books balanced.
 */
describe.each(TRANSPORTS)('The payment saga under crashes, events over %s', (transport, transportEnv) => {
  let system: SupervisedSystem;
  let kit: SagaKit;
  let user: User;
  let product: Product;
  const figures: string[] = [];

  beforeAll(async () => {
    system = await startSupervisedSystem({ env: { ...CRASHABLE_ENV, ...transportEnv() }, backoff: FAST_RESTART });
    kit = sagaKit(system);
    user = await kit.user();
    product = await kit.product(12.5, 10_000);
  }, 90_000);
  beforeEach(async () => {
    await kit.calm();
  }, 20_000);
  afterAll(async () => {
    console.log(`Saga battery on ${transport}:\n  ${figures.join('\n  ')}`);
    await system?.stop();
  });

  /** The order's payments: exactly one COMPLETED and the total held at the provider, the order PAID. */
  async function expectPaidOnce(order: Order): Promise<Payment> {
    const payments = await kit.paymentsOf(order.id);
    const completed = payments.filter((p) => p.status === 'COMPLETED');
    expect(completed).toHaveLength(1);
    expect((await kit.orderOf(order.id)).status).toBe('PAID');
    const ledger = await kit.ledger([order.id]);
    expect(ledger.net).toBe(order.total);
    expect(ledger.charges.filter((c) => c.status === 'SUCCEEDED')).toHaveLength(1);
    return completed[0] as Payment;
  }

  async function expectConsistent(label: string): Promise<number> {
    const { report, ms, settled } = await kit.converge(CONVERGE_MS);
    expect(report.violations).toEqual([]);
    expect(settled).toBe(true);
    expect(report.in_flight).toEqual([]);
    expect(report.unavailable).toEqual([]);
    expect(report.ok).toBe(true);
    figures.push(`${label}: consistent ${ms} ms after the last restart (${report.orders_checked} orders, ${report.charges_checked} charges, 0 violations)`);
    return ms;
  }

  /** Kills Payment at a forward step of the saga and checks the payment completes once after the restart. */
  test.each(['saga.after_record', 'saga.after_charge', 'saga.after_charge_recorded', 'saga.after_confirm', 'saga.after_confirm_recorded'])(
    'B1: When Payment is SIGKILLed at %s, then after the restart the saga resumes: one payment COMPLETED, one charge, the order PAID, within 10 s',
    async (point) => {
      const order = await kit.order(user, product, 2);
      const pid = kit.pidOf('payment-service');
      await kit.arm('payment-service', point);
      const answer = await kit.pay(order.id);
      // The process died before answering: the gateway says so (502/503), or the socket was reset.
      expect([0, 502, 503, 504]).toContain(answer.status);
      const restartedAt = Date.now();
      await kit.restarted('payment-service', pid);
      const [payment] = await kit.paymentsOf(order.id);
      expect(payment).toBeDefined();
      expect((await kit.settled((payment as Payment).id, CONVERGE_MS)).status).toBe('COMPLETED');
      const took = Date.now() - restartedAt;
      await expectPaidOnce(order);
      const saga = await kit.sagaOf((payment as Payment).id);
      figures.push(`B1 ${point}: COMPLETED ${took} ms after the kill; saga: ${saga.entries.map((e) => `${e.step}:${e.outcome}`).join(' ')}`);
      expect(took).toBeLessThan(CONVERGE_MS);
      await expectConsistent(`B1 ${point}`);
    },
  );

  test('B1: When Payment is SIGKILLed at saga.after_refund (the order was cancelled while the provider was charging), then the refund is made once and the payment is REFUNDED', async () => {
    await kit.provider({ latency_ms: 600 });
    try {
      const order = await kit.order(user, product, 1);
      await kit.arm('payment-service', 'saga.after_refund');
      const pid = kit.pidOf('payment-service');
      const paying = kit.pay(order.id);
      await sleep(200);
      const cancelled = await fetch(`${system.url}/api/orders/${order.id}/cancel`, { method: 'POST' });
      expect(cancelled.status).toBe(200);
      await paying;
      await kit.restarted('payment-service', pid);
      const [payment] = await kit.paymentsOf(order.id);
      const final = await kit.settled((payment as Payment).id);
      expect(final).toMatchObject({ status: 'REFUNDED', reason: expect.stringContaining('cancelled') });
      const ledger = await kit.ledger([order.id]);
      expect(ledger.charges.map((c) => c.status)).toEqual(['REFUNDED']);
      expect(ledger.net).toBe(0);
      expect((await kit.orderOf(order.id)).status).toBe('CANCELLED');
    } finally {
      await kit.provider({ latency_ms: 0 });
    }
    await expectConsistent('B1 saga.after_refund');
  });

  test('B1: When Payment is SIGKILLed at random moments while 40 orders are being paid by clients that retry with an Idempotency-Key, then every order ends PAID with one payment or unpaid with nothing held', async () => {
    const orders: Order[] = [];
    for (let i = 0; i < 40; i++) orders.push(await kit.order(user, product, 1 + (i % 3)));
    // A slower provider keeps payments in flight all along, so each kill lands in the middle of some.
    await kit.provider({ latency_ms: 150 });
    let next = 0;
    const firstAnswers: number[] = [];
    let retries = 0;
    let kills = 0;
    try {
      const payers = Array.from({ length: 4 }, async () => {
        while (next < orders.length) {
          const order = orders[next++] as Order;
          // A client as a shop's front end is: the same key until it gets an answer that is not a failure of ours.
          for (let attempt = 1; ; attempt++) {
            const { status } = await kit.pay(order.id, `random-kill-${order.id}`);
            if (attempt === 1) firstAnswers.push(status);
            if ([201, 202, 402, 409].includes(status) || attempt > 100) break;
            retries++;
            await sleep(100);
          }
        }
      });
      const killer = (async () => {
        for (let k = 0; k < 3; k++) {
          await sleep(150 + Math.random() * 350);
          const pid = kit.pidOf('payment-service');
          if (pid === undefined) continue;
          process.kill(pid, 'SIGKILL');
          kills++;
          await kit.restarted('payment-service', pid);
        }
      })();
      await Promise.all([...payers, killer]);
    } finally {
      await kit.provider({ latency_ms: 0 });
    }
    expect(kills).toBe(3);
    // Some requests were cut by the kills: the test did kill mid-payment.
    expect(retries).toBeGreaterThan(0);
    const settledMs = await expectConsistent('B1 random kills');
    const finals: string[] = [];
    for (const order of orders) {
      const payments = await kit.paymentsOf(order.id);
      finals.push(...payments.map((p) => p.status));
      if ((await kit.orderOf(order.id)).status === 'PAID') {
        await expectPaidOnce(order);
      } else {
        // A payment the kills made fail (e.g. its charge given up and voided) took nothing.
        expect(payments.filter((p) => p.status === 'COMPLETED')).toHaveLength(0);
        expect((await kit.ledger([order.id])).net).toBe(0);
      }
    }
    const paid = finals.filter((status) => status === 'COMPLETED').length;
    // Most of them are paid: the kills cut requests, they do not make payments fail wholesale.
    expect(paid).toBeGreaterThanOrEqual(36);
    figures.push(`B1 random: ${kills} kills during 40 payments; first answers ${JSON.stringify(countBy(firstAnswers))}, ${retries} client retries; payments ${JSON.stringify(countBy(finals))}; ${paid} orders PAID once, the others hold 0; consistent ${settledMs} ms after`);
  });

  test('B2: When Order is SIGKILLed right after writing PAID, before answering, then the saga retries the update, which is idempotent: one transition, one OrderPaid, one payment COMPLETED', async () => {
    const order = await kit.order(user, product, 1);
    const pid = kit.pidOf('order-service');
    await kit.arm('order-service', 'order.status.after_write');
    const answer = await kit.pay(order.id);
    await kit.restarted('order-service', pid);
    const [payment] = await kit.paymentsOf(order.id);
    expect((await kit.settled((payment as Payment).id)).status).toBe('COMPLETED');
    await expectPaidOnce(order);
    const db = new Database(path.join(system.databaseDir, 'orders.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT type FROM outbox WHERE subject = ? AND type = 'OrderPaid'").all(`order/${order.id}`);
      expect(rows).toHaveLength(1);
    } finally {
      db.close();
    }
    const saga = await kit.sagaOf((payment as Payment).id);
    expect(saga.entries.filter((e) => e.step === 'confirm').map((e) => e.outcome)).toContain('retry');
    figures.push(`B2: first answer ${answer.status}; saga: ${saga.entries.map((e) => `${e.step}:${e.outcome}`).join(' ')}`);
    await expectConsistent('B2');
  });

  test('B3: When Order is paused (SIGSTOP) for 5 s while payments are between charge and confirm, then they time out, retry, and after SIGCONT each order is PAID once: no duplicate', async () => {
    await kit.provider({ latency_ms: 400 });
    const orders: Order[] = [];
    try {
      for (let i = 0; i < 5; i++) orders.push(await kit.order(user, product, 1));
      const paying = orders.map((o) => kit.pay(o.id));
      await sleep(150);
      expect(system.supervisor.control('order-service-1', 'pause', 5).state).toBe('paused');
      const answers = await Promise.all(paying);
      figures.push(`B3: answers while Order was paused ${JSON.stringify(countBy(answers.map((a) => a.status)))}`);
    } finally {
      await kit.provider({ latency_ms: 0 });
    }
    await expect.poll(() => system.instances().find((i) => i.instance_id === 'order-service-1')?.state, { timeout: 10_000, interval: 100 }).toBe('running');
    for (const order of orders) {
      const [payment] = await kit.paymentsOf(order.id);
      expect((await kit.settled((payment as Payment).id, CONVERGE_MS)).status).toBe('COMPLETED');
      await expectPaidOnce(order);
    }
    await expectConsistent('B3');
  });

  test('B4: When the Order service refuses PAID for good, then the saga cancels the order and refunds once, retrying the refund until the provider takes it', async () => {
    const order = await kit.order(user, product, 3);
    await kit.fault('order-service', 'order.status.paid');
    let paymentId: number | undefined;
    try {
      const answer = await kit.pay(order.id);
      // The budget may end first (202) or the compensation may be done already (409).
      expect([202, 409]).toContain(answer.status);
      paymentId = (await kit.paymentsOf(order.id))[0]?.id;
      expect(paymentId).toBeDefined();
    } finally {
      await kit.clearFaults('order-service');
    }
    const final = await kit.settled(paymentId as number);
    expect(final).toMatchObject({ status: 'REFUNDED', reason: 'the order could not be set PAID' });
    expect(await kit.orderOf(order.id)).toMatchObject({ status: 'CANCELLED', cancel_reason: 'payment_failed' });
    const ledger = await kit.ledger([order.id]);
    expect(ledger.charges.map((c) => c.status)).toEqual(['REFUNDED']);
    expect(ledger.net).toBe(0);
    const steps = (await kit.sagaOf(paymentId as number)).entries.map((e) => `${e.step}:${e.outcome}`);
    expect(steps).toEqual(expect.arrayContaining(['charge:done', 'confirm:failed', 'cancel_order:done', 'refund:done']));
    expect(steps.filter((s) => s === 'confirm:retry')).toHaveLength(3);
    figures.push(`B4: ${steps.join(' ')}`);
    await expectConsistent('B4');
  });

  test('B4: When the refund itself fails for a while, then the compensation is retried until done: still one refund', async () => {
    const order = await kit.order(user, product, 1);
    await kit.fault('order-service', 'order.status.paid');
    let paymentId: number | undefined;
    try {
      const paying = kit.pay(order.id);
      // Once the charge is in and the confirm is failing, the provider starts failing too.
      await expect.poll(async () => (await kit.paymentsOf(order.id))[0]?.step, { timeout: 5000, interval: 20 }).toBe('confirm');
      await kit.provider({ failure_rate: 1 });
      await paying;
      paymentId = (await kit.paymentsOf(order.id))[0]?.id as number;
      await expect.poll(async () => (await kit.sagaOf(paymentId as number)).entries.filter((e) => e.step === 'refund' && e.outcome === 'retry').length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
      expect((await kit.paymentsOf(order.id))[0]).toMatchObject({ status: 'PENDING', step: 'refund' });
    } finally {
      await kit.provider({ failure_rate: 0 });
      await kit.clearFaults('order-service');
    }
    expect((await kit.settled(paymentId)).status).toBe('REFUNDED');
    const ledger = await kit.ledger([order.id]);
    expect(ledger.charges.map((c) => c.status)).toEqual(['REFUNDED']);
    const retries = (await kit.sagaOf(paymentId)).entries.filter((e) => e.step === 'refund' && e.outcome === 'retry').length;
    figures.push(`B4 refund failing: ${retries} refund retries, then one refund`);
    await expectConsistent('B4 refund retried');
  });
});

function countBy(values: readonly (string | number)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
  return counts;
}
