import { createDiscovery, identityFrom, inModule, inProcessDiscovery, serveInModule, startServing, type App } from '@microshop/chassis';
import { loadConfig as gatewayConfig, openGateway } from '@microshop/gateway';
import { loadConfig as orderConfig, openOrderService } from '@microshop/order-service';
import { loadConfig as paymentConfig, openPaymentService } from '@microshop/payment-service';
import { loadConfig as productConfig, openProductService } from '@microshop/product-service';
import { loadConfig as userConfig, openUserService } from '@microshop/user-service';
import { MODULES, moduleEnvironment, portOf, type ModuleName, type MonolithConfig } from './config.js';

/** One port the monolith listens on, and the module behind it. */
export interface Door {
  module: ModuleName;
  port: number;
}

/** The whole system as one process: every module mounted, none listening until `listen`. */
export interface Monolith {
  /** Each module's app, by name. */
  modules: ReadonlyMap<ModuleName, App>;
  /** Where each module keeps its data, by name (the gateway has none). */
  databases: Readonly<Partial<Record<ModuleName, string>>>;
  /** Opens the doors: the gateway's port, and each module's spec port unless `MODULE_PORTS=none`. */
  listen(): Promise<Door[]>;
  /** Stops the gateway first, then each module in the reverse order of opening: in-flight requests finish, relays stop, databases close. */
  close(): Promise<void>;
}

/**
 * Opens every module of the system in this one process: the same `open…` functions the services'
 * own `main.ts` call, with the same code, the same configuration variables and a database each. The
 * only difference is discovery: a module's neighbours are the other modules, reached in-process
 * (`inProcessDiscovery`: no socket, no HTTP parsing), and events go through the same outboxes and
 * relays, delivered in-process too. Only the payment provider, an outside party in every topology,
 * is called over HTTP. Each module is opened inside its own scope, so its metrics and spans stay
 * its own (see `inModule`).
 *
 * @example
 * const monolith = await openMonolith(loadConfig(), process.env)
 * await monolith.listen() // [{ module: 'gateway', port: 5000 }, { module: 'user-service', port: 5001 }, …]
 */
export async function openMonolith(config: MonolithConfig, inherited: NodeJS.ProcessEnv): Promise<Monolith> {
  // Five principals in one process, each signing with its own key: they come from a key set file
  // (SERVICE_KEYS_FILE, or the development one), never from one SERVICE_KEY.
  if (config.SERVICE_KEY !== undefined) throw new Error('SERVICE_KEY holds one principal\'s key, and the monolith runs five: give SERVICE_KEYS_FILE instead');
  const modules = new Map<ModuleName, App>();
  const databases: Partial<Record<ModuleName, string>> = {};
  // The provider is the one neighbour outside the process: its address from config, as anywhere.
  const outside = createDiscovery({ identity: identityFrom('payment-service', config), refreshMs: config.DISCOVERY_REFRESH_MS, targets: { 'payment-provider': config.PAYMENT_PROVIDER_URL } });
  const discovery = inProcessDiscovery(modules, { mounted: MODULES, fallback: outside });

  const open = async (module: ModuleName, env: Record<string, string>): Promise<{ app: App; database?: string }> => {
    switch (module) {
      case 'user-service':
        return openUserService(userConfig(env));
      case 'product-service':
        return openProductService(productConfig(env), { discovery });
      case 'order-service':
        return openOrderService(orderConfig(env), { discovery });
      case 'payment-service':
        return openPaymentService(paymentConfig(env), { discovery });
      case 'gateway':
        return openGateway(gatewayConfig(env), { discovery });
    }
  };

  try {
    for (const module of MODULES) {
      // Opened and made ready inside the module's scope: its timers (relay, saga worker, sweeper) keep it.
      const opened = await inModule(module, async () => {
        const result = await open(module, moduleEnvironment(module, config, inherited));
        await result.app.ready();
        // Its background work (relay, consumer, saga worker, sweeper) starts now, port or no port.
        await startServing(result.app);
        return result;
      });
      modules.set(module, opened.app);
      if (opened.database !== undefined) databases[module] = opened.database;
    }
  } catch (error) {
    await closeAll(modules);
    await outside.close();
    throw error;
  }

  return {
    modules,
    databases,
    async listen() {
      const doors: Door[] = [{ module: 'gateway', port: config.PORT }];
      if (config.MODULE_PORTS === 'spec') for (const module of MODULES) if (module !== 'gateway') doors.push({ module, port: portOf(module, config) });
      const open: Door[] = [];
      for (const door of doors) {
        const app = modules.get(door.module);
        if (!app) continue;
        // Requests through this door run as the module's own work: its server span, its metrics.
        serveInModule(app.server, door.module);
        try {
          // Inside the module's scope: what starts once it listens (the live overview's scraper) is its own work.
          await inModule(door.module, () => app.listen({ port: door.port, host: config.HOST }));
        } catch (error) {
          const code = (error as { code?: string }).code;
          throw new Error(code === 'EADDRINUSE' ? `port ${door.port} (the ${door.module} module's) is already in use` : `the ${door.module} module cannot listen on port ${door.port}: ${String(error)}`, { cause: error });
        }
        const address = app.server.address();
        open.push({ module: door.module, port: typeof address === 'object' && address ? address.port : door.port });
      }
      return open;
    },
    async close() {
      await closeAll(modules);
      await outside.close();
    },
  };
}

/** Closes the gateway first (no new public requests), then the others in the reverse order of opening. */
async function closeAll(modules: ReadonlyMap<ModuleName, App>): Promise<void> {
  for (const module of [...MODULES].reverse()) {
    const app = modules.get(module);
    if (app) await app.close();
  }
}
