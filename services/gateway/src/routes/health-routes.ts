import type { App } from '@microshop/chassis';
import { checkServices, type HealthDeps } from '../domain/check-services.js';
import { GatewayHealth } from '../schemas.js';

/** `GET /health`: 200 while the gateway runs, with each service's state. */
export function registerHealthRoutes(app: App, deps: HealthDeps): void {
  app.get(
    '/health',
    { config: { monitoring: true }, schema: { tags: ['gateway'], summary: "The gateway's health and every service's", response: { 200: GatewayHealth } } },
    async (request) => checkServices(deps, request.id),
  );
}
