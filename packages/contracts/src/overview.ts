import { Type, type Static } from 'typebox';
import { SERVICES, type ServiceName } from './services.js';

const Milliseconds = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description });
const Rate = (description: string) => Type.Number({ minimum: 0, description });
const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });

/** The figures of one instance, one service or the sum of them, over the overview's window. */
const Figures = {
  requests_per_s: Rate('Requests answered per second (monitoring routes such as /health and /metrics excluded)'),
  error_rate: Share('Share of those requests answered 5xx'),
  client_error_rate: Share('Share of those requests answered 4xx'),
  p50_ms: Milliseconds('Median request duration, estimated from histogram buckets; null without requests'),
  p99_ms: Milliseconds('99th percentile request duration, estimated from histogram buckets; null without requests'),
};

/** Whether the gateway reaches a process: `unknown` until its first scrape. */
export const InstanceStatus = Type.Union([Type.Literal('ok'), Type.Literal('down'), Type.Literal('unknown')]);
export type InstanceStatus = Static<typeof InstanceStatus>;

/** One process of a service, as the gateway's last scrape found it. */
export const OverviewInstance = Type.Object({
  id: Type.String({ description: 'Its instance id (order-service-2), or its URL when the address is static' }),
  url: Type.String({ description: 'Where the gateway reaches it' }),
  port: Type.Union([Type.Integer(), Type.Null()]),
  status: InstanceStatus,
  pid: Type.Union([Type.Integer(), Type.Null()], { description: 'The process id it reported last' }),
  uptime_s: Type.Union([Type.Number(), Type.Null()], { description: 'How long it has been up; null while it is down' }),
  last_seen: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When it last answered its health check' }),
  detail: Type.Optional(Type.String({ description: 'Why it counts as down, or why its figures are missing' })),
  ...Figures,
  share: Share("Its share of its service's requests over the window (0 when the service had none): how evenly the load is spread"),
});
export type OverviewInstance = Static<typeof OverviewInstance>;

/** One service: its instances, and their figures summed (rates) or merged (percentiles). */
export const OverviewService = Type.Object({
  name: Type.String(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down'), Type.Literal('unknown')], {
    description: 'ok: every instance up; degraded: some down; down: all down (or none left); unknown: not scraped yet',
  }),
  ...Figures,
  instances: Type.Array(OverviewInstance),
});
export type OverviewService = Static<typeof OverviewService>;

/** Calls from one service to another, as the caller counts them. */
export const OverviewEdge = Type.Object({
  from: Type.String({ description: 'The calling service' }),
  to: Type.String({ description: 'The service called' }),
  calls_per_s: Rate('Calls per second'),
  error_rate: Share('Share of calls that failed: answered 5xx, timed out, unreachable or not sent'),
  p50_ms: Milliseconds('Median call duration as the caller saw it; null without calls'),
  p99_ms: Milliseconds('99th percentile call duration as the caller saw it; null without calls'),
  breaker: Type.Optional(
    Type.Union([Type.Literal('closed'), Type.Literal('half-open'), Type.Literal('open')], {
      description: "The caller's circuit breaker to the callee at the latest scrape (the worst of the caller's instances): the edge's colour; absent when the caller reports none",
    }),
  ),
  concurrency_limit: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "Calls in flight the caller allows to the callee at the latest scrape: its adaptive bulkhead, cut when answers come late and grown back while they come in time (summed over the caller's instances); absent when the caller reports none",
    }),
  ),
});
export type OverviewEdge = Static<typeof OverviewEdge>;

/** `GET /api/overview`: the whole system's live figures, from the gateway's scrapes of every `/metrics`. */
export const Overview = Type.Object({
  generated_at: Type.String({ format: 'date-time', description: 'Time of the latest scrape the figures include' }),
  window_s: Type.Number({ description: 'The span the rates and percentiles cover (shorter just after the gateway starts)' }),
  scrape_interval_s: Type.Number(),
  services: Type.Array(OverviewService, { description: 'The gateway, then each service, in the spec order, then the registry when there is one' }),
  edges: Type.Array(OverviewEdge, { description: 'Every caller→callee pair seen since the gateway started' }),
});
export type Overview = Static<typeof Overview>;

/** `?window=` of `GET /api/overview`. */
export const OverviewQuery = Type.Object(
  { window: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 60, description: 'Seconds the figures cover, default 60' })) },
  { additionalProperties: false },
);
export type OverviewQuery = Static<typeof OverviewQuery>;

/** Any process of the system, by name. */
export const ServiceNameSchema = Type.Union(
  (Object.keys(SERVICES) as ServiceName[]).map((name) => Type.Literal(name)),
  { description: 'gateway, user-service, product-service, order-service, payment-service or registry' },
);

/** `?service=&window=` of `GET /api/overview/series`. */
export const SeriesQuery = Type.Object(
  {
    service: ServiceNameSchema,
    window: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600, default: 300, description: 'Seconds of history, default 300' })),
  },
  { additionalProperties: false },
);
export type SeriesQuery = Static<typeof SeriesQuery>;

const Column = (description: string) => Type.Array(Type.Union([Type.Number(), Type.Null()]), { description });

/**
 * `GET /api/overview/series`: one service's figures per scrape interval, oldest first, as columns of
 * equal length (the shape uPlot draws). `null` where the service could not be scraped.
 */
export const ServiceSeries = Type.Object({
  service: Type.String(),
  window_s: Type.Number(),
  step_s: Type.Number({ description: 'The scrape interval: each point covers about this long' }),
  time: Type.Array(Type.Number(), { description: 'End of each interval, in Unix seconds' }),
  requests_per_s: Column('Requests per second'),
  errors_per_s: Column('Requests answered 5xx, per second'),
  client_errors_per_s: Column('Requests answered 4xx, per second'),
  p50_ms: Column('Median request duration; null without requests'),
  p99_ms: Column('99th percentile request duration; null without requests'),
});
export type ServiceSeries = Static<typeof ServiceSeries>;
