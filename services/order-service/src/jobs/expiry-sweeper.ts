import { whenServing, type App } from '@microshop/chassis';
import type { OrderDeps } from '../domain/deps.js';
import { expireOrders } from '../domain/expire-orders.js';

/**
 * Runs `expireOrders` every `intervalMs` while the app listens: started when it listens, stopped
 * (the sweep under way finishing first) as it starts closing. A sweep starts only after the previous one
 * ended, so a slow database never piles sweeps up; one that fails is logged and the next tries again.
 */
export function registerExpirySweeper(app: App, deps: Pick<OrderDeps, 'orders' | 'now'>, { intervalMs }: { intervalMs: number }): void {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const sweep = async () => {
    try {
      const expired = await expireOrders(deps);
      if (expired > 0) app.log.info({ expired }, `${expired} unpaid order(s) expired: cancelled, their stock to be released`);
    } catch (error) {
      app.log.warn({ err: error }, 'expiry sweep failed: the next one tries again');
    }
  };
  const next = () => {
    if (!running) return;
    timer = setTimeout(() => {
      sweeping = sweep().finally(() => {
        sweeping = undefined;
        next();
      });
    }, intervalMs);
  };

  whenServing(app, () => {
    running = true;
    next();
  });
  // preClose, not onClose: onClose hooks run last-added first, so the database (closed by an
  // onClose added when the app listens) would go before the sweep that uses it.
  app.addHook('preClose', async () => {
    running = false;
    clearTimeout(timer);
    await sweeping;
  });
}
