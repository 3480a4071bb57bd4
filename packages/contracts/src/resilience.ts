import { Type, type Static } from 'typebox';

/**
 * The header carrying the caller's remaining time budget, in whole milliseconds, on every call
 * between services. A relative value (like gRPC's `grpc-timeout`), so clocks need not agree.
 */
export const BUDGET_HEADER = 'x-budget-ms';

/** The response header naming the neighbours a degraded answer could not reach (comma-separated). */
export const DEGRADED_HEADER = 'x-degraded';

/** A circuit breaker's state: `closed` (calls go through), `open` (none do), `half-open` (one probe does). */
export const BreakerState = Type.Union([Type.Literal('closed'), Type.Literal('half-open'), Type.Literal('open')]);
export type BreakerState = Static<typeof BreakerState>;

/** Each resilience pattern of one service, on or off. */
export const ResilienceSwitches = Type.Object({
  timeouts: Type.Boolean({ description: 'Connect, first-byte and total budgets, and the budget passed downstream; off: only a 60 s safety cap' }),
  retries: Type.Boolean({ description: 'Retries of idempotent calls with full-jitter backoff, within the retry budget' }),
  breakers: Type.Boolean({ description: 'A circuit breaker per neighbour' }),
  bulkheads: Type.Boolean({ description: 'A cap on concurrent calls per neighbour, adapted to its latency' }),
});
export type ResilienceSwitches = Static<typeof ResilienceSwitches>;

/** Body of `PUT /internal/resilience`: the switches to change; the others stay as they are. */
export const SetResilienceSwitches = Type.Object(
  {
    timeouts: Type.Optional(Type.Boolean()),
    retries: Type.Optional(Type.Boolean()),
    breakers: Type.Optional(Type.Boolean()),
    bulkheads: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SetResilienceSwitches = Static<typeof SetResilienceSwitches>;

/** The configured thresholds (from the environment at start-up). */
export const ResilienceSettings = Type.Object({
  connect_timeout_ms: Type.Integer(),
  first_byte_timeout_ms: Type.Integer(),
  retry_max_attempts: Type.Integer({ description: 'Attempts per call, the first included' }),
  retry_base_ms: Type.Integer(),
  retry_max_delay_ms: Type.Integer(),
  retry_budget_ratio: Type.Number({ description: 'Retries allowed per call made, over time' }),
  breaker_failures: Type.Integer({ description: 'Failures within the window that open a breaker, at least' }),
  breaker_failure_ratio: Type.Number({ description: "Share of the window's calls that must have failed too (0–1)" }),
  breaker_window_ms: Type.Integer({ description: 'How far back a breaker counts calls' }),
  breaker_half_open_after_ms: Type.Integer(),
  bulkhead_max_concurrent: Type.Integer({ description: 'Calls in flight to one neighbour at most; the adaptive limit starts here' }),
  bulkhead_min_concurrent: Type.Integer({ description: 'The adaptive limit is never cut below this' }),
  bulkhead_slow_ratio: Type.Number({ description: 'A call answered later than this share of its first-byte timeout cuts the limit (0–1)' }),
  bulkhead_queue: Type.Integer(),
});
export type ResilienceSettings = Static<typeof ResilienceSettings>;

/** One neighbour's bulkhead now. */
export const BulkheadState = Type.Object({
  limit: Type.Integer({ description: 'Calls in flight allowed now: cut when answers come late, grown back while they come in time' }),
  in_flight: Type.Integer(),
  queued: Type.Integer({ description: 'Calls waiting for a slot' }),
});
export type BulkheadState = Static<typeof BulkheadState>;

/** `GET /internal/resilience` (and the answer to `PUT`): the switches, each breaker's and bulkhead's state, the settings. */
export const ResilienceState = Type.Object({
  service: Type.String(),
  switches: ResilienceSwitches,
  breakers: Type.Record(Type.String(), BreakerState, { description: 'One per neighbour called so far, by service name' }),
  bulkheads: Type.Record(Type.String(), BulkheadState, { description: 'One per neighbour called so far, by service name' }),
  settings: ResilienceSettings,
});
export type ResilienceState = Static<typeof ResilienceState>;
