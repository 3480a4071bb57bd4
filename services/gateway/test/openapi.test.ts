import { BACKENDS } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { OpenApiDocument } from '../src/domain/merge-openapi.js';
import { startGateway, type GatewayHarness } from './gateway-harness.js';
import { EXPECTED_OPERATIONS, SERVICE_DOCUMENTS } from './openapi-fixtures.js';

const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`))
    .sort();

const docCalls = (gw: GatewayHarness) => BACKENDS.map((s) => gw.fakes[s].calls.filter((c) => c.path === '/openapi.json').length);

describe('Gateway: the merged OpenAPI document', () => {
  let gw: GatewayHarness;
  let clock: number;

  beforeEach(async () => {
    clock = 1_000_000;
    gw = await startGateway({ now: () => clock, docsCacheMs: 30_000 });
    for (const service of BACKENDS) gw.fakes[service].on('GET', '/openapi.json', () => ({ body: SERVICE_DOCUMENTS[service] }));
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When the document is asked for, then it holds exactly the public operations, each tagged with its service', async () => {
    const { status, body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(operationsOf(body)).toEqual(EXPECTED_OPERATIONS);
    expect(body.paths['/api/orders/{id}/status']).toBeUndefined();
    expect(body.paths['/api/users/{id}']?.get?.tags).toEqual(['user-service']);
    expect(body.paths['/api/payments']?.post?.tags).toEqual(['payment-service']);
    expect(body.paths['/api/payments/{id}/saga']?.get?.tags).toEqual(['payment-service']);
    expect(body.paths['/api/orders/{id}/timeline']?.get?.tags).toEqual(['gateway']);
    expect(body.paths['/health']?.get?.tags).toEqual(['gateway']);
    expect(body.tags.map((t) => t.name)).toEqual(['gateway', ...BACKENDS]);
    expect(body.tags.find((t) => t.name === 'order-service')?.description).toBe('Owns orders.');
    expect(body['x-unavailable']).toEqual([]);
  });

  test("When the gateway's own health is documented, then its schema names the services' states", async () => {
    const { body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    const health = JSON.stringify(body.paths['/health']?.get);
    expect(health).toContain('degraded');
    expect(health).toContain('latency_ms');
  });

  test('When two services use one schema name differently, then both survive, and a schema only the internal route used is dropped', async () => {
    const { body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    const schemas = body.components.schemas;
    // SpanNode: the gateway's own trace tree, recursive, so it is a named schema.
    expect(Object.keys(schemas).sort()).toEqual(['Problem', 'SpanNode', 'def-0', 'order-service.def-0']);
    expect(schemas['def-0']).toMatchObject({ description: 'product def-0' });
    expect(schemas['order-service.def-0']).toMatchObject({ description: 'order def-0' });
    expect(JSON.stringify(body.paths['/api/orders']?.post)).toContain('#/components/schemas/order-service.def-0');
    expect(JSON.stringify(body.paths['/api/products']?.post)).toContain('#/components/schemas/def-0');
    expect(JSON.stringify(body)).not.toContain('OrderStatusChange');
    // The internal operation is gone, and with it its tag (a span kind named `internal` may stay).
    expect(JSON.stringify(body)).not.toContain('Set the status (internal)');
    expect(body.tags.map((tag) => tag.name)).not.toContain('internal');
  });

  test('When the Payment service is down and the Product service has no document, then 200 without their operations, both named in x-unavailable', async () => {
    await gw.fakes['payment-service'].close();
    gw.fakes['product-service'].on('GET', '/openapi.json', () => ({ status: 404, body: { status: 404 } }));
    const { status, body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    expect(status).toBe(200);
    expect(body['x-unavailable']).toEqual(['product-service', 'payment-service']);
    expect(operationsOf(body).filter((op) => op.includes('/api/payments') || op.includes('/api/products'))).toEqual([]);
    expect(operationsOf(body)).toContain('get /api/orders/{id}');
  });

  test('When the document is asked for again within 30 s, then the services are not asked again; after 30 s they are', async () => {
    await request(gw.url, 'GET', '/openapi.json');
    await request(gw.url, 'GET', '/openapi.json');
    expect(docCalls(gw)).toEqual([1, 1, 1, 1]);
    clock += 30_001;
    await request(gw.url, 'GET', '/openapi.json');
    expect(docCalls(gw)).toEqual([2, 2, 2, 2]);
  });

  test('When a service was missing, then the next request asks again, and the service reappears once it answers', async () => {
    gw.fakes['user-service'].on('GET', '/openapi.json', () => ({ status: 503, body: { status: 503 } }));
    expect((await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json')).body['x-unavailable']).toEqual(['user-service']);
    gw.fakes['user-service'].on('GET', '/openapi.json', () => ({ body: SERVICE_DOCUMENTS['user-service'] }));
    const { body } = await request<OpenApiDocument>(gw.url, 'GET', '/openapi.json');
    expect(body['x-unavailable']).toEqual([]);
    expect(operationsOf(body)).toContain('get /api/users/{id}');
    expect(docCalls(gw)).toEqual([2, 2, 2, 2]);
  });

  test('When /docs is opened, then Swagger UI is served and reads the merged document', async () => {
    const page = await fetch(`${gw.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('swagger-initializer.js');
    const initializer = await fetch(`${gw.url}/docs/static/swagger-initializer.js`);
    expect(await initializer.text()).toContain("resolveUrl('./json')");

    const { status, body } = await request<OpenApiDocument>(gw.url, 'GET', '/docs/json');
    expect(status).toBe(200);
    expect(body.info.title).toBe('Microshop API');
    expect(operationsOf(body)).toEqual(EXPECTED_OPERATIONS);
  });
});
