import { Type, type Static } from 'typebox';
import { ChaosState } from './chaos.js';
import { BreakerState, ResilienceSwitches } from './resilience.js';

/** A row id: a positive integer, as every service hands them out. */
export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Positive integer id' });

/** Path parameters of `/:id` routes. */
export const IdParams = Type.Object({ id: Id }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

/** Creation timestamp, ISO 8601 in UTC. */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' });

/** The largest page a list endpoint returns; larger `limit` values are capped to it. */
export const MAX_PAGE_SIZE = 1000;
/** The page size when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 100;
/**
 * The largest `offset`: no table holds more rows than an id can number. Without a bound, an offset
 * such as `1e30` passed validation as an integer and failed in the database (a 500).
 */
export const MAX_OFFSET = 2_147_483_647;

/** `?limit=&offset=` of every list endpoint. The total is in the `X-Total-Count` header. */
export const PageQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, description: `Page size, default ${DEFAULT_PAGE_SIZE}, capped at ${MAX_PAGE_SIZE}` }),
    ),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_OFFSET, description: 'Rows to skip, default 0' })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

/** `?id=1&id=2`: fetch several rows by id in one call (at most one page). */
export const IdList = Type.Array(Id, { minItems: 1, maxItems: MAX_PAGE_SIZE });

/** Header carrying the total row count of a paginated list. */
export const TOTAL_COUNT_HEADER = 'x-total-count';

/** Header carrying the service credential on internal calls. */
export const SERVICE_TOKEN_HEADER = 'x-service-token';

/** One invalid input, as listed in a problem body. */
export const InvalidParam = Type.Object({
  name: Type.String({ description: 'The field, as a dotted path (`quantity`, `items.0.price`)' }),
  reason: Type.String(),
});

/** An RFC 9457 problem body: every error any service returns. */
export const Problem = Type.Object({
  type: Type.String({ description: 'URI naming the kind of problem' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.Optional(Type.String()),
  field: Type.Optional(Type.String({ description: 'The first field at fault, when the input was at fault' })),
  invalid_params: Type.Optional(Type.Array(InvalidParam)),
  service: Type.Optional(Type.String({ description: 'The neighbour that failed, for 502/503/504' })),
});
export type Problem = Static<typeof Problem>;

/** The state of one dependency in a health report. */
export const CheckStatus = Type.Union([Type.Literal('ok'), Type.Literal('down')]);

/** `GET /health` of a service. */
export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  service: Type.String(),
  version: Type.String(),
  pid: Type.Integer(),
  uptime_s: Type.Number(),
  checks: Type.Record(Type.String(), CheckStatus),
  /** The injected faults active now (see `/internal/chaos`); absent when the service has none wired. */
  chaos: Type.Optional(ChaosState),
  /** Each neighbour's circuit breaker, by service name (`{ 'product-service': 'closed' }`); absent for a service that calls none. */
  breakers: Type.Optional(Type.Record(Type.String(), BreakerState)),
  /** Which resilience patterns are on (see `/internal/resilience`). */
  resilience: Type.Optional(ResilienceSwitches),
});
export type Health = Static<typeof Health>;

/** The request header that makes a POST safe to retry (Stripe's semantics, the IETF draft's name). */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Set on an answer replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** The longest idempotency key accepted. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
