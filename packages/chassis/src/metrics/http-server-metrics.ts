import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS_S, METRIC_PREFIX, collectProcessMetrics, metricsRegistry, metricsText, perRegistry } from './registry.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A monitoring route (`/health`, `/metrics`, the gateway's live overview): counted in
     * `microshop_http_monitoring_requests_total` instead of the request metrics, so that being
     * watched does not show up as traffic.
     */
    monitoring?: boolean;
    /**
     * A route polled all the time by the system itself (the registry's heartbeats and lists): its
     * requests are not logged at info. Monitoring routes are quiet too.
     */
    quiet?: boolean;
  }
}

/** The `route` label of a request that matched no route: one label, whatever the URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The request metrics of one registry (the process's, or a module's in a modular monolith):
 * - `requests`: requests answered, by method, route pattern (`/api/orders/:id`, never the raw URL) and status code;
 * - `duration`: from arrival to the last byte sent, by method, route pattern and status class;
 * - `monitoring`: requests to monitoring routes (health checks, scrapes), kept apart from the traffic;
 * - `inFlight`: requests being handled right now (monitoring routes excluded): what piles up when a
 *   neighbour is slow and nothing bounds the wait;
 * - `info`: always 1, labelled with the service, its version and the process id.
 */
export const serverMetrics = perRegistry((registry) => ({
  requests: new Counter({
    name: `${METRIC_PREFIX}http_server_requests_total`,
    help: 'HTTP requests answered, by method, route pattern and status code (monitoring routes excluded)',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [registry],
  }),
  duration: new Histogram({
    name: `${METRIC_PREFIX}http_server_request_duration_seconds`,
    help: 'Time from a request arriving to its answer being sent, by method, route pattern and status class (2xx, 4xx, 5xx)',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [...LATENCY_BUCKETS_S],
    registers: [registry],
  }),
  monitoring: new Counter({
    name: `${METRIC_PREFIX}http_monitoring_requests_total`,
    help: 'Requests to monitoring routes (/health, /metrics, the live overview), by route and status code',
    labelNames: ['route', 'status_code'] as const,
    registers: [registry],
  }),
  inFlight: new Gauge({
    name: `${METRIC_PREFIX}http_server_requests_in_flight`,
    help: 'Requests being handled right now: arrived and not yet answered (monitoring routes excluded)',
    registers: [registry],
  }),
  info: new Gauge({
    name: `${METRIC_PREFIX}service_info`,
    help: 'Which service this process runs: always 1, labelled with the service name, its version and the process id',
    labelNames: ['service', 'version', 'pid'] as const,
    registers: [registry],
  }),
}));

/** The content type of the Prometheus text format. */
const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

/** The route pattern a request matched, or {@link UNMATCHED_ROUTE}. */
export function routeLabel(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
}

/** `404` → `4xx`. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function countResponse(request: FastifyRequest, reply: FastifyReply): void {
  const route = routeLabel(request);
  const code = String(reply.statusCode);
  const metrics = serverMetrics();
  if (request.routeOptions.config?.monitoring === true) {
    metrics.monitoring.inc({ route, status_code: code });
    return;
  }
  metrics.requests.inc({ method: request.method, route, status_code: code });
  metrics.duration.observe({ method: request.method, route, status_class: statusClass(reply.statusCode) }, reply.elapsedTime / 1000);
}

export interface MetricsOptions {
  /** The service name, e.g. `order-service`. */
  service: string;
  version: string;
}

/**
 * Measures every request of `app` (count and duration per route pattern, monitoring routes apart),
 * turns on the process metrics, sets the service info gauge and serves `GET /metrics` in the
 * Prometheus text format. Called by `createServer`: services write no code for it.
 *
 * @example
 * registerMetrics(app, { service: 'order-service', version: '0.1.0' })
 */
export function registerMetrics(app: FastifyInstance, { service, version }: MetricsOptions): void {
  collectProcessMetrics();
  serverMetrics().info.set({ service, version, pid: String(process.pid) }, 1);
  // Callback hooks, not async ones: they run on every request, and a promise each is pure overhead.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.monitoring !== true) {
      const { inFlight } = serverMetrics();
      inFlight.inc();
      // 'close' comes once per response, answered or abandoned by the client.
      reply.raw.once('close', () => inFlight.dec());
    }
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    countResponse(request, reply);
    done();
  });
  app.get(
    '/metrics',
    { config: { monitoring: true }, schema: { hide: true } },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await metricsText()),
  );
}
