import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { API_CSP, DOCS_CSP, SECURITY_HEADERS } from '../src/web/security-headers.js';
import { UI_CSP } from '../src/web/ui-pages.js';
import { rawRequest, startGateway, type GatewayHarness } from './gateway-harness.js';

/** The headers every answer must carry, whatever it is. */
const EVERY_ANSWER = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function expectSecurityHeaders(headers: Headers | Record<string, string>, csp: string): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : headers[name]) ?? null;
  for (const [name, value] of Object.entries(EVERY_ANSWER)) expect(get(name), name).toBe(value);
  expect(get('content-security-policy')).toBe(csp);
}

describe('Gateway: security headers on every answer', () => {
  let gw: GatewayHarness;
  let uiDir: string;

  beforeAll(async () => {
    uiDir = mkdtempSync(path.join(tmpdir(), 'microshop-ui-'));
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>Microshop</title><script type="module" src="/assets/index-Ab12.js"></script>');
    writeFileSync(path.join(uiDir, 'assets', 'index-Ab12.js'), 'console.log(1)');
    writeFileSync(path.join(uiDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    gw = await startGateway({ uiDir });
    gw.fakes['user-service'].on('GET', '/api/users/:id', () => ({ body: { id: 1, name: 'Ann', email: 'ann@example.com', created_at: '2024-01-01T00:00:00.000Z' } }));
  });
  afterAll(async () => {
    await gw.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  test('The header set is the one the gateway documents', () => {
    expect(SECURITY_HEADERS).toEqual(EVERY_ANSWER);
    expect(API_CSP).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(UI_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  test.each(['/', '/shop', '/orders/7', '/traces/4bf92f3577b34da6a3ce929d0e0e4736'])('A UI page (%s): the UI policy, no inline code allowed, no framing', async (pagePath) => {
    const page = await fetch(`${gw.url}${pagePath}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page.headers, UI_CSP);
    expect(UI_CSP).not.toContain('unsafe-');
  });

  test('A built file of the UI (script, icon): the UI policy too', async () => {
    for (const file of ['/assets/index-Ab12.js', '/favicon.svg']) {
      const answer = await fetch(`${gw.url}${file}`);
      expect(answer.status).toBe(200);
      expectSecurityHeaders(answer.headers, UI_CSP);
    }
  });

  test('A JSON answer (a forwarded one, and one of the gateway itself): the API policy', async () => {
    const forwarded = await fetch(`${gw.url}/api/users/1`);
    expect(forwarded.status).toBe(200);
    expect(forwarded.headers.get('content-type')).toContain('application/json');
    expectSecurityHeaders(forwarded.headers, API_CSP);
    const own = await fetch(`${gw.url}/api/traffic`);
    expect(own.status).toBe(200);
    expectSecurityHeaders(own.headers, API_CSP);
  });

  test('A problem (a 400 naming the field) and a 404 for an unknown path: the API policy', async () => {
    const invalid = await fetch(`${gw.url}/api/users/abc`);
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expectSecurityHeaders(invalid.headers, API_CSP);
    const missing = await fetch(`${gw.url}/no/such/page`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expectSecurityHeaders(missing.headers, API_CSP);
  });

  test('/health, /metrics and /openapi.json: the API policy', async () => {
    for (const route of ['/health', '/metrics', '/openapi.json']) {
      const answer = await fetch(`${gw.url}${route}`);
      expect(answer.status, route).toBe(200);
      expectSecurityHeaders(answer.headers, API_CSP);
    }
  });

  test('The plain API page keeps its own policy (its one inline style, no script), with the other headers', async () => {
    const page = await fetch(`${gw.url}/api`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expectSecurityHeaders(page.headers, csp);
  });

  test('The Swagger UI at /docs: its page and its files under the docs policy (this origin only, no inline code, no framing)', async () => {
    for (const route of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/json']) {
      const answer = await fetch(`${gw.url}${route}`, { redirect: 'manual' });
      expect(answer.status, route).toBeLessThan(400);
      expectSecurityHeaders(answer.headers, DOCS_CSP);
    }
    expect(DOCS_CSP).not.toContain('unsafe-');
    expect(DOCS_CSP).toContain("frame-ancestors 'none'");
  });

  test("An answer Node writes itself (headers too large: 431) carries them too, as a problem", async () => {
    const answer = await rawRequest(gw.url, `GET /api/users/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`);
    expect(answer.status).toBe(431);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expectSecurityHeaders(answer.headers, API_CSP);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 431, type: '/problems/headers-too-large', field: 'headers' });
  });
});
