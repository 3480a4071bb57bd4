import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MAX_PAGE_SIZE, TOTAL_COUNT_HEADER, type Order, type Product, type User } from '@microshop/contracts';
import { loadConfig } from '@microshop/gateway';
import { connectRaw, request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { Agent, request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** The gateway's defaults, as a process with no RATE_LIMIT_* set reads them. */
const DEFAULTS = loadConfig({});
/** The headers timeout the gateway process gets here: short, so the slow client's test is quick. */
const HEADERS_TIMEOUT_MS = 2000;

/** Records every Content-Security-Policy violation of a page in `window.__cspViolations`, from before its first script. */
const RECORD_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + (event.sample ? ' (' + event.sample + ')' : ''));
  });`;
const violationsOf = (page: Page) => page.evaluate<string[]>('window.__cspViolations');

/** One GET from a given loopback source address, on a connection of its own. */
function getFrom(baseUrl: string, urlPath: string, localAddress: string): Promise<{ status: number; retryAfter: string | undefined }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port: Number(port), path: urlPath, localAddress, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The gateway as the real process runs it (`npm start`'s supervisor code, the built UI), with its
 * default rate limit: every UI page and the API reference in Chromium under their policies with no
 * violation, the UI never framed by another origin; the page size, the rate limit and the headers
 * timeout as configured through the environment.
 */
describe('The gateway process: security headers in a real browser, and its limits', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let order: Order;

  beforeAll(async () => {
    system = await startSupervisedSystem({
      // The suite turns the rate limit off; this system has the gateway's default.
      gatewayEnv: { RATE_LIMIT_RPS: String(DEFAULTS.RATE_LIMIT_RPS), HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS) },
    });
    const user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Headers', email: 'headers@example.com' })).body;
    const product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Lamp', price: 25 })).body;
    order = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 })).body;
    browser = await launchBrowser();
    await browser.context.addInitScript(RECORD_VIOLATIONS);
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('The built index.html has no inline script and no inline style for the policy to allow', async () => {
    const html = await (await fetch(`${system.url}/shop`)).text();
    expect(html).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test('Every UI page renders in Chromium under the UI policy with no violation and no console error', async () => {
    const traces = await request<{ trace_id: string }[]>(system.url, 'GET', '/api/traces?limit=1');
    const traceId = traces.body[0]?.trace_id ?? '4bf92f3577b34da6a3ce929d0e0e4736';
    const pages = [
      ['/', 'Shop'],
      ['/shop', 'Shop'],
      [`/orders/${order.id}`, `Order #${order.id}`],
      ['/architecture', 'Architecture'],
      ['/traces', 'Traces'],
      [`/traces/${traceId}`, `Trace ${traceId.slice(0, 8)}`],
      ['/charts', 'Metrics'],
      ['/traffic', 'Traffic'],
      ['/events', 'Events'],
      ['/compare', 'Compare'],
    ] as const;
    const page = await browser.newPage();
    for (const [pagePath, title] of pages) {
      const answer = await page.goto(`${system.url}${pagePath}`);
      expect(answer?.status(), pagePath).toBe(200);
      const csp = answer?.headers()['content-security-policy'] ?? '';
      expect(csp, pagePath).toContain("script-src 'self'");
      expect(csp, pagePath).toContain("frame-ancestors 'none'");
      expect(csp, pagePath).not.toContain('unsafe-');
      await page.locator('#main .page-header h1').first().waitFor({ timeout: 15_000 });
      expect(await page.title(), pagePath).toBe(`${title} · Microshop`);
      // A few polls of the live views.
      await page.waitForTimeout(1500);
      expect(await violationsOf(page), pagePath).toEqual([]);
    }
    await page.close();
    // A trace that is not (yet) in the store answers 404; nothing else may fail, nothing may be refused.
    expect(browser.problems(/^404$/)).toEqual([]);
  });

  test('The API reference (/docs) renders in Chromium under its policy with no violation', async () => {
    const page = await browser.newPage();
    const answer = await page.goto(`${system.url}/docs`);
    expect(answer?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 15_000 });
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    expect(await violationsOf(page)).toEqual([]);
    await page.close();
    expect(browser.problems(/^404$/)).toEqual([]);
  });

  test('The policy is enforced, and a violation would be seen: an inline script and an inline style attribute are refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${system.url}/shop`);
    await page.locator('#main .page-header h1').first().waitFor();
    const ran = await page.evaluate<unknown>(`(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inlineRan = true';
      document.head.append(script);
      document.body.setAttribute('style', 'background: red');
      return window.__inlineRan ?? false;
    })()`);
    expect(ran).toBe(false);
    await expect.poll(() => violationsOf(page)).toEqual([expect.stringMatching(/^script-src-elem blocked inline/), expect.stringMatching(/^style-src-attr blocked inline/)]);
    await page.close();
  });

  test('Another origin cannot frame the UI: the frame is refused, while a frame of its own origin renders', async () => {
    const framer = http.createServer((req, res) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.url === '/inner') return void res.end('<!doctype html><p id="inner">framed</p>');
      res.end(`<!doctype html><iframe name="ui" src="${system.url}/shop"></iframe><iframe name="control" src="/inner"></iframe>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    const { port } = framer.address() as { port: number };
    const page = await browser.newPage();
    const refused = page.waitForEvent('console', { predicate: (message) => /frame-ancestors 'none'/.test(message.text()), timeout: 15_000 });
    try {
      await page.goto(`http://127.0.0.1:${port}/`);
      expect((await refused).text()).toMatch(/^Framing '.+' violates the following Content Security Policy directive: "frame-ancestors 'none'"/);
      // The control frame renders: a frame that loads is seen as loaded.
      const control = page.frame({ name: 'control' });
      await control?.locator('#inner').waitFor({ timeout: 10_000 });
      expect(await control?.locator('#inner').textContent()).toBe('framed');
      // The UI's frame holds the browser's error page, never the UI.
      const ui = page.frame({ name: 'ui' });
      expect(ui?.url()).not.toContain(system.url);
      expect(await ui?.locator('#main').count()).toBe(0);
    } finally {
      await page.close();
      // The browser keeps its connections open: dropped, or closing would wait for them.
      framer.closeAllConnections();
      await new Promise((resolve) => framer.close(resolve));
    }
  });

  test('Every answer of the process carries the security headers; JSON under the API policy', async () => {
    const answer = await fetch(`${system.url}/api/users/${order.user_id}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('DENY');
    expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
    expect(answer.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(answer.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  test(`?limit= over ${MAX_PAGE_SIZE} on every list route is capped by the real services: ${MAX_PAGE_SIZE} rows of ${MAX_PAGE_SIZE + 5}`, async () => {
    // More users than a page holds, written straight into the User service's database.
    const db = new Database(path.join(system.databaseDir, 'users.db'));
    const insert = db.prepare('INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)');
    const count = (db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    db.transaction(() => {
      for (let i = count; i < MAX_PAGE_SIZE + 5; i++) insert.run(`Seed ${i}`, `seed-${i}@example.com`, new Date().toISOString());
    })();
    db.close();
    const users = await request<User[]>(system.url, 'GET', '/api/users?limit=5000');
    expect(users.status).toBe(200);
    expect(users.body).toHaveLength(MAX_PAGE_SIZE);
    expect(users.headers.get(TOTAL_COUNT_HEADER)).toBe(String(MAX_PAGE_SIZE + 5));
    const rest = await request<User[]>(system.url, 'GET', `/api/users?limit=100000000000000000000&offset=${MAX_PAGE_SIZE}`);
    expect(rest.body).toHaveLength(5);
    for (const list of ['/api/products', '/api/orders', `/api/orders/user/${order.user_id}`, '/api/payments']) {
      const answer = await request<unknown[]>(system.url, 'GET', `${list}?limit=5000`);
      expect(answer.status, list).toBe(200);
      expect(answer.body.length, list).toBe(Math.min(MAX_PAGE_SIZE, Number(answer.headers.get(TOTAL_COUNT_HEADER))));
      const invalid = await request<{ field?: string }>(system.url, 'GET', `${list}?limit=0`);
      expect([invalid.status, invalid.body.field], list).toEqual([400, 'limit']);
    }
  });

  test(`The default rate limit is on in the process (${DEFAULTS.RATE_LIMIT_RPS}/s, bursts of ${DEFAULTS.RATE_LIMIT_BURST}): one address flooding gets 429s, others do not`, async () => {
    // Forty keep-alive connections from one address, in closed loops, until it is refused (bounded,
    // should it never be).
    const CALLERS = 40;
    const agent = new Agent({ connections: CALLERS, localAddress: '127.0.0.77' });
    const answers: { status: number; retryAfter: string | undefined }[] = [];
    let refused = false;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (!refused && answers.length < 20_000) {
          const { statusCode, headers, body } = await undiciRequest(`${system.url}/api/traffic`, { dispatcher: agent });
          await body.dump();
          const answer = { status: statusCode, retryAfter: typeof headers['retry-after'] === 'string' ? headers['retry-after'] : undefined };
          answers.push(answer);
          refused ||= answer.status === 429;
        }
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    await agent.close();
    const ok = answers.filter((a) => a.status === 200).length;
    const limited = answers.filter((a) => a.status === 429);
    expect(ok + limited.length).toBe(answers.length);
    expect(limited.length).toBeGreaterThan(0);
    for (const { retryAfter } of limited) expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // The burst went through, and no more than the burst and the rate over the time taken (plus those in flight).
    expect(ok).toBeGreaterThanOrEqual(DEFAULTS.RATE_LIMIT_BURST);
    expect(ok).toBeLessThanOrEqual(DEFAULTS.RATE_LIMIT_BURST + DEFAULTS.RATE_LIMIT_RPS * elapsedS + CALLERS);
    // Another address is unaffected; probes never limited.
    expect((await getFrom(system.url, '/api/traffic', '127.0.0.78')).status).toBe(200);
    expect((await getFrom(system.url, '/health', '127.0.0.77')).status).toBe(200);
    // Tracked: this test's two addresses and 127.0.0.1 (the browser's, the other tests').
    const metrics = await (await fetch(`${system.url}/metrics`)).text();
    expect(Number(/^microshop_gateway_rate_limit_clients (\d+)$/m.exec(metrics)?.[1])).toBe(3);
  });

  test(`A client trickling its headers is answered 408 and closed after HEADERS_TIMEOUT_MS (${HEADERS_TIMEOUT_MS} ms)`, async () => {
    const slow = await connectRaw(system.url);
    slow.write('GET /api/users HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
    const trickle = setInterval(() => slow.write('a'), 500);
    const { atMs, text } = await slow.closed;
    clearInterval(trickle);
    expect(atMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(atMs).toBeLessThan(HEADERS_TIMEOUT_MS + 500 + 1000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });
});
