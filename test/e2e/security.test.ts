import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { parseExposition, sampleSum } from '@microshop/chassis';
import { ADMIN_TOKEN_HEADER, SERVICE_TOKEN_HEADER, type Order, type Product, type ServiceName, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { onMonolith } from './support/topology.js';

/** One HTTP/1.1 request written byte for byte (no client normalises the path), and its answer. */
async function raw(port: number, head: string, body = ''): Promise<{ status: number; text: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${head.split('\r\n')[0]}`)));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      resolve({ status, text: received });
    });
    // Written, not ended: the server closes the connection once it answered (`connection: close`).
    socket.write(`${head}\r\nconnection: close\r\n${body ? `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`);
  });
}

/** Every spelling of `path` a proxy might map onto it: encodings, case, dots, separators. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const [first = ''] = segments;
  const rest = segments.slice(1).join('/');
  return [
    path,
    `${path}/`,
    `${path};`,
    `${path};a=b`,
    `${path}?x=1`,
    `${path}%00`,
    `${path}%20`,
    `${path}.json`,
    path.toUpperCase(),
    path.replace(/[a-z]/, (c) => c.toUpperCase()),
    `/${segments.join('%2f')}`,
    `/${segments.join('%2F')}`,
    `/${segments.join('%252f')}`,
    `/${first}%2f${rest}`,
    `//${segments.join('/')}`,
    `/./${segments.join('/')}`,
    `/api/users/../..${path}`,
    `/api/users/..%2f..${path}`,
    `/api/users/%2e%2e/%2e%2e${path}`,
    `/api/users/%252e%252e/%252e%252e${path}`,
    `/api/users/1/..%2f..%2f..${path}`,
    `/api/users/..;${path}`,
    `/api/users/1%2f..%2f..%2f..${path}`,
    `/api/users\\..\\..${path}`,
    `/api/users/%5c..%5c..${path}`,
    `/${segments.join('%ef%bc%8f')}`,
    `/${segments.join('/\t')}`,
    `${path}#x`,
  ];
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

/**
 * The routes behind the public door, each with the services it lives on: what no request through
 * port 5000 may reach. `:id` stands for 1.
 */
const INTERNAL_PATHS = [
  '/internal/chaos',
  '/internal/resilience',
  '/internal/events',
  '/internal/events/outbox',
  '/internal/events/outbox/1/retry',
  '/internal/stock',
  '/internal/test/points',
  '/internal/test/crash',
  '/internal/test/fault',
  '/api/orders/1/status',
  '/v1/services',
  '/v1/services/user-service/instances/evil',
  '/v1/charges',
  '/v1/charges/ref-1',
  '/v1/refunds',
  '/v1/ledger',
  '/v1/behaviour',
  '/openapi.json/../internal/chaos',
];

/** The backends' own request counters (not monitoring): a request that reached a service shows here. */
async function backendRequests(system: SupervisedSystem): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const service of ['user-service', 'product-service', 'order-service', 'payment-service', 'payment-provider'] as const) {
    const text = await (await fetch(`${system.baseUrl(service)}/metrics`)).text();
    counts[service] = sampleSum(parseExposition(text), 'microshop_http_server_requests_total');
  }
  return counts;
}

/**
 * Rows E4 and E5 of the reliability battery, service identity and the listening addresses, on the
 * real processes under the supervisor: the public door (the gateway on its port) forwards its
 * allowlist and nothing else, whatever the spelling; behind it, each internal route takes the
 * token of the service allowed to call it and no other; and no secret shows in logs, traces or
 * answers. It runs in both topologies (the e2e-monolith project runs it against the monolith).
 */
describe('Security: the public door, service identity, and secrets', () => {
  let system: SupervisedSystem;
  let gatewayPort: number;
  let user: User;
  let product: Product;
  let order: Order;
  const answers: string[] = [];

  beforeAll(async () => {
    system = await startSupervisedSystem({ logLevel: 'info', tracing: true, env: { MICROSHOP_TEST_HOOKS: '1' } });
    gatewayPort = Number(new URL(system.url).port);
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Sec', email: 'sec@example.com' })).body;
    product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    order = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 3 })).body;
    expect(order.total).toBe(2999.97);
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  test('E4: every internal route × every method × every spelling through the gateway reaches no service', async () => {
    // Settle: the first scrapes and heartbeats are done, nothing else is running.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = await backendRequests(system);
    const statuses = new Map<number, number>();
    let tried = 0;
    const reached: string[] = [];
    for (const path of INTERNAL_PATHS) {
      for (const spelling of spellings(path)) {
        for (const method of METHODS) {
          const body = method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'DELETE' ? '' : '{"status":"PAID","latency_ms":1000,"decline_rate":1}';
          const answer = await raw(gatewayPort, `${method} ${spelling} HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}`, body);
          tried += 1;
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          // 401/403 would mean a service (not the gateway) judged the request; 2xx that something answered it.
          if (answer.status === 0 || answer.status < 400 || answer.status === 401 || answer.status === 403 || answer.status >= 500) reached.push(`${method} ${spelling} → ${answer.status}`);
          if (method !== 'HEAD') answers.push(answer.text);
        }
      }
    }
    const after = await backendRequests(system);
    const combinations = INTERNAL_PATHS.length * spellings(INTERNAL_PATHS[0] ?? '').length * METHODS.length;
    process.stdout.write(`E4: ${tried} requests (${INTERNAL_PATHS.length} internal paths × ${spellings('/x').length} spellings × ${METHODS.length} methods = ${combinations}); answers ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; reached a service: ${reached.length}\n`);
    expect(reached).toEqual([]);
    expect(after).toEqual(before);
    // And nothing changed: the order is unpaid, no fault is active, the provider declines nothing.
    expect((await request<Order>(system.url, 'GET', `/api/orders/${order.id}`)).body.status).toBe('PENDING');
    for (const service of ['user-service', 'product-service', 'order-service', 'payment-service', 'payment-provider'] as const) {
      const chaos = await fetch(`${system.baseUrl(service)}/internal/chaos`, { headers: system.keys.headers('gateway', service) });
      expect(await chaos.json()).toMatchObject({ active: false });
    }
    const provider = await (await fetch(`${system.url}/api/admin/provider`, { headers: { [ADMIN_TOKEN_HEADER]: system.adminToken } })).json();
    expect(provider).toMatchObject({ decline_rate: 0 });
  }, 300_000);

  test('E4: a method override header never turns a public read into a write', async () => {
    for (const header of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      for (const [method, path] of [
        ['GET', `/api/orders/${order.id}`],
        ['POST', `/api/orders/${order.id}/cancel`],
        ['GET', `/api/orders/${order.id}/status`],
      ] as const) {
        const answer = await raw(gatewayPort, `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${header}: PUT`, method === 'POST' ? '{}' : '');
        answers.push(answer.text);
        expect([200, 404, 409], `${method} ${path} with ${header}: ${answer.text.slice(0, 300)}`).toContain(answer.status);
      }
    }
    // The cancel above was a real POST: the order is CANCELLED, never PAID.
    expect((await request<Order>(system.url, 'GET', `/api/orders/${order.id}`)).body.status).toBe('CANCELLED');
  });

  test('E5: an absolute-form URI or an odd Host never sends the gateway to another host', async () => {
    let canaryHits = 0;
    const canary: Server = createServer((_req, res) => {
      canaryHits += 1;
      res.end('canary');
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const canaryPort = (canary.address() as { port: number }).port;
    const elsewhere = `127.0.0.1:${canaryPort}`;
    try {
      const requests = [
        `GET http://${elsewhere}/api/users HTTP/1.1\r\nhost: ${elsewhere}`,
        `GET http://${elsewhere}/internal/chaos HTTP/1.1\r\nhost: ${elsewhere}`,
        `GET http://${elsewhere}/v1/services HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}`,
        `GET /api/users HTTP/1.1\r\nhost: ${elsewhere}`,
        `GET /api/users HTTP/1.1\r\nhost: evil.example`,
        `GET /api/users HTTP/1.1\r\nhost: 127.0.0.1@${elsewhere}`,
        `GET /api/users HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}\r\nx-forwarded-host: ${elsewhere}`,
        `GET /api/users HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}\r\nforwarded: host=${elsewhere};proto=http`,
        `GET /api/users HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}\r\nx-original-url: /internal/chaos\r\nx-rewrite-url: /internal/chaos`,
        `GET @${elsewhere}/api/users HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}`,
        `CONNECT ${elsewhere} HTTP/1.1\r\nhost: ${elsewhere}`,
        `GET /api/users HTTP/1.1\r\nhost: 127.0.0.1:${gatewayPort}\r\nhost: ${elsewhere}`,
      ];
      for (const head of requests) {
        const answer = await raw(gatewayPort, head);
        answers.push(answer.text);
        expect(answer.text).not.toContain('canary');
        expect(answer.status === 401 || answer.status === 403 || answer.status >= 500, `${head}: ${answer.text.slice(0, 300)}`).toBe(false);
      }
      expect(canaryHits).toBe(0);
    } finally {
      await new Promise((resolve) => canary.close(resolve));
    }
  });

  /** Each internal route directly on its service, with who may call it. */
  const direct: { service: ServiceName; method: 'GET' | 'PUT' | 'POST'; path: string; allowed: string; body?: unknown }[] = [
    { service: 'user-service', method: 'GET', path: '/internal/chaos', allowed: 'gateway' },
    { service: 'product-service', method: 'GET', path: '/internal/resilience', allowed: 'gateway' },
    { service: 'product-service', method: 'GET', path: '/internal/stock', allowed: 'gateway' },
    { service: 'order-service', method: 'GET', path: '/internal/events/outbox', allowed: 'gateway' },
    { service: 'order-service', method: 'PUT', path: '/api/orders/999999/status', allowed: 'payment-service', body: { status: 'PAID' } },
    { service: 'payment-service', method: 'GET', path: '/internal/test/points', allowed: 'gateway' },
    { service: 'payment-provider', method: 'GET', path: '/v1/ledger', allowed: 'gateway' },
    { service: 'payment-provider', method: 'GET', path: '/v1/charges/ref-none', allowed: 'payment-service' },
  ];

  test('Service identity: a direct call without a token, with an expired one, with one for another service or from another service is refused', async () => {
    let tried = 0;
    for (const route of direct) {
      const url = `${system.baseUrl(route.service)}${route.path}`;
      const call = async (headers: Record<string, string>) => {
        const response = await fetch(url, { method: route.method, headers: { 'content-type': 'application/json', ...headers }, ...(route.body ? { body: JSON.stringify(route.body) } : {}) });
        const text = await response.text();
        answers.push(text);
        tried += 1;
        return { status: response.status, text };
      };
      const other = route.allowed === 'gateway' ? 'order-service' : 'gateway';
      const cases: [string, Record<string, string>, number][] = [
        ['no token', {}, 401],
        ['an expired token', { [SERVICE_TOKEN_HEADER]: system.keys.token(route.allowed, route.service, { ageS: 600 }) }, 401],
        ['a token for another service', { [SERVICE_TOKEN_HEADER]: system.keys.token(route.allowed, route.service === 'user-service' ? 'product-service' : 'user-service') }, 401],
        [`a valid token of ${other}`, { [SERVICE_TOKEN_HEADER]: system.keys.token(other, route.service) }, 403],
        ['a token that says it lives a day', { [SERVICE_TOKEN_HEADER]: system.keys.token(route.allowed, route.service, { lifetimeS: 86_400 }) }, 401],
      ];
      for (const [name, headers, status] of cases) {
        const answer = await call(headers);
        expect(answer.status, `${route.method} ${route.path} on ${route.service} with ${name}`).toBe(status);
        expect(answer.text).toContain(SERVICE_TOKEN_HEADER);
      }
      // The allowed caller gets past the door (what it then finds is the route's own business).
      const allowed = await call({ [SERVICE_TOKEN_HEADER]: system.keys.token(route.allowed, route.service) });
      expect([200, 404], `${route.method} ${route.path} on ${route.service} as ${route.allowed}`).toContain(allowed.status);
    }
    process.stdout.write(`Service identity: ${tried} direct calls to ${direct.length} internal routes\n`);
  });

  test.skipIf(onMonolith)('Service identity: the registry lists instances to any service, and lets a service register only itself', async () => {
    const registry = system.baseUrl('registry');
    const register = (issuer: string, service: string) =>
      fetch(`${registry}/v1/services/${service}/instances/impostor-1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: system.keys.token(issuer, 'registry') },
        body: JSON.stringify({ host: '127.0.0.1', port: 1, health_path: '/health' }),
      });
    expect((await register('order-service', 'payment-service')).status).toBe(403);
    expect((await register('gateway', 'order-service')).status).toBe(403);
    expect((await fetch(`${registry}/v1/services`)).status).toBe(401);
    const listed = await fetch(`${registry}/v1/services`, { headers: { [SERVICE_TOKEN_HEADER]: system.keys.token('order-service', 'registry') } });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).not.toContain('impostor-1');
  });

  test('Every service listens on loopback only', async () => {
    const listening = new Set<string>();
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const [, local, , state] = line.trim().split(/\s+/);
        if (state === '0A' && local) listening.add(local);
      }
    }
    const instances = system.instances().filter((instance) => instance.port);
    expect(instances.length).toBeGreaterThan(1);
    for (const instance of instances) {
      const port = Number(instance.port).toString(16).toUpperCase().padStart(4, '0');
      const bound = [...listening].filter((local) => local.endsWith(`:${port}`)).map((local) => local.split(':')[0]);
      expect(bound.length, `${instance.instance_id} on port ${instance.port}`).toBeGreaterThan(0);
      // 127.0.0.1 in /proc/net/tcp's byte order, or ::1 in tcp6's.
      for (const address of bound) expect(['0100007F', '00000000000000000000000001000000'], `${instance.instance_id} listens on ${address}`).toContain(address);
    }
  });

  test('Secrets never appear in logs, traces or answers', async () => {
    // Traffic that carries every kind of secret: an admin call, a paid order (service tokens
    // between services), refused calls with wrong credentials.
    const paid = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 })).body;
    expect((await request(system.url, 'POST', '/api/payments', { order_id: paid.id })).status).toBe(201);
    answers.push(await (await fetch(`${system.url}/api/admin/services`, { headers: { [ADMIN_TOKEN_HEADER]: system.adminToken } })).text());
    answers.push(await (await fetch(`${system.url}/api/admin/services`, { headers: { [ADMIN_TOKEN_HEADER]: `${system.adminToken}x` } })).text());
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const traces = await (await fetch(`${system.url}/api/traces?limit=500`)).text();
    const traceIds = [...traces.matchAll(/"trace_id":"([0-9a-f]{32})"/g)].map((m) => m[1]);
    const details = await Promise.all([...new Set(traceIds)].slice(0, 100).map(async (id) => await (await fetch(`${system.url}/api/traces/${id}`)).text()));
    const keySet = readFileSync(system.keys.file, 'utf8');
    const privateKeys = [...keySet.matchAll(/"private": ?"([A-Za-z0-9_-]{43})"/g)].map((m) => m[1] ?? '');
    expect(privateKeys.length).toBeGreaterThanOrEqual(8);
    const secrets = [system.adminToken, ...privateKeys];
    // Any service token at all: every one starts with the same encoded header.
    const tokenPrefix = Buffer.from('{"alg":"EdDSA"').toString('base64url').slice(0, 16);
    const places = { logs: system.output(), traces: [traces, ...details].join('\n'), answers: answers.join('\n') };
    expect(places.logs.length).toBeGreaterThan(10_000);
    expect(details.length).toBeGreaterThan(0);
    for (const [place, text] of Object.entries(places)) {
      for (const secret of secrets) expect(text.includes(secret), `a secret in the ${place}`).toBe(false);
      expect(text.includes(tokenPrefix), `a service token in the ${place}`).toBe(false);
    }
    process.stdout.write(`Secrets: ${secrets.length} secrets and every service token searched in ${places.logs.length} bytes of logs, ${places.traces.length} of traces, ${places.answers.length} of answers: 0 found\n`);
  });
});
