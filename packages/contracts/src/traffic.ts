import { Type, type Static } from 'typebox';

/** The highest rate the gateway's traffic generator accepts, in requests per second. */
export const MAX_TRAFFIC_RATE = 50;
/** The longest run the gateway's traffic generator accepts, in seconds. */
export const MAX_TRAFFIC_DURATION_S = 300;

/** Body of `POST /api/traffic`: how fast and how long. */
export const StartTraffic = Type.Object(
  {
    rate: Type.Integer({ minimum: 1, maximum: MAX_TRAFFIC_RATE, description: 'Requests per second' }),
    duration_s: Type.Integer({ minimum: 1, maximum: MAX_TRAFFIC_DURATION_S, description: 'How long the run lasts, in seconds' }),
  },
  { additionalProperties: false },
);
export type StartTraffic = Static<typeof StartTraffic>;

/** What one simulated visit does; each is one request through the gateway's public API. */
export const TrafficOperation = Type.Union([
  Type.Literal('list_products'),
  Type.Literal('view_product'),
  Type.Literal('list_orders'),
  Type.Literal('view_order'),
  Type.Literal('place_order'),
  Type.Literal('pay_order'),
  Type.Literal('seed'),
]);
export type TrafficOperation = Static<typeof TrafficOperation>;

/** Counts of one operation within a run. */
export const TrafficCounts = Type.Object({
  sent: Type.Integer(),
  ok: Type.Integer({ description: 'Answered 2xx' }),
  failed: Type.Integer({ description: 'Answered 4xx/5xx, or no answer' }),
});
export type TrafficCounts = Static<typeof TrafficCounts>;

/** `GET /api/traffic`: the current (or last) run and its progress. */
export const TrafficRun = Type.Object({
  state: Type.Union([Type.Literal('idle'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('stopped')], {
    description: 'idle: no run yet; running; completed: ran its whole duration; stopped: stopped early',
  }),
  rate: Type.Integer({ description: 'Requests per second asked for (0 when idle)' }),
  duration_s: Type.Integer(),
  started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  ended_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  elapsed_s: Type.Number(),
  progress: Type.Number({ minimum: 0, maximum: 1, description: 'Share of the duration done' }),
  in_flight: Type.Integer({ description: 'Requests sent and not yet answered' }),
  skipped: Type.Integer({ description: 'Requests not sent because too many were still in flight' }),
  totals: TrafficCounts,
  operations: Type.Record(Type.String(), TrafficCounts, { description: 'Counts per operation (TrafficOperation)' }),
  last_error: Type.Union([Type.String(), Type.Null()], { description: 'The most recent failure, e.g. `POST /api/orders → 503`' }),
});
export type TrafficRun = Static<typeof TrafficRun>;
