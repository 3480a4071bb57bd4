import { setTimeout as delay } from 'node:timers/promises';
import { createServer, developmentIdentity, registerHealth, type App, type Database, type ServiceIdentity } from '@microshop/chassis';
import type { ProviderBehaviour } from '@microshop/contracts';
import { createChargeRepository } from './data/charge-repository.js';
import type { ProviderTables } from './data/tables.js';
import { createBehaviourSetting } from './domain/behaviour.js';
import type { ProviderDeps } from './domain/deps.js';
import { registerProviderRoutes } from './routes/provider-routes.js';

export interface ProviderAppOptions {
  database: Database<ProviderTables>;
  logLevel?: string | false;
  bodyLimit?: number;
  /** The provider's identity: its `/v1` routes take the Payment service's tokens (charges) and the gateway's (ledger, behaviour); unset: the development one. */
  identity?: ServiceIdentity;
  /** The behaviour at start (`PROVIDER_*`); unset: every charge succeeds at once. */
  behaviour?: ProviderBehaviour;
  now?: () => Date;
  random?: ProviderDeps['random'];
  sleep?: ProviderDeps['sleep'];
}

/** Builds the payment provider's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, logLevel, bodyLimit, identity = developmentIdentity('payment-provider'), behaviour, now = () => new Date(), random = Math.random, sleep = (ms) => delay(ms) }: ProviderAppOptions): Promise<App> {
  const app = await createServer({
    name: 'payment-provider',
    description: 'A simulated card processor (standing for Stripe or Adyen) with its own ledger of charges and refunds. Database: provider.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity,
  });
  registerHealth(app, { service: 'payment-provider', checks: { database: database.ping } });
  registerProviderRoutes(
    app,
    { charges: createChargeRepository(database.db), behaviour: createBehaviourSetting(behaviour), now, random, sleep },
    identity,
  );
  return app;
}
