import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawRequest, startGateway, type GatewayHarness } from './gateway-harness.js';

describe('Gateway: the plain API page at /api', () => {
  let gw: GatewayHarness;
  let page: Response;
  let html: string;

  beforeAll(async () => {
    gw = await startGateway();
    page = await fetch(`${gw.url}/api`);
    html = await page.text();
  });
  afterAll(async () => {
    await gw.close();
  });

  test('When /api is opened, then an HTML page comes back with no script, under a policy that allows none', () => {
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test('When /api is opened, then it links the API reference, health and the OpenAPI document', () => {
    for (const href of ['/docs', '/health', '/openapi.json']) expect(html).toContain(`href="${href}"`);
  });

  test('When /api is opened, then it lists every public operation with its service, and not the internal one', () => {
    const rows = [...html.matchAll(/<tr><td class="method"><code>(\w+)<\/code><\/td><td><code>([^<]+)<\/code><\/td><td>[^<]*<\/td><td>([^<]+)<\/td><\/tr>/g)].map(
      ([, method, path, service]) => `${method} ${path} ${service}`,
    );
    expect(rows).toEqual([
      'POST /api/users user-service',
      'GET /api/users user-service',
      'GET /api/users/{id} user-service',
      'POST /api/products product-service',
      'GET /api/products product-service',
      'GET /api/products/{id} product-service',
      'POST /api/products/{id}/restock product-service',
      'POST /api/orders order-service',
      'GET /api/orders order-service',
      'GET /api/orders/{id} order-service',
      'POST /api/orders/{id}/cancel order-service',
      'GET /api/orders/user/{user_id} order-service',
      'POST /api/payments payment-service',
      'GET /api/payments payment-service',
      'GET /api/payments/{id} payment-service',
      'GET /api/payments/{id}/saga payment-service',
      'GET /api/users/{id}/details user-service, order-service, payment-service',
      'GET /api/orders/{id}/details order-service, user-service, product-service, payment-service',
      'GET /api/orders/{id}/timeline order-service, payment-service, product-service',
    ]);
    expect(html).not.toContain('/status');
    expect(gw.allCalls()).toEqual([]);
  });
});

describe('Gateway: / when the web UI has not been built', () => {
  let gw: GatewayHarness;
  let emptyDir: string;

  beforeAll(async () => {
    emptyDir = mkdtempSync(path.join(tmpdir(), 'microshop-no-ui-'));
    gw = await startGateway({ uiDir: emptyDir });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  test('When / is opened, then it is the plain API page, with a hint to build the UI and no script', async () => {
    const page = await fetch(`${gw.url}/`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toContain('<code>npm run build</code>');
    expect(html).toContain('<code>/api/orders/{id}/details</code>');
    expect(html).not.toMatch(/<script/i);
  });

  test('When a UI page such as /shop is opened, then it is a 404 problem: there is no UI to answer it', async () => {
    const page = await fetch(`${gw.url}/shop`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toContain('application/problem+json');
  });
});

describe('Gateway: / when the web UI is built', () => {
  let gw: GatewayHarness;
  let uiDir: string;
  const index = '<!doctype html><html><head><script type="module" src="/assets/index-Ab12_x.js"></script></head><body><div id="root"></div></body></html>';

  beforeAll(async () => {
    uiDir = mkdtempSync(path.join(tmpdir(), 'microshop-ui-'));
    mkdirSync(path.join(uiDir, 'assets'));
    writeFileSync(path.join(uiDir, 'index.html'), index);
    writeFileSync(path.join(uiDir, 'assets', 'index-Ab12_x.js'), 'console.log(1)');
    writeFileSync(path.join(uiDir, 'assets', 'index-Cd34.css'), 'body{}');
    writeFileSync(path.join(uiDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    gw = await startGateway({ uiDir });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(uiDir, { recursive: true, force: true });
  });

  test.each(['/', '/shop', '/architecture', '/traces', '/traces/4bf92f3577b34da6a3ce929d0e0e4736', '/charts', '/traffic', '/compare'])(
    'When %s is opened, then the UI page comes back, not cached, under a policy with no inline code and no framing',
    async (pagePath) => {
      const page = await fetch(`${gw.url}${pagePath}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe(index);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );

  test('When a content-hashed asset is fetched, then it comes with its type and a year-long immutable cache', async () => {
    const script = await fetch(`${gw.url}/assets/index-Ab12_x.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toBe('console.log(1)');
    const style = await fetch(`${gw.url}/assets/index-Cd34.css`);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const icon = await fetch(`${gw.url}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(icon.headers.get('cache-control')).not.toContain('immutable');
  });

  test('When a file that was not built is asked for, or a path leaves the UI folder, then 404 and nothing is read', async () => {
    for (const missing of ['/assets/nope.js', '/assets/..%2findex.html', '/index.html', '/metrics.html', '/assets/', '/assets/../../package.json']) {
      // Sent as written: no client-side clean-up of `..`.
      const answer = await rawRequest(gw.url, `GET ${missing} HTTP/1.1\r\nHost: localhost`);
      expect(answer.status, missing).toBe(404);
      expect(answer.body, missing).not.toContain('microshop');
    }
  });

  test('When /api is opened, then the plain API page is still there, linking back to the UI', async () => {
    const page = await fetch(`${gw.url}/api`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('href="/"');
    expect(html).not.toContain('npm run build');
  });

  test('When the API and health are asked for, then they answer as before: the UI takes only its own paths', async () => {
    gw.fakes['user-service'].on('GET', '/api/users', () => ({ body: [] }));
    const users = await fetch(`${gw.url}/api/users`);
    expect(users.status).toBe(200);
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
  });
});
