import type { Health } from '@microshop/contracts';
import { Health as HealthSchema } from '@microshop/contracts';
import { chaosOf } from './chaos.js';
import { resilienceOf } from './resilience/routes.js';
import type { App } from './server.js';

/** A named dependency check: resolves when healthy, throws when not. */
export type HealthCheck = () => Promise<void>;

export interface HealthOptions {
  service: string;
  version?: string;
  checks?: Record<string, HealthCheck>;
}

/**
 * `GET /health`: 200 with `status: "ok"` when every check passes, 503 with `status: "down"` and the
 * failing check named otherwise.
 */
export function registerHealth(app: App, { service, version = '0.1.0', checks = {} }: HealthOptions): void {
  const started = Date.now();
  app.get(
    '/health',
    { config: { monitoring: true }, schema: { tags: ['health'], summary: 'Health check', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const results: Record<string, 'ok' | 'down'> = {};
      await Promise.all(
        Object.entries(checks).map(async ([check, run]) => {
          try {
            await run();
            results[check] = 'ok';
          } catch {
            results[check] = 'down';
          }
        }),
      );
      const ok = Object.values(results).every((r) => r === 'ok');
      const body: Health = {
        status: ok ? 'ok' : 'down',
        service,
        version,
        pid: process.pid,
        uptime_s: Math.round((Date.now() - started) / 100) / 10,
        checks: results,
      };
      const chaos = chaosOf(app);
      if (chaos) body.chaos = chaos.state();
      const resilience = resilienceOf(app);
      if (resilience) {
        body.breakers = resilience.breakers();
        body.resilience = resilience.switches();
      }
      return reply.code(ok ? 200 : 503).send(body);
    },
  );
}
