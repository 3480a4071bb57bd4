import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allowedGrowth, checkAnswer, checkGrowth, createFuzzer, databaseRows, publicEndpoints, type Answer, type EndpointReport, type FuzzEndpoint, type Fuzzer, type RowCounter } from '../security/fuzz.js';
import type { FuzzRequest } from '../security/generators.js';
import { formatTable, summarise } from '../security/report.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { TOPOLOGY } from './support/topology.js';

/** Cases per endpoint: small enough for every run of the suite (`npm run fuzz` runs 10,000). */
const RUNS = Number(process.env.FUZZ_RUNS || 150);
/** A fixed seed replays a run (each endpoint's seed is printed); default a new one each run. */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const ENDPOINTS = publicEndpoints();
const endpoint = (name: string): FuzzEndpoint => {
  const found = ENDPOINTS.find((e) => e.name === name);
  if (!found) throw new Error(`No public endpoint ${name}`);
  return found;
};
const problem = (status: number, extra: Record<string, unknown> = {}): Answer => ({
  status,
  contentType: 'application/problem+json; charset=utf-8',
  text: JSON.stringify({ type: '/problems/validation-error', title: 'Invalid request', status, detail: 'x', ...extra }),
  replayed: false,
});
const placeOrder = (body: Record<string, unknown>): FuzzRequest => ({
  method: 'POST',
  path: '/api/orders',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  carried: { query: [], body: Object.keys(body), headers: ['content-type'] },
  kind: 'test',
});

/**
 * The properties themselves, on answers made up here: each one fails when it must, so that the
 * fuzzing below cannot pass by checking nothing.
 */
describe('E1: the fuzzing properties', () => {
  const orders = endpoint('POST /api/orders');
  const valid = placeOrder({ user_id: 1, product_id: 1, quantity: 3 });

  test('When an answer is a 5xx, a 4xx that is not problem+json, or a problem of another status, then each is a violation', () => {
    expect(checkAnswer(orders, valid, problem(500))).toContain('answered 500');
    expect(checkAnswer(orders, valid, { ...problem(400, { field: 'quantity' }), contentType: 'application/json' })[0]).toMatch(/not application\/problem\+json/);
    expect(checkAnswer(orders, valid, { ...problem(400, { field: 'quantity' }), text: '{"error":"bad"}' })[0]).toMatch(/not a Problem/);
    expect(checkAnswer(orders, valid, problem(404, { status: 400 }))[0]).toMatch(/says status 400/);
  });

  test('When a 400 names no field, or one the request did not carry nor its schema require, then it is a violation; a carried, required or whole-part name is not', () => {
    const extra = placeOrder({ user_id: 1, product_id: 1, quantity: 3, status: 'PAID' });
    expect(checkAnswer(orders, extra, problem(400))[0]).toMatch(/naming no field/);
    expect(checkAnswer(orders, extra, problem(400, { field: 'total' }))[0]).toMatch(/naming "total"/);
    expect(checkAnswer(orders, extra, problem(400, { field: 'status', invalid_params: [{ name: 'coupon', reason: 'x' }] }))[0]).toMatch(/naming "coupon"/);
    expect(checkAnswer(orders, extra, problem(400, { field: 'status' }))).toEqual([]);
    expect(checkAnswer(orders, placeOrder({ user_id: 1 }), problem(400, { field: 'quantity' }))).toEqual([]);
    expect(checkAnswer(orders, valid, problem(400, { field: 'body' }))).toEqual([]);
    expect(checkAnswer(endpoint('GET /api/users'), { ...valid, method: 'GET', carried: { query: [['id']], body: [], headers: [] } }, problem(400, { field: 'id.1' }))).toEqual([]);
    // Raw bytes outside ASCII in the target are not HTTP/1.1: Node's parser refuses them, with no field to name.
    const notHttp: FuzzRequest = { ...valid, method: 'GET', path: '/api/users/\u00e9', carried: { query: [], body: [], headers: [] } };
    expect(checkAnswer(endpoint('GET /api/users/:id'), notHttp, problem(400, { type: '/problems/bad-request' }))).toEqual([]);
    expect(checkAnswer(endpoint('GET /api/users/:id'), { ...notHttp, path: '/api/users/e' }, problem(400))[0]).toMatch(/naming no field/);
  });

  test('When a body with an undocumented or missing field, or not JSON, is answered 2xx, then it is a violation', () => {
    const ok = (status: number): Answer => ({ status, contentType: 'application/json; charset=utf-8', text: '{"id":1}', replayed: false });
    expect(checkAnswer(orders, placeOrder({ user_id: 1, product_id: 1, quantity: 3, total: 0.01 }), ok(201))[0]).toMatch(/undocumented field\(s\) \["total"\]/);
    expect(checkAnswer(orders, placeOrder({ user_id: 1, product_id: 1 }), ok(201))[0]).toMatch(/without required field\(s\) \["quantity"\]/);
    expect(checkAnswer(orders, { ...valid, headers: { 'content-type': 'text/plain' } }, ok(201))[0]).toMatch(/sent as "text\/plain"/);
    const list = (...query: string[][]): FuzzRequest => ({ ...valid, method: 'GET', carried: { query, body: [], headers: [] } });
    expect(checkAnswer(endpoint('GET /api/users'), list(['colour']), ok(200))[0]).toMatch(/undocumented key\(s\) \["colour"\]/);
    expect(checkAnswer(endpoint('GET /api/users'), list(['limit'], ['colour']), ok(200))[0]).toMatch(/undocumented key\(s\) \["colour"\]/);
    expect(checkAnswer(endpoint('GET /api/users'), list(['%6Cimit', 'limit']), ok(200))).toEqual([]);
    expect(checkAnswer(orders, valid, ok(201))).toEqual([]);
    // A leading byte order mark is ignored, as RFC 8259 allows and the services' parser does.
    const cancel = endpoint('POST /api/orders/:id/cancel');
    expect(checkAnswer(cancel, { ...valid, body: '\uFEFF{}' }, ok(200))).toEqual([]);
    expect(checkAnswer(cancel, { ...valid, body: '\uFEFF{"status":"CANCELLED"}' }, ok(200))[0]).toMatch(/undocumented field\(s\) \["status"\]/);
  });

  test('When a refused case adds a row, or a create adds none or two, then it is a violation; a recorded payment that failed may keep its row', () => {
    const counts = { users: 3, products: 3, orders: 5, payments: 1 };
    expect(checkGrowth(counts, { ...counts, orders: 6 }, allowedGrowth(orders, problem(400)))).toEqual(['orders: 1 row(s) added, 0 allowed']);
    expect(checkGrowth(counts, { ...counts, orders: 6 }, allowedGrowth(orders, { status: 201, replayed: false }))).toEqual([]);
    expect(checkGrowth(counts, counts, allowedGrowth(orders, { status: 201, replayed: false }))).toEqual(['orders: 0 row(s) added, 1 allowed']);
    expect(checkGrowth(counts, counts, allowedGrowth(orders, { status: 201, replayed: true }))).toEqual([]);
    expect(checkGrowth(counts, { ...counts, users: 4 }, allowedGrowth(orders, { status: 201, replayed: false }))).toEqual(['users: 1 row(s) added, 0 allowed', 'orders: 0 row(s) added, 1 allowed']);
    expect(checkGrowth(counts, { ...counts, payments: 2 }, allowedGrowth(endpoint('POST /api/payments'), problem(402)))).toEqual([]);
    expect(checkGrowth(counts, { ...counts, payments: 2 }, allowedGrowth(endpoint('POST /api/payments'), problem(400)))).toEqual(['payments: 1 row(s) added, 0 allowed']);
  });
});

/**
 * Row E1 of the reliability battery: every public endpoint (the gateway's route table and its
 * composed views) fuzzed through the real gateway, on real processes and real SQLite files, with
 * generated path parameters, query strings and bodies (see test/security/generators.ts). Every
 * case: never a 5xx, every 4xx a problem naming a field the request carried, and rows counted in
 * the SQLite files before and after it: refused input stores nothing.
 */
describe(`E1: fuzzing every public endpoint through the gateway (${TOPOLOGY})`, () => {
  let system: SupervisedSystem;
  let rows: RowCounter;
  let fuzzer: Fuzzer;
  const reports: EndpointReport[] = [];

  beforeAll(async () => {
    // No per-client rate limit: the fuzzer is one client sending thousands of requests.
    system = await startSupervisedSystem({ gatewayEnv: { RATE_LIMIT_RPS: '0' } });
    rows = databaseRows(system.databaseDir);
    fuzzer = await createFuzzer({ url: system.url, rows });
  }, 90_000);
  afterAll(async () => {
    if (reports.length > 0) console.log(formatTable(summarise(reports, TOPOLOGY, RUNS, true)));
    await fuzzer?.close();
    rows?.close();
    await system?.stop();
  });

  test.each(ENDPOINTS.map((e) => [e.name, e] as const))('When %s is fuzzed, then never a 5xx, every 4xx is a problem naming a field the request carried, and refused input stores nothing', async (_name, target) => {
    const report = await fuzzer.fuzz(target, { runs: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
    reports.push(report);
    expect(report.failure ?? 'none', `seed ${report.seed}`).toBe('none');
    expect(report.cases).toBe(RUNS);
    expect(report.badRows).toBe(0);
    expect(report.status5xx).toBe(0);
    // The cases reach both sides of the validation: some are refused, some accepted.
    expect(Object.values(report.status4xx).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(report.status2xx).toBeGreaterThan(0);
  }, 120_000);

  test('When an endpoint that closes orders is fuzzed, then as many new PENDING orders as there were are placed first, so that its valid cases can still close one', async () => {
    const before = fuzzer.world.orders;
    await fuzzer.fuzz(endpoint('POST /api/orders/:id/cancel'), { runs: 1 });
    expect(fuzzer.world.orders).toBe(2 * before);
    const placed = Array.from({ length: before }, (_, index) => before + 1 + index);
    const statuses = await Promise.all(placed.map(async (id) => ((await (await fetch(`${system.url}/api/orders/${id}`)).json()) as { status?: string }).status));
    // The one case run may have cancelled one of them.
    expect(statuses.filter((status) => status === 'PENDING').length).toBeGreaterThanOrEqual(before - 1);
    expect(statuses.filter((status) => status !== 'PENDING' && status !== 'CANCELLED')).toEqual([]);
  }, 60_000);
});
