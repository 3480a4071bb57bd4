import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

describe('Gateway: the start page', () => {
  let gw: GatewayHarness;
  let page: Response;
  let html: string;

  beforeAll(async () => {
    gw = await startGateway();
    page = await fetch(`${gw.url}/`);
    html = await page.text();
  });
  afterAll(async () => {
    await gw.close();
  });

  test('When / is opened, then an HTML page comes back with no script, under a policy that allows none', () => {
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
  });

  test('When / is opened, then it links the API reference, health and the OpenAPI document', () => {
    for (const href of ['/docs', '/health', '/openapi.json']) expect(html).toContain(`href="${href}"`);
  });

  test('When / is opened, then it lists every public operation with its service, and not the internal one', () => {
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
      'POST /api/orders order-service',
      'GET /api/orders order-service',
      'GET /api/orders/{id} order-service',
      'GET /api/orders/user/{user_id} order-service',
      'POST /api/payments payment-service',
      'GET /api/payments payment-service',
      'GET /api/users/{id}/details user-service, order-service, payment-service',
      'GET /api/orders/{id}/details order-service, user-service, product-service, payment-service',
    ]);
    expect(html).not.toContain('/status');
    expect(gw.allCalls()).toEqual([]);
  });
});
