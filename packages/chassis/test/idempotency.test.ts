import { createTestDatabase, DIALECTS, listenOnFreePort, type TestDatabase } from '@microshop/testkit';
import { Type } from 'typebox';
import { afterEach, describe, expect, test } from 'vitest';
import { AppError } from '../src/errors.js';
import { canonicalJson, createIdempotencyStore, idempotencyMigration, registerIdempotency, type IdempotencyTables } from '../src/idempotency/index.js';
import { createServer, type App } from '../src/server.js';

const KEY = 'idempotency-key';

interface Harness {
  url: string;
  /** How many times the handler really ran. */
  runs(): number;
  /** Makes the next requests wait until `release()` (a slow first request). */
  hold(): { release(): void };
  failNext(status: number): void;
  testDb: TestDatabase<IdempotencyTables>;
}

const opened: { app: App; testDb: TestDatabase<IdempotencyTables> }[] = [];
afterEach(async () => {
  for (const { app, testDb } of opened.splice(0)) {
    await app.close();
    await testDb.drop();
  }
});

/** A toy service with one idempotent POST that creates "things" with a counter, on a real database. */
async function startHarness(dialect: (typeof DIALECTS)[number], options: { now?: () => number; leaseMs?: number; ttlMs?: number } = {}): Promise<Harness> {
  const testDb = await createTestDatabase<IdempotencyTables>(dialect, { '0001-idempotency': idempotencyMigration });
  const app = await createServer({ name: 'toy-service', logLevel: false, docs: false });
  registerIdempotency(app, { db: testDb.database.db, ...options });
  let runs = 0;
  let gate: Promise<void> | undefined;
  let failWith: number | undefined;
  app.post(
    '/things',
    { config: { idempotent: true }, schema: { body: Type.Object({ name: Type.String(), size: Type.Optional(Type.Integer()) }, { additionalProperties: false }) } },
    async (request, reply) => {
      runs++;
      await gate;
      if (failWith !== undefined) {
        const status = failWith;
        failWith = undefined;
        throw new AppError({ status, code: 'boom', title: 'Failed', detail: `failed with ${status}` });
      }
      return reply.code(201).send({ id: runs, ...(request.body as object), at: `${Date.now()}-${Math.random()}` });
    },
  );
  app.post('/plain', async () => ({ runs: ++runs }));
  const url = await listenOnFreePort(app);
  opened.push({ app, testDb });
  return {
    url,
    runs: () => runs,
    hold() {
      let release = () => undefined as void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return {
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
    failNext: (status) => void (failWith = status),
    testDb,
  };
}

async function post(url: string, path: string, body: unknown, key?: string) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { [KEY]: key }) }, body: JSON.stringify(body) });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe.each(DIALECTS)('Idempotency-Key on %s', (dialect) => {
  test('When the same key is sent 20 times (10 at once, then 10 more), then the handler runs once and every answer that is not a 409 is the first, byte for byte', async () => {
    const h = await startHarness(dialect);
    const gate = h.hold();
    const concurrent = Array.from({ length: 10 }, () => post(h.url, '/things', { name: 'lamp' }, 'key-a2'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    gate.release();
    const first = await Promise.all(concurrent);
    const later = await Promise.all(Array.from({ length: 10 }, () => post(h.url, '/things', { name: 'lamp' }, 'key-a2')));
    expect(h.runs()).toBe(1);
    const created = [...first, ...later].filter((r) => r.status === 201);
    const conflicts = first.filter((r) => r.status === 409);
    expect(created.length + conflicts.length).toBe(20);
    expect(later.every((r) => r.status === 201)).toBe(true);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    expect(later.every((r) => r.headers.get('idempotent-replayed') === 'true')).toBe(true);
    expect(conflicts.every((r) => r.headers.get('retry-after') === '1' && r.headers.get('content-type')?.startsWith('application/problem+json'))).toBe(true);
  });

  test('When the same key comes with another body, then 422 naming Idempotency-Key, and nothing runs; the same body in another key order is the same request', async () => {
    const h = await startHarness(dialect);
    expect((await post(h.url, '/things', { name: 'lamp', size: 2 }, 'key-a3')).status).toBe(201);
    const other = await post(h.url, '/things', { name: 'desk' }, 'key-a3');
    expect(other.status).toBe(422);
    expect(JSON.parse(other.text)).toMatchObject({ status: 422, invalid_params: [{ name: 'Idempotency-Key' }] });
    expect((await post(h.url, '/things', { size: 2, name: 'lamp' }, 'key-a3')).headers.get('idempotent-replayed')).toBe('true');
    expect(h.runs()).toBe(1);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  test('When the key is longer than 255 characters or empty, then 400 naming Idempotency-Key, nothing runs and nothing is stored', async () => {
    const h = await startHarness(dialect);
    for (const key of ['k'.repeat(256), '']) {
      const answer = await post(h.url, '/things', { name: 'lamp' }, key);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ invalid_params: [{ name: 'Idempotency-Key' }] });
    }
    expect((await post(h.url, '/things', { name: 'lamp' }, 'k'.repeat(255))).status).toBe(201);
    expect(h.runs()).toBe(1);
    const rows = await h.testDb.database.db.selectFrom('idempotency_keys').select('key').execute();
    expect(rows.map((r) => r.key.length)).toEqual([255]);
  });

  test('When the body is invalid, then 400 and the key stays free for a valid request', async () => {
    const h = await startHarness(dialect);
    expect((await post(h.url, '/things', { nom: 'lamp' }, 'key-invalid')).status).toBe(400);
    expect((await post(h.url, '/things', { name: 'lamp' }, 'key-invalid')).status).toBe(201);
  });

  test('When the first answer is a 5xx, then the key is released and a retry runs again; a 4xx answer is stored and replayed', async () => {
    const h = await startHarness(dialect);
    h.failNext(503);
    expect((await post(h.url, '/things', { name: 'lamp' }, 'key-5xx')).status).toBe(503);
    const retry = await post(h.url, '/things', { name: 'lamp' }, 'key-5xx');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    h.failNext(409);
    const refused = await post(h.url, '/things', { name: 'desk' }, 'key-4xx');
    const again = await post(h.url, '/things', { name: 'desk' }, 'key-4xx');
    expect([refused.status, again.status]).toEqual([409, 409]);
    expect(again.text).toBe(refused.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(h.runs()).toBe(3);
  });

  test('When a key is still running past its lease (its process died), then a retry takes it over and runs once', async () => {
    let clock = 1_000_000;
    const h = await startHarness(dialect, { now: () => clock, leaseMs: 1000 });
    const store = createIdempotencyStore(h.testDb.database.db);
    // A request that claimed the key and never finished.
    expect(await store.claim('key-orphan', 'a-fingerprint-that-matches-nothing', clock, 1000)).toEqual({ kind: 'claimed' });
    await h.testDb.database.db.deleteFrom('idempotency_keys').execute();
    await post(h.url, '/plain', {});
    const gate = h.hold();
    const first = post(h.url, '/things', { name: 'lamp' }, 'key-lease');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await post(h.url, '/things', { name: 'lamp' }, 'key-lease')).status).toBe(409);
    clock += 1001;
    const takeover = post(h.url, '/things', { name: 'lamp' }, 'key-lease');
    await new Promise((resolve) => setTimeout(resolve, 100));
    gate.release();
    const answers = await Promise.all([first, takeover]);
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    // /plain once, then the first request and the takeover: the lease is what makes a second run possible.
    expect(h.runs()).toBe(3);
  });

  test('When a key is older than the TTL, then it is deleted and the request can run again', async () => {
    let clock = 5_000_000;
    const h = await startHarness(dialect, { now: () => clock, ttlMs: 10_000 });
    expect((await post(h.url, '/things', { name: 'lamp' }, 'key-old')).status).toBe(201);
    clock += 10_001;
    const store = createIdempotencyStore(h.testDb.database.db);
    expect(await store.expire(clock - 10_000)).toBe(1);
    const again = await post(h.url, '/things', { name: 'lamp' }, 'key-old');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(h.runs()).toBe(2);
  });

  test('When a request has no key, or the route is not idempotent, then nothing is stored', async () => {
    const h = await startHarness(dialect);
    await post(h.url, '/things', { name: 'lamp' });
    await post(h.url, '/plain', {}, 'key-plain');
    await post(h.url, '/plain', {}, 'key-plain');
    expect(h.runs()).toBe(3);
    expect(await h.testDb.database.db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([]);
  });
});
