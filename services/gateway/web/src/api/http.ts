/** One invalid input, as a problem body lists it. */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** An RFC 9457 problem, as every service and the gateway answer errors. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  field?: string;
  invalid_params?: InvalidParam[];
  service?: string;
}

/** What one call to the API gave back, with what the UI shows about it. */
export interface ApiResult<T> {
  ok: boolean;
  status: number;
  method: string;
  path: string;
  /** The parsed body when `ok`. */
  data: T | undefined;
  /** The problem when not `ok` (a made-up one when the answer had no problem body). */
  problem: ProblemBody | undefined;
  /** The trace this request made (`x-trace-id`), when the system traces. */
  traceId: string | undefined;
  requestId: string | undefined;
  totalCount: number | undefined;
  /** The `Location` header, when the answer points elsewhere (a 202 names what to poll). */
  location?: string | undefined;
  durationMs: number;
}

/** A form's input as typed: a field that does not read as a number is sent as text, for the API to judge (and name). */
export type Draft<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | string };

export interface ApiOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Extra request headers, e.g. the admin credential. */
  headers?: Record<string, string>;
}

const header = (response: Response, name: string) => response.headers.get(name) ?? undefined;

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toProblem(status: number, body: unknown): ProblemBody {
  if (typeof body === 'object' && body !== null && 'title' in body) return body as ProblemBody;
  return { status, title: `HTTP ${status}`, detail: typeof body === 'string' && body ? body.slice(0, 200) : `The request failed with status ${status}.` };
}

/**
 * Calls the API on this origin with JSON, and never throws for an HTTP error: the answer comes back
 * with its problem (field at fault included), its trace id and its duration. A network failure is
 * a result with status 0. An aborted call rejects with the AbortError.
 *
 * @example
 * const result = await api<Order>('/api/orders', { method: 'POST', body: { user_id: 1, product_id: 2, quantity: 3 } })
 * if (!result.ok) showError(result.problem?.field, result.problem?.detail)
 */
export async function api<T>(path: string, { method = 'GET', body, signal, headers = {} }: ApiOptions = {}): Promise<ApiResult<T>> {
  const started = performance.now();
  const base = { method, path, traceId: undefined, requestId: undefined, totalCount: undefined };
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    const detail = 'The gateway could not be reached.';
    return { ...base, ok: false, status: 0, data: undefined, problem: { title: 'No answer', detail }, durationMs: performance.now() - started };
  }
  const parsed = await readBody(response);
  const total = header(response, 'x-total-count');
  return {
    ok: response.ok,
    status: response.status,
    method,
    path,
    data: response.ok ? (parsed as T) : undefined,
    problem: response.ok ? undefined : toProblem(response.status, parsed),
    traceId: header(response, 'x-trace-id'),
    requestId: header(response, 'x-request-id'),
    totalCount: total === undefined ? undefined : Number(total),
    location: header(response, 'location'),
    durationMs: performance.now() - started,
  };
}

/** The message to show next to a field: the reason the API gave for it, else the first one. */
export function fieldErrors(problem: ProblemBody | undefined): Record<string, string> {
  if (!problem) return {};
  const errors: Record<string, string> = {};
  for (const param of problem.invalid_params ?? []) errors[param.name] ??= param.reason;
  if (problem.field && !errors[problem.field]) errors[problem.field] = problem.detail ?? problem.title ?? 'is invalid';
  return errors;
}
