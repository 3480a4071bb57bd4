import { AppError, matchesContract, type CallOptions, type ServiceClient } from '@microshop/chassis';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_PAGE_SIZE, Problem } from '@microshop/contracts';
import type { PublicRoute } from '../public-routes.js';

/** The parts of a public request the gateway forwards, all already validated against the route. */
export interface ForwardInput {
  params: unknown;
  query: unknown;
  body: unknown;
  requestId: string;
  /** The client's `Idempotency-Key`, passed on for a POST (the service validates it; Node joins a repeated header into one value). */
  idempotencyKey?: string | string[];
}

/** What goes back to the client: the service's status, its JSON body and a few of its headers. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The service's response headers the client sees; all others stay behind the gateway. */
export const PASSED_BACK_HEADERS = ['content-type', 'x-total-count', 'retry-after', 'location', 'x-degraded', IDEMPOTENT_REPLAYED_HEADER] as const;

/**
 * `/api/orders/:id` + `{ id: 7 }` → `/api/orders/7`. Every parameter is an integer id, so the
 * upstream path can only ever be the pattern with numbers in it, whatever the client sent.
 */
export function upstreamPath(pattern: string, params: unknown): string {
  const values = (params ?? {}) as Record<string, unknown>;
  return pattern.replace(/:([A-Za-z_]+)/g, (_match, name: string) => {
    const value = values[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw AppError.invalid(name, 'must be integer');
    return String(value);
  });
}

/**
 * The validated query as it is sent on: a `limit` over {@link MAX_PAGE_SIZE} is cut to it, as every
 * list route's contract says (`PageQuery`: capped, not refused), so no service is ever asked for more.
 */
export function forwardedQuery(query: unknown): CallOptions['query'] {
  const values = (query ?? {}) as NonNullable<CallOptions['query']>;
  const limit = values.limit;
  return typeof limit === 'number' && limit > MAX_PAGE_SIZE ? { ...values, limit: MAX_PAGE_SIZE } : values;
}

function passedBack(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of PASSED_BACK_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) kept[name] = first;
  }
  return kept;
}

/**
 * Forwards one public request to the service that owns it: the path rebuilt from the route
 * pattern, the query re-encoded from validated values, the JSON body as parsed, and no client
 * header but the request id and, on a POST, the `Idempotency-Key` (with it, the gateway's own
 * retries of the POST are safe too). A service that is down or slow throws a 503 naming it; a service's
 * own problem answer, 5xx included, is passed on as it is.
 */
export async function forwardRequest(client: ServiceClient, route: PublicRoute, input: ForwardInput): Promise<ForwardedResponse> {
  const call: CallOptions = {
    method: route.method,
    path: upstreamPath(route.path, input.params),
    headers: {
      'x-request-id': input.requestId,
      ...(route.method === 'POST' && input.idempotencyKey !== undefined ? { [IDEMPOTENCY_KEY_HEADER]: [input.idempotencyKey].flat().join(', ') } : {}),
    },
    ...(route.query ? { query: forwardedQuery(input.query) } : {}),
    ...(route.method === 'POST' && input.body !== undefined ? { body: input.body } : {}),
    passServerErrors: true,
  };
  const answer = await client.call<unknown>(call);
  // A service's own problem body is passed on: it names the real culprit (the Order service's 503
  // says which of its neighbours is down). Anything else from a failing service stays behind.
  if (answer.status >= 500 && !matchesContract<Problem>(Problem, answer.body)) {
    const detail = `${client.service} answered ${answer.status}`;
    throw answer.status === 503 || answer.status === 504 ? AppError.unavailable(client.service, detail) : AppError.badGateway(client.service, detail);
  }
  const json: Record<string, string> = answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' };
  return { status: answer.status, headers: { ...json, ...passedBack(answer.headers) }, body: answer.body };
}
