import type { App } from '@microshop/chassis';
import { Overview, OverviewQuery, SeriesQuery, ServiceSeries } from '@microshop/contracts';
import type { LiveOverview } from '../domain/overview/live-overview.js';

const tags = ['observability'];

/**
 * The live overview the web UI draws: `GET /api/overview` (every service and instance, every edge
 * between services, over the last minute by default) and `GET /api/overview/series` (one service's
 * figures per scrape interval, for charts). Monitoring routes: reading them is not counted as traffic.
 */
export function registerOverviewRoutes(app: App, live: LiveOverview): void {
  app.get(
    '/api/overview',
    {
      config: { monitoring: true },
      schema: {
        tags,
        summary: 'Requests/s, error rates and p50/p99 per service and instance, calls/s per edge between services, from their /metrics',
        querystring: OverviewQuery,
        response: { 200: Overview, 400: { $ref: 'Problem#' } },
      },
    },
    async (request) => live.overview(request.query.window ?? 60),
  );

  app.get(
    '/api/overview/series',
    {
      config: { monitoring: true },
      schema: {
        tags,
        summary: "One service's requests/s, errors/s and p50/p99 per scrape interval over the last minutes",
        querystring: SeriesQuery,
        response: { 200: ServiceSeries, 400: { $ref: 'Problem#' } },
      },
    },
    async (request) => live.series(request.query.service, request.query.window ?? 300),
  );
}
