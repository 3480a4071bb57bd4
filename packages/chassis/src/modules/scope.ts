import { AsyncLocalStorage } from 'node:async_hooks';
import type { Server } from 'node:http';

/**
 * Which service module the current work belongs to, when several share one process (the modular
 * monolith). A request handled by a module, and every timer, promise and callback started from it,
 * carries the module's name; in a process that runs one service nothing ever sets it.
 */
const moduleScope = new AsyncLocalStorage<string>();

/** The module the current work belongs to; `undefined` in a process that runs one service. */
export function currentModule(): string | undefined {
  return moduleScope.getStore();
}

/**
 * Runs `work` as part of module `name`: its metrics go to the module's own registry and its spans
 * carry the module's name, as if it ran in a process of its own.
 *
 * @example
 * const order = await inModule('order-service', () => openOrderService(config, { discovery }))
 */
export function inModule<T>(name: string, work: () => T): T {
  return moduleScope.run(name, work);
}

/**
 * Makes every request `server` receives part of module `name`, from its first instruction: the
 * server span OpenTelemetry opens for it, its metrics and everything it calls. For a module's own
 * listening socket in a modular monolith (calls between modules never use one).
 *
 * @example
 * serveInModule(app.server, 'gateway'); await app.listen({ port: 5000 })
 */
export function serveInModule(server: Server, name: string): void {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]) =>
    event === 'request' ? inModule(name, () => emit(event, ...args)) : emit(event, ...args)) as Server['emit'];
}
