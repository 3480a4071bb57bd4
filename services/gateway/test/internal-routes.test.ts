import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { rawRequest, startGateway, type GatewayHarness } from './gateway-harness.js';

/**
 * Ways of asking the gateway for `PUT /api/orders/:id/status`, the Order service's internal
 * endpoint. `{order}` is replaced by the Order service's own address, `host:port`.
 */
const SPELLINGS: [label: string, expected: number, head: string][] = [
  ['PUT /api/orders/1/status', 404, 'PUT /api/orders/1/status HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1%2fstatus', 404, 'PUT /api/orders/1%2fstatus HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1%2Fstatus', 404, 'PUT /api/orders/1%2Fstatus HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/2/..%2f1%2fstatus', 404, 'PUT /api/orders/2/..%2f1%2fstatus HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1%252fstatus (double encoding)', 404, 'PUT /api/orders/1%252fstatus HTTP/1.1\r\nHost: localhost'],
  ['/api/users/../orders/1/status', 404, 'PUT /api/users/../orders/1/status HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/./status', 404, 'PUT /api/orders/1/./status HTTP/1.1\r\nHost: localhost'],
  ['//api/orders/1/status', 404, 'PUT //api/orders/1/status HTTP/1.1\r\nHost: localhost'],
  ['/API/ORDERS/1/STATUS', 404, 'PUT /API/ORDERS/1/STATUS HTTP/1.1\r\nHost: localhost'],
  ['/Api/Orders/1/Status', 404, 'PUT /Api/Orders/1/Status HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/%73tatus', 404, 'PUT /api/orders/1/%73tatus HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/status/ (trailing slash)', 404, 'PUT /api/orders/1/status/ HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1;/status', 404, 'PUT /api/orders/1;/status HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/status;x=1', 404, 'PUT /api/orders/1/status;x=1 HTTP/1.1\r\nHost: localhost'],
  ['/api/orders;x/1/status', 404, 'PUT /api/orders;x/1/status HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/status%00', 404, 'PUT /api/orders/1/status%00 HTTP/1.1\r\nHost: localhost'],
  ['/api/orders/1/status?x=1', 404, 'PUT /api/orders/1/status?x=1 HTTP/1.1\r\nHost: localhost'],
  ['PATCH /api/orders/1/status', 404, 'PATCH /api/orders/1/status HTTP/1.1\r\nHost: localhost'],
  ['POST /api/orders/1/status', 404, 'POST /api/orders/1/status HTTP/1.1\r\nHost: localhost'],
  ['PUT /api/orders/1 (the status route one level up)', 404, 'PUT /api/orders/1 HTTP/1.1\r\nHost: localhost'],
  ['POST with X-HTTP-Method-Override: PUT', 404, 'POST /api/orders/1/status HTTP/1.1\r\nHost: localhost\r\nX-HTTP-Method-Override: PUT'],
  ['POST with X-Method-Override and X-HTTP-Method', 404, 'POST /api/orders/1/status HTTP/1.1\r\nHost: localhost\r\nX-Method-Override: PUT\r\nX-HTTP-Method: PUT'],
  ['GET with ?_method=PUT', 404, 'GET /api/orders/1/status?_method=PUT HTTP/1.1\r\nHost: localhost'],
  ['an absolute-form URI to port 5003', 404, 'PUT http://127.0.0.1:5003/api/orders/1/status HTTP/1.1\r\nHost: 127.0.0.1:5003'],
  ["an absolute-form URI to the Order service's own address", 404, 'PUT http://{order}/api/orders/1/status HTTP/1.1\r\nHost: {order}'],
  ["a Host header naming the Order service", 404, 'PUT /api/orders/1/status HTTP/1.1\r\nHost: {order}'],
  ['X-Forwarded-Host and X-Original-URL headers', 404, 'PUT /api/orders/1/status HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Host: {order}\r\nX-Original-URL: /api/orders/1/status'],
  ['HTTP/1.0 without a Host header', 404, 'PUT /api/orders/1/status HTTP/1.0'],
  ['GET /api/orders/1%2fstatus (a path inside the id)', 400, 'GET /api/orders/1%2fstatus HTTP/1.1\r\nHost: localhost'],
  ['GET /api/orders/..%2f1%2fstatus', 400, 'GET /api/orders/..%2f1%2fstatus HTTP/1.1\r\nHost: localhost'],
  ['GET /api/orders/1;status', 400, 'GET /api/orders/1;status HTTP/1.1\r\nHost: localhost'],
  ['GET /api/orders/1%zz (not decodable)', 400, 'GET /api/orders/1%zz HTTP/1.1\r\nHost: localhost'],
];

describe('Gateway: the internal order status route is not reachable', () => {
  let gw: GatewayHarness;
  let orderHost: string;

  beforeAll(async () => {
    gw = await startGateway();
    orderHost = new URL(gw.fakes['order-service'].url).host;
    // Were anything to get through, the Order service would accept it.
    gw.fakes['order-service'].on('PUT', '/api/orders/:id/status', () => ({ body: { id: 1, status: 'PAID' } }));
    gw.fakes['order-service'].on('GET', '/api/orders/:id/status', () => ({ body: { id: 1, status: 'PAID' } }));
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.resetCalls());

  test.each(SPELLINGS)(
    'When the order status route is asked for as %s, then %i problem and the Order service sees no call',
    async (_label, expected, head) => {
      const { status, headers } = await rawRequest(gw.url, head.replaceAll('{order}', orderHost), '{"status":"PAID"}');
      expect(status).toBe(expected);
      expect(headers['content-type']).toContain('application/problem+json');
      expect(gw.fakes['order-service'].calls).toEqual([]);
      expect(gw.allCalls()).toEqual([]);
    },
  );

  test('When a PUT body is sent to a public path, then 404 and the Order service sees no call', async () => {
    const { status } = await rawRequest(gw.url, 'PUT /api/orders HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json', '{"status":"PAID"}');
    expect(status).toBe(404);
    expect(gw.allCalls()).toEqual([]);
  });
});
