import { matchesContract } from '@microshop/chassis';
import { IDEMPOTENT_REPLAYED_HEADER, Problem } from '@microshop/contracts';
import fc from 'fast-check';
import { Pool } from 'undici';
import { fieldsOf, requiredOf, TABLES, type FuzzEndpoint, type Table } from './endpoints.js';
import { parseBody, requestsFor, type FuzzRequest, type World } from './generators.js';
import type { RowCounter, RowCounts } from './rows.js';

export { publicEndpoints, type FuzzEndpoint } from './endpoints.js';
export { apiRows, databaseRows, type RowCounter } from './rows.js';

/** What came back for one case. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
  /** The answer was replayed for a repeated `Idempotency-Key`: nothing new was stored. */
  replayed: boolean;
}

/** How many rows one case may add to each table: `[min, max]`. */
export type Growth = Record<Table, [number, number]>;

/** One endpoint's run: what was sent, what came back, and the first property that failed, if any. */
export interface EndpointReport {
  endpoint: string;
  /** The fast-check seed: `FUZZ_SEED=<seed>` replays the run. */
  seed: number;
  cases: number;
  /** Cases by how they were made (`valid`, `extra field`, `bad path`…). */
  kinds: Record<string, number>;
  status2xx: number;
  /** 4xx answers by status. */
  status4xx: Record<string, number>;
  status5xx: number;
  /** Cases after which a table held more rows than the answer allowed (refused input that was stored). */
  badRows: number;
  timeMs: number;
  /** The failed property, its shrunk counterexample and how to replay it; absent when every case held. */
  failure?: string;
}

export interface FuzzOptions {
  /** Cases for the endpoint. */
  runs: number;
  /** The fast-check seed; default a random one (reported). */
  seed?: number;
  /** How long one request may take before the case fails (default 10 s). */
  timeoutMs?: number;
  /** How long shrinking a failure may take; then the smallest counterexample so far is reported (default 30 s). */
  shrinkMs?: number;
}

/** Fuzzes endpoints of one running system through its gateway. */
export interface Fuzzer {
  /** The ids known to exist; valid requests refer to them. */
  readonly world: World;
  fuzz(endpoint: FuzzEndpoint, options: FuzzOptions): Promise<EndpointReport>;
  close(): Promise<void>;
}

const isSuccess = (status: number) => status >= 200 && status < 300;
const noGrowth = (): Growth => Object.fromEntries(TABLES.map((table) => [table, [0, 0]])) as Growth;

/**
 * How many rows a case may add. Nothing, unless it created: a success of a create adds exactly
 * one row to its table (none when replayed for its `Idempotency-Key`). A payment that was recorded
 * and then declined (402) or failed in its saga (409) keeps its row: the record of the attempt.
 * Every refusal of the input (400, 404, 413, 415, 422…) adds nothing anywhere.
 */
export function allowedGrowth(endpoint: FuzzEndpoint, answer: Pick<Answer, 'status' | 'replayed'>): Growth {
  const growth = noGrowth();
  if (!endpoint.creates || answer.replayed) return growth;
  if (isSuccess(answer.status)) growth[endpoint.creates] = [1, 1];
  else if (endpoint.creates === 'payments' && (answer.status === 402 || answer.status === 409)) growth.payments = [0, 1];
  return growth;
}

/** The tables that grew outside what was allowed, as readable violations. */
export function checkGrowth(before: RowCounts, after: RowCounts, allowed: Growth): string[] {
  return TABLES.flatMap((table) => {
    const grown = after[table] - before[table];
    const [min, max] = allowed[table];
    return grown < min || grown > max ? [`${table}: ${grown} row(s) added, ${min === max ? min : `${min} to ${max}`} allowed`] : [];
  });
}

/**
 * The names a problem may give as its `field` (or in `invalid_params`): something the request
 * carried (a path parameter, a query key, a top-level body field, a header it sent), a field its
 * documented schema requires (a missing one is at fault too), or the request part as a whole
 * (`path`, `querystring` when it had one, `body` on a POST). A dotted name (`id.1`,
 * `items.0.price`) is judged by its first segment.
 */
export function nameableFields(endpoint: FuzzEndpoint, request: FuzzRequest): Set<string> {
  const names = new Set<string>(['path', ...endpoint.params, ...request.carried.query.flat(), ...requiredOf(endpoint.query), ...request.carried.headers]);
  if (request.carried.query.length > 0) names.add('querystring');
  if (endpoint.method === 'POST') for (const name of ['body', ...request.carried.body, ...requiredOf(endpoint.body)]) names.add(name);
  return names;
}

/**
 * True for a request that is not HTTP/1.1: bytes outside printable ASCII in its target, which may
 * only go percent-encoded. Node's parser answers it 400 before any route sees it.
 */
export const notHttp = (request: FuzzRequest): boolean => /[^\x21-\x7e]/.test(request.path);

const isNameable = (names: Set<string>, name: string) => names.has(name) || names.has(name.toLowerCase()) || names.has(name.split('.')[0] ?? name);

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/**
 * The properties every answer must have, as violations (empty: it held):
 * 1. never a 5xx;
 * 2. every 4xx is `application/problem+json` with a body that is a Problem of the same status;
 * 3. a problem refusing the input (any 4xx but 402 and 409, which are about the state of a resource
 *    and may name its field, e.g. a product's `stock`) names only fields the request carried or its
 *    schema requires (see {@link nameableFields}); a 400 or 422 always names one, unless the
 *    request was not HTTP/1.1 at all (see {@link notHttp}): Node's parser refuses it before any
 *    route, and there is no field to name;
 * 4. a success is JSON, and on a POST it was given a body its schema accepts in shape: a JSON
 *    object with no undocumented field and every required one; on a route with a documented query,
 *    a success had no undocumented query key.
 */
export function checkAnswer(endpoint: FuzzEndpoint, request: FuzzRequest, answer: Answer): string[] {
  const violations: string[] = [];
  const { status } = answer;
  if (status >= 500) violations.push(`answered ${status}`);
  if (status >= 400) {
    if (!answer.contentType.startsWith('application/problem+json')) violations.push(`a ${status} with content-type "${answer.contentType}", not application/problem+json`);
    const problem = parseJson(answer.text);
    if (!matchesContract<Problem>(Problem, problem)) {
      violations.push(`a ${status} whose body is not a Problem: ${answer.text.slice(0, 200)}`);
    } else {
      if (problem.status !== status) violations.push(`a ${status} whose problem says status ${problem.status}`);
      if (status !== 402 && status !== 409) {
        const names = nameableFields(endpoint, request);
        const named = [...(problem.field === undefined ? [] : [problem.field]), ...(problem.invalid_params ?? []).map((param) => param.name)];
        for (const name of named) if (!isNameable(names, name)) violations.push(`a ${status} naming "${name}", which the request did not carry nor its schema require`);
      }
      if ((status === 400 || status === 422) && problem.field === undefined && !notHttp(request)) violations.push(`a ${status} naming no field: ${problem.detail}`);
    }
  }
  if (isSuccess(status)) {
    if (answer.text !== '' && !answer.contentType.startsWith('application/json')) violations.push(`a ${status} with content-type "${answer.contentType}"`);
    if (endpoint.query) {
      const documented = new Set(fieldsOf(endpoint.query));
      // A key is documented when one of its spellings is (`%6Cimit` is `limit`).
      const unknown = request.carried.query.filter((spellings) => !spellings.some((key) => documented.has(key)));
      if (unknown.length > 0) violations.push(`a ${status} for a query with undocumented key(s) ${JSON.stringify(unknown.map((spellings) => spellings.at(-1)))}`);
    }
    if (endpoint.method === 'POST') violations.push(...acceptedBodyViolations(endpoint, request, status));
  }
  return violations;
}

/** A success on a POST: the body must have been one its schema accepts, in shape at least. */
function acceptedBodyViolations(endpoint: FuzzEndpoint, request: FuzzRequest, status: number): string[] {
  const required = requiredOf(endpoint.body);
  if (request.body === undefined || request.body === '') return required.length > 0 ? [`a ${status} for a POST without a body`] : [];
  let value: unknown;
  try {
    value = parseBody(request.body);
  } catch {
    return [`a ${status} for a body that is not JSON`];
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`a ${status} for a body that is not a JSON object`];
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  if (!contentType.startsWith('application/json')) return [`a ${status} for a body sent as "${contentType}"`];
  const documented = new Set(fieldsOf(endpoint.body));
  const keys = Object.keys(value);
  const extra = keys.filter((key) => !documented.has(key));
  const missing = required.filter((key) => !keys.includes(key));
  return [
    ...(extra.length > 0 ? [`a ${status} for a body with undocumented field(s) ${JSON.stringify(extra)}: they were ignored, not refused`] : []),
    ...(missing.length > 0 ? [`a ${status} for a body without required field(s) ${JSON.stringify(missing)}`] : []),
  ];
}

/** A case, short enough to read in a failure report. */
export function describeRequest(request: FuzzRequest): string {
  const body = request.body === undefined ? '(no body)' : request.body.length > 300 ? `${JSON.stringify(request.body.slice(0, 300))}… (${request.body.length} characters)` : JSON.stringify(request.body);
  return `${request.method} ${request.path.length > 300 ? `${request.path.slice(0, 300)}…` : request.path} ${JSON.stringify(request.headers)} ${body} [${request.kind}]`;
}

/** Creates one row through the gateway; resolves its id. */
async function create(url: string, path: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as { id?: number };
  if (!isSuccess(response.status) || typeof answer.id !== 'number') throw new Error(`Seeding: POST ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer.id;
}

/**
 * Creates a few rows of each kind through the gateway, so that valid requests have ids to refer to:
 * users, products (the spec's Laptop at 999.99, and one with tracked stock), orders and a payment.
 */
export async function seedWorld(url: string): Promise<World> {
  const world: World = { users: 0, products: 0, orders: 0, payments: 0 };
  const tag = Math.random().toString(36).slice(2, 8);
  for (const name of ['Ann', 'Bob', 'Cy']) world.users = await create(url, '/api/users', { name, email: `${name.toLowerCase()}.${tag}@example.com` });
  world.products = await create(url, '/api/products', { name: 'Laptop', price: 999.99 });
  world.products = await create(url, '/api/products', { name: 'Mouse', price: 25.5 });
  world.products = await create(url, '/api/products', { name: 'Cable', price: 10, stock: 1000 });
  for (const quantity of [3, 1, 2]) world.orders = await create(url, '/api/orders', { user_id: 1, product_id: 1, quantity });
  world.payments = await create(url, '/api/payments', { order_id: 1 });
  return world;
}

/**
 * Places as many new PENDING orders (the seeded user's, of the seeded Laptop, whose stock is not
 * tracked) as the world has orders, so that at least half of the ids a valid case may name are of
 * open orders. Done before each endpoint that closes orders: the cancellations run after the
 * payments, which may have paid every order, and then no valid cancellation could be accepted.
 */
async function openOrders(url: string, world: World): Promise<void> {
  const count = world.orders;
  for (let placed = 0; placed < count; placed++) world.orders = Math.max(world.orders, await create(url, '/api/orders', { user_id: 1, product_id: 1, quantity: 1 }));
}

/**
 * A fuzzer for the system behind `url` (its gateway). Seeds the world first (see {@link seedWorld}),
 * then fuzzes one endpoint at a time: every case is checked by {@link checkAnswer}, and rows are
 * counted around each case (a database counter) or around the endpoint's whole run (an API counter).
 * One keep-alive connection; cases run one after another, so that the row counts are the case's.
 *
 * @example
 * const fuzzer = await createFuzzer({ url: system.url, rows: databaseRows(system.databaseDir) })
 * const report = await fuzzer.fuzz(publicEndpoints()[0], { runs: 100 })
 */
export async function createFuzzer({ url, rows }: { url: string; rows: RowCounter }): Promise<Fuzzer> {
  const world = await seedWorld(url);
  const pool = new Pool(url, { connections: 1, keepAliveTimeout: 30_000 });

  const send = async (request: FuzzRequest, timeoutMs: number): Promise<Answer> => {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    const header = (name: string) => [response.headers[name]].flat()[0] ?? '';
    return { status: response.statusCode, contentType: header('content-type'), text, replayed: header(IDEMPOTENT_REPLAYED_HEADER) === 'true' };
  };

  /** A create that succeeded makes its id known: later valid requests may refer to it. */
  const learn = (endpoint: FuzzEndpoint, answer: Answer) => {
    if (!endpoint.creates || !isSuccess(answer.status)) return;
    const id = (parseJson(answer.text) as { id?: unknown } | undefined)?.id;
    if (typeof id === 'number' && id > world[endpoint.creates]) world[endpoint.creates] = id;
  };

  async function fuzz(endpoint: FuzzEndpoint, { runs, seed = Math.floor(Math.random() * 2 ** 31), timeoutMs = 10_000, shrinkMs = 30_000 }: FuzzOptions): Promise<EndpointReport> {
    const report: EndpointReport = { endpoint: endpoint.name, seed, cases: 0, kinds: {}, status2xx: 0, status4xx: {}, status5xx: 0, badRows: 0, timeMs: 0 };
    if (endpoint.closesOrders) await openOrders(url, world);
    const started = performance.now();
    const total = noGrowth();
    const startCounts = rows.perCase ? undefined : await rows.count();
    let failedAt: number | undefined;

    const property = fc.asyncProperty(requestsFor(endpoint, world), async (request) => {
      // Shrinking replays cases against the live system; past its budget, the smallest so far stands.
      if (failedAt !== undefined && performance.now() - failedAt > shrinkMs) return;
      const before = rows.perCase ? await rows.count() : undefined;
      let answer: Answer;
      try {
        answer = await send(request, timeoutMs);
      } catch (error) {
        throw new Error(`no answer: ${error instanceof Error ? error.message : String(error)}\n  case: ${describeRequest(request)}`);
      }
      const violations = checkAnswer(endpoint, request, answer);
      const allowed = allowedGrowth(endpoint, answer);
      const rowViolations = before ? checkGrowth(before, await rows.count(), allowed) : [];
      if (failedAt === undefined) {
        report.cases++;
        report.kinds[request.kind] = (report.kinds[request.kind] ?? 0) + 1;
        if (isSuccess(answer.status)) report.status2xx++;
        else if (answer.status >= 500) report.status5xx++;
        else if (answer.status >= 400) report.status4xx[answer.status] = (report.status4xx[answer.status] ?? 0) + 1;
        if (rowViolations.length > 0) report.badRows++;
        for (const table of TABLES) for (const end of [0, 1] as const) total[table][end] += allowed[table][end];
        learn(endpoint, answer);
      }
      const all = [...violations, ...rowViolations];
      if (all.length > 0) {
        failedAt ??= performance.now();
        throw new Error(`${all.join('; ')}\n  case: ${describeRequest(request)}\n  answer: ${answer.status} ${answer.text.slice(0, 300)}`);
      }
    });
    const details = await fc.check(property, { numRuns: runs, seed });

    report.timeMs = Math.round(performance.now() - started);
    if (details.failed) {
      const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      report.failure = `${error}\n  after ${details.numRuns} case(s), ${details.numShrinks} shrink(s); replay with seed ${details.seed}, path "${details.counterexamplePath ?? ''}"`;
    } else if (startCounts) {
      // Counted through the API: the whole run's growth must be within what its answers allowed.
      const excess = checkGrowth(startCounts, await rows.count(), total);
      if (excess.length > 0) {
        report.badRows = excess.length;
        report.failure = `rows after ${report.cases} case(s): ${excess.join('; ')}`;
      }
    }
    return report;
  }

  return { world, fuzz, close: () => pool.close() };
}
