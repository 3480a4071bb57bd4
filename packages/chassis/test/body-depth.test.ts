import type { Problem } from '@microshop/contracts';
import { listenOnFreePort } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type App } from '../src/server.js';
import { MAX_BODY_DEPTH, nestedDeeperThan } from '../src/validation.js';

/** `[[…[1]…]]`, `depth` arrays deep, as JSON text. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
/** `{"a":{"a":…}}`, `depth` objects deep, as JSON text. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe('Body nesting depth', () => {
  test('When values nest, then only what goes beyond the limit counts as too deep; scalars and {} are within any', () => {
    expect(nestedDeeperThan(1, 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 3)).toBe(false);
    expect(nestedDeeperThan({ a: [1, { b: 2 }] }, 2)).toBe(true);
    expect(nestedDeeperThan(JSON.parse(nestedArrays(100_000)), MAX_BODY_DEPTH)).toBe(true);
  });

  describe('on a server', () => {
    let app: App;
    let url: string;

    beforeAll(async () => {
      app = await createServer({ name: 'depth-test', logLevel: false, docs: false, chaos: false, bodyLimit: 1_000_000 });
      // What a gateway does with a body it passes on: serialise it again (recursively).
      app.post('/echo', async (request) => ({ length: JSON.stringify(request.body).length }));
      url = await listenOnFreePort(app);
    });
    afterAll(async () => {
      await app.close();
    });

    const post = async (text: string) => {
      const response = await fetch(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
      return { status: response.status, contentType: response.headers.get('content-type'), body: (await response.json()) as Problem };
    };

    test(`When a body nests ${MAX_BODY_DEPTH} levels, then it is accepted`, async () => {
      expect((await post(nestedArrays(MAX_BODY_DEPTH))).status).toBe(200);
      expect((await post(nestedObjects(MAX_BODY_DEPTH))).status).toBe(200);
    });

    // Found by the fuzzing of the public API: 5,000 levels parsed, then overflowed the stack in
    // JSON.stringify at the gateway, a 500.
    test.each([
      ['arrays one level too deep', nestedArrays(MAX_BODY_DEPTH + 1)],
      ['objects one level too deep', nestedObjects(MAX_BODY_DEPTH + 1)],
      ['arrays 100,000 levels deep', nestedArrays(100_000)],
      ['objects 20,000 levels deep', nestedObjects(20_000)],
    ])('When a body has %s, then 400 naming body, not a 500', async (_case, text) => {
      const { status, contentType, body } = await post(text);
      expect(status).toBe(400);
      expect(contentType).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 400, field: 'body' });
      expect(body.detail).toContain(String(MAX_BODY_DEPTH));
    });
  });
});
