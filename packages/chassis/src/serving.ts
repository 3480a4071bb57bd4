import type { App } from './server.js';

const pending = new WeakMap<App, (() => Promise<void> | void)[]>();
const serving = new WeakSet<App>();

/**
 * Runs `work` once the app serves: the background work of a service (outbox relay, event consumer,
 * saga worker, sweepers), which a test that only `inject`s into the app does not want. An app serves
 * from the moment it listens, or, for a module mounted in a modular monolith that is called
 * in-process without a port of its own, from `startServing(app)`. Each work starts once.
 *
 * @example
 * whenServing(app, () => relay.start())
 */
export function whenServing(app: App, work: () => Promise<void> | void): void {
  // Registered after the app started serving: it starts now.
  if (serving.has(app)) {
    void Promise.resolve()
      .then(work)
      .catch((error: unknown) => app.log.error({ err: error }, 'background work failed to start'));
    return;
  }
  let list = pending.get(app);
  if (!list) {
    list = [];
    pending.set(app, list);
    app.addHook('onListen', async () => startServing(app));
  }
  list.push(work);
}

/**
 * Starts the work registered with {@link whenServing}, if not started yet: for an app that serves
 * without listening (a module of a modular monolith, called in-process).
 */
export async function startServing(app: App): Promise<void> {
  if (serving.has(app)) return;
  serving.add(app);
  for (const work of pending.get(app) ?? []) await work();
}
