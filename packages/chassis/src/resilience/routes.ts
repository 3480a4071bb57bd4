import { ResilienceState, SetResilienceSwitches } from '@microshop/contracts';
import type { App } from '../server.js';
import { OPERATORS, requireService, type ServiceIdentity } from '../identity/identity.js';
import { loadResilienceSettings, type Settings } from './config.js';
import { registerDeadline } from './deadline.js';
import { createResilience, type Resilience } from './resilience.js';

const resilienceByApp = new WeakMap<object, Resilience>();

/**
 * The resilience of `app` (registered by `createServer`): pass it to `createServiceClient` so the
 * calls it makes get the breakers, bulkheads, retries and timeouts its switches say.
 */
export function resilienceOf(app: object): Resilience | undefined {
  return resilienceByApp.get(app);
}

export interface RegisterResilienceOptions {
  service: string;
  /** This service's identity: `/internal/resilience` takes calls from the gateway (the admin API) only. */
  identity: ServiceIdentity;
  /** Settings that override the environment's (tests). */
  settings?: Partial<Settings>;
  /** Serve `GET/PUT /internal/resilience` (default); false: the switches are operated in-process only (the gateway's public port). */
  routes?: boolean;
}

/**
 * Gives `app` its resilience: the settings read from the environment, the deadline taken from each
 * incoming request's budget header, and `GET/PUT /internal/resilience` (service credential) to read
 * and switch the patterns at run time.
 */
export function registerResilience(app: App, { service, identity, settings, routes = true }: RegisterResilienceOptions): Resilience {
  const resilience = createResilience({ service, settings: { ...loadResilienceSettings(), ...settings }, log: app.log });
  resilienceByApp.set(app, resilience);
  registerDeadline(app);
  if (!routes) return resilience;
  const onRequest = requireService(identity, { from: OPERATORS });
  const tags = ['resilience'];
  const errors = { 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;
  app.get(
    '/internal/resilience',
    { onRequest, config: { monitoring: true }, schema: { tags, summary: 'Resilience switches and breaker states (internal)', response: { 200: ResilienceState, ...errors } } },
    async () => resilience.state(),
  );
  app.put(
    '/internal/resilience',
    {
      onRequest,
      schema: { tags, summary: 'Turn resilience patterns on or off, at once (internal)', body: SetResilienceSwitches, response: { 200: ResilienceState, ...errors } },
    },
    async (request) => {
      resilience.setSwitches(request.body);
      return resilience.state();
    },
  );
  return resilience;
}
