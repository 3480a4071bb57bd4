import { freePort, startFakeService, type FakeService } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseExposition, sampleSum, type Sample } from '../src/metrics/exposition.js';
import { metricsRegistry } from '../src/metrics/registry.js';
import { createServiceClient, type ServiceClient } from '../src/service-client.js';

const CALLS = 'microshop_http_client_requests_total';
const DURATION = 'microshop_http_client_request_duration_seconds';
const TIMEOUT_MS = 200;

const scrape = async (): Promise<Sample[]> => parseExposition(await metricsRegistry.metrics());

/** Runs `act` and returns how much each outcome of calls to `target` moved meanwhile. */
async function outcomesOf(target: string, act: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = await scrape();
  await act().catch(() => undefined);
  const after = await scrape();
  const moved: Record<string, number> = {};
  for (const outcome of ['ok', 'client_error', 'server_error', 'timeout', 'unreachable', 'not_sent']) {
    const delta = sampleSum(after, CALLS, { target, outcome }) - sampleSum(before, CALLS, { target, outcome });
    if (delta !== 0) moved[outcome] = delta;
  }
  return moved;
}

describe('Chassis metrics: calls to other services', () => {
  let fake: FakeService;
  let client: ServiceClient;

  beforeAll(async () => {
    fake = await startFakeService();
    fake.on('GET', '/api/things/:id', (_call, { id }) => {
      if (id === '404') return { status: 404, body: { title: 'Not found' } };
      if (id === '500') return { status: 500, body: { title: 'Boom' } };
      if (id === '503') return { status: 503, body: { title: 'Down' } };
      if (id === 'slow') return { hang: true };
      return { body: { id: Number(id) } };
    });
    fake.on('POST', '/api/things', () => ({ status: 201, body: { id: 1 } }));
    client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: TIMEOUT_MS });
  });
  afterAll(async () => {
    await client.close();
    await fake.close();
  });

  test('When a call is answered 200, then it counts as ok under the target and method, and its duration is recorded', async () => {
    const before = await scrape();
    await client.call({ path: '/api/things/1' });
    await client.call({ method: 'POST', path: '/api/things', body: {} });
    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => sampleSum(after, name, labels) - sampleSum(before, name, labels);

    expect(moved(CALLS, { target: 'thing-service', method: 'GET', outcome: 'ok' })).toBe(1);
    expect(moved(CALLS, { target: 'thing-service', method: 'POST', outcome: 'ok' })).toBe(1);
    expect(moved(`${DURATION}_count`, { target: 'thing-service', method: 'GET', outcome: 'ok' })).toBe(1);
    expect(moved(`${DURATION}_sum`, { target: 'thing-service', method: 'GET', outcome: 'ok' })).toBeGreaterThan(0);
  });

  test('When the answer is 404, then the outcome is client_error', async () => {
    expect(await outcomesOf('thing-service', () => client.call({ path: '/api/things/404' }))).toEqual({ client_error: 1 });
  });

  test('When the answer is 500 or 503, thrown or passed on, then the outcome is server_error', async () => {
    expect(await outcomesOf('thing-service', () => client.call({ path: '/api/things/500' }))).toEqual({ server_error: 1 });
    expect(await outcomesOf('thing-service', () => client.call({ path: '/api/things/503', passServerErrors: true }))).toEqual({ server_error: 1 });
  });

  test('When the neighbour does not answer within the budget, then the outcome is timeout', async () => {
    expect(await outcomesOf('thing-service', () => client.call({ path: '/api/things/slow' }))).toEqual({ timeout: 1 });
  });

  test('When nothing listens on the port, then the outcome is unreachable', async () => {
    const nowhere = createServiceClient({ service: 'gone-service', baseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: TIMEOUT_MS });
    try {
      expect(await outcomesOf('gone-service', () => nowhere.call({ path: '/api/things/1' }))).toEqual({ unreachable: 1 });
    } finally {
      await nowhere.close();
    }
  });

  test("When the request's deadline has already passed, then the call is not sent and counts as not_sent", async () => {
    const calls = fake.calls.length;
    expect(await outcomesOf('thing-service', () => client.call({ path: '/api/things/1', deadline: Date.now() - 1 }))).toEqual({ not_sent: 1 });
    expect(fake.calls.length).toBe(calls);
  });

  test('When a monitoring client calls, then nothing is counted', async () => {
    const probe = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: TIMEOUT_MS, monitoring: true });
    try {
      expect(await outcomesOf('thing-service', () => probe.call({ path: '/api/things/1' }))).toEqual({});
      expect(fake.calls.at(-1)?.path).toBe('/api/things/1');
    } finally {
      await probe.close();
    }
  });

  test('When a call asks for text, then the body comes back as the text received', async () => {
    const { status, body } = await client.call<string>({ path: '/api/things/7', responseType: 'text' });
    expect(status).toBe(200);
    expect(body).toBe('{"id":7}');
  });
});
