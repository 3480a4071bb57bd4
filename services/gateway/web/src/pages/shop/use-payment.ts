import { useEffect, useRef, useState } from 'react';
import { recordActivity } from '../../api/activity';
import type { ApiResult } from '../../api/http';
import { getPayment, payOrder } from '../../api/shop';
import type { Payment } from '../../api/types';

/** How often a payment left running (202) is read again until its saga is final. */
export const PAYMENT_POLL_MS = 1000;

/** One Pay action: the answer of `POST /api/payments` and, after a 202, the payment as its saga goes on. */
export interface PaymentProgress {
  orderId: number;
  /** The answer to the Pay request itself (201, 202, 402, 409…). */
  answer: ApiResult<Payment>;
  /** The payment as last known: from the answer, then from each poll. */
  payment: Payment | undefined;
  /** The saga goes on in the background and the payment is polled. */
  processing: boolean;
  /** Why the last poll failed (the next one tries again). */
  pollError: string | undefined;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * The shop's Pay action. A 201 is final; a 202 means the saga goes on in the background, so the
 * payment is read every second until it is COMPLETED, FAILED or REFUNDED (its last read is recorded
 * in the activity list); 402 and 409 come back with their problem. `onChange` runs after the answer
 * and again once a polled payment is final, so the lists show the order's new status.
 *
 * @example
 * const payment = usePayment(refresh)
 * <button onClick={() => void payment.pay(order.id)}>Pay</button>
 */
export function usePayment(onChange: () => void): { progress: PaymentProgress | undefined; paying: number | undefined; pay(orderId: number): Promise<void> } {
  const [progress, setProgress] = useState<PaymentProgress>();
  /** The order whose Pay request is out (until it answers). */
  const [paying, setPaying] = useState<number>();
  const watch = useRef<AbortController | undefined>(undefined);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => () => watch.current?.abort(), []);

  const pay = async (orderId: number) => {
    watch.current?.abort();
    const controller = new AbortController();
    watch.current = controller;
    setPaying(orderId);
    const answer = recordActivity(`Pay order #${orderId}`, await payOrder(orderId));
    setPaying(undefined);
    let payment = answer.data;
    setProgress({ orderId, answer, payment, processing: answer.status === 202 && payment?.status === 'PENDING', pollError: undefined });
    changed.current();
    if (answer.status !== 202 || !payment) return;

    let last: ApiResult<Payment> | undefined;
    while (payment.status === 'PENDING') {
      await pause(PAYMENT_POLL_MS, controller.signal);
      if (controller.signal.aborted) return;
      try {
        last = await getPayment(payment.id, controller.signal);
      } catch {
        return; // aborted: the page went away, or another payment took over
      }
      if (last.ok && last.data) {
        payment = last.data;
        const current = payment;
        setProgress((previous) => previous && { ...previous, payment: current, pollError: undefined });
      } else {
        const why = last.problem?.detail ?? last.problem?.title ?? `status ${last.status}`;
        setProgress((previous) => previous && { ...previous, pollError: why });
      }
    }
    if (last) recordActivity(`Payment #${payment.id} of order #${orderId}: ${payment.status}`, last);
    setProgress((previous) => previous && { ...previous, processing: false });
    changed.current();
  };

  return { progress, paying, pay };
}
