import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Order, Payment, Product, SpanNode, Trace, TraceSummary, User } from '@microshop/contracts';
import { freePort, request, startServiceProcess, type ServiceProcess } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from './support/system.js';

type Backend = 'user-service' | 'product-service' | 'order-service' | 'payment-service';
const BACKENDS: Backend[] = ['user-service', 'product-service', 'order-service', 'payment-service'];
const URL_VARIABLE: Record<Backend, string> = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
};
/** Every process runs the way `npm start` runs it: with the telemetry preload. */
const PRELOAD = ['--import', '@microshop/chassis/telemetry/register'];
/** Spans are exported in batches (every 200 ms here): a trace is complete a little after its response. */
const SPANS_ARRIVE_WITHIN_MS = 15_000;

/** Every span of a tree, depth first. */
function flatten(nodes: readonly SpanNode[]): SpanNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}

/** The client span of `service` calling `peer`, and the server span of `peer` that answered it. */
function hop(spans: readonly SpanNode[], service: string, peer: string, path: string): { client: SpanNode; server: SpanNode } {
  const client = spans.find((s) => s.service === service && s.kind === 'client' && s.attributes['peer.service'] === peer && s.name.endsWith(path));
  if (!client) throw new Error(`no call from ${service} to ${peer} ${path} in: ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
  const servers = client.children.filter((s) => s.kind === 'server');
  if (servers.length !== 1 || servers[0]?.service !== peer) throw new Error(`the call ${client.name} from ${service} has no single ${peer} server span as child`);
  return { client, server: servers[0] };
}

/**
 * Tracing across real processes: the four services and the gateway, each in its own process with
 * the telemetry preload, exporting their spans to the gateway's OTLP receiver.
 */
describe('Traces across real processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-tracing-'));
  const processes = {} as Record<Backend | 'gateway', ServiceProcess>;
  let url: string;
  let provider: ServiceProcess | undefined;
  const email = `zelda.${process.pid}@example.com`;
  const telemetryEnv = (name: string, gatewayUrl: string) => ({
    OTEL_SERVICE_NAME: name,
    GATEWAY_URL: gatewayUrl,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_SDK_DISABLED: '',
    LOG_LEVEL: 'info',
  });

  /** The trace, once it holds every span `complete` waits for. */
  async function traceWhen(traceId: string, complete: (spans: SpanNode[]) => boolean): Promise<Trace> {
    return waitFor(async () => {
      const { status, body } = await request<Trace>(url, 'GET', `/api/traces/${traceId}`);
      return status === 200 && complete(flatten(body.spans)) ? body : undefined;
    }, SPANS_ARRIVE_WITHIN_MS);
  }

  beforeAll(async () => {
    const ports = Object.fromEntries(await Promise.all([...BACKENDS, 'gateway'].map(async (s) => [s, await freePort()] as const))) as Record<Backend | 'gateway', number>;
    const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;
    const providerPort = await freePort();
    const urls = { ...Object.fromEntries(BACKENDS.map((s) => [URL_VARIABLE[s], `http://127.0.0.1:${ports[s]}`])), PAYMENT_PROVIDER_URL: `http://127.0.0.1:${providerPort}` };
    provider = await startServiceProcess('payment-provider', { ...telemetryEnv('payment-provider', gatewayUrl), PORT: String(providerPort), DATABASE_FILE: path.join(dir, 'provider.db') }, 20_000, PRELOAD);
    await Promise.all(
      BACKENDS.map(async (service) => {
        const env = { ...urls, ...telemetryEnv(service, gatewayUrl), PORT: String(ports[service]), DATABASE_FILE: path.join(dir, `${service}.db`) };
        processes[service] = await startServiceProcess(service, env, 20_000, PRELOAD);
      }),
    );
    processes.gateway = await startServiceProcess('gateway', { ...urls, ...telemetryEnv('gateway', gatewayUrl), PORT: String(ports.gateway) }, 20_000, PRELOAD);
    url = processes.gateway.url;
  });

  afterAll(async () => {
    await Promise.all(Object.values(processes).map((p) => p.stop()));
    await provider?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let orderTraceId = '';
  let userTraceId = '';

  test('Creating an order through the gateway makes one trace: gateway → order-service → user-service and product-service, each call the parent of the span that answered it', async () => {
    const user = await request<User>(url, 'POST', '/api/users', { name: 'Zelda Quux', email });
    expect(user.status).toBe(201);
    userTraceId = user.headers.get('x-trace-id') ?? '';
    const product = await request<Product>(url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 });
    const order = await request<Order>(url, 'POST', '/api/orders', { user_id: user.body.id, product_id: product.body.id, quantity: 3 });
    expect(order).toMatchObject({ status: 201, body: { total: 2999.97 } });
    orderTraceId = order.headers.get('x-trace-id') ?? '';
    expect(orderTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(order.headers.get('x-request-id')).toBeTruthy();
    expect(userTraceId).toMatch(/^[0-9a-f]{32}$/);
    expect(userTraceId).not.toBe(orderTraceId);

    const trace = await traceWhen(orderTraceId, (spans) => spans.some((s) => s.name === 'INSERT orders') && spans.filter((s) => s.kind === 'server').length >= 4);
    expect(trace).toMatchObject({ trace_id: orderTraceId, root_name: 'POST /api/orders', root_service: 'gateway', status: 'ok' });
    // In the order they joined: the gateway, the order service, then its two neighbours (called at once).
    expect(trace.services.slice(0, 2)).toEqual(['gateway', 'order-service']);
    expect([...trace.services].sort()).toEqual(['gateway', 'order-service', 'product-service', 'user-service']);

    // One root: the gateway's server span; everything else hangs below it.
    expect(trace.spans).toHaveLength(1);
    const [root] = trace.spans;
    expect(root).toMatchObject({ service: 'gateway', kind: 'server', name: 'POST /api/orders', parent_span_id: null });
    const spans = flatten(trace.spans);
    expect(spans.length).toBe(trace.span_count);

    const toOrder = hop(spans, 'gateway', 'order-service', '/api/orders');
    expect(toOrder.server).toMatchObject({ name: 'POST /api/orders', parent_span_id: toOrder.client.span_id });
    const toUser = hop(spans, 'order-service', 'user-service', `/api/users/${user.body.id}`);
    expect(toUser.server).toMatchObject({ name: 'GET /api/users/:id', parent_span_id: toUser.client.span_id });
    const toProduct = hop(spans, 'order-service', 'product-service', `/api/products/${product.body.id}`);
    expect(toProduct.server).toMatchObject({ name: 'GET /api/products/:id', parent_span_id: toProduct.client.span_id });
    // Both neighbour calls were made while the order service handled the forwarded request.
    const orderSpans = flatten([toOrder.server]);
    expect(orderSpans).toContain(toUser.client);
    expect(orderSpans).toContain(toProduct.client);

    const pricing = orderSpans.find((s) => s.name === 'order.price');
    expect(pricing).toMatchObject({ service: 'order-service', kind: 'internal', attributes: { 'order.quantity': 3, 'order.total_cents': 299_997 } });
    const insert = orderSpans.find((s) => s.name === 'INSERT orders');
    expect(insert).toMatchObject({ kind: 'client', attributes: { 'db.system': 'sqlite' } });
    expect(insert?.attributes['db.statement']).toMatch(/^insert into "orders" \(.*\) values \(\?(, \?)*\)/);
    expect(flatten([toUser.server]).map((s) => s.name)).toContain('SELECT users');
    expect(flatten([toProduct.server]).map((s) => s.name)).toContain('SELECT products');
  });

  test('The trace id of the response finds the trace in the list, filtered by any service it crossed and by none it did not', async () => {
    const ids = async (query: string) => (await request<TraceSummary[]>(url, 'GET', `/api/traces?${query}`)).body.map((t) => t.trace_id);
    expect(await ids('service=product-service')).toContain(orderTraceId);
    expect(await ids('service=user-service&status=ok')).toContain(orderTraceId);
    expect(await ids('service=payment-service')).not.toContain(orderTraceId);
    expect(await ids('status=error')).not.toContain(orderTraceId);
    // Order's relay delivering OrderCreated to Product makes traces of its own, newer than the order's.
    const summaries = (await request<TraceSummary[]>(url, 'GET', '/api/traces?service=order-service&limit=50')).body;
    expect(summaries.find((t) => t.trace_id === orderTraceId)).toMatchObject({ root_name: 'POST /api/orders' });
  });

  test('Database spans carry statements and never the values: the new user\'s email appears in no span of any trace', async () => {
    const trace = await traceWhen(userTraceId, (spans) => spans.some((s) => s.name === 'INSERT users'));
    const insert = flatten(trace.spans).find((s) => s.name === 'INSERT users');
    expect(insert).toMatchObject({ service: 'user-service', attributes: { 'db.system': 'sqlite', 'db.operation.name': 'INSERT', 'db.collection.name': 'users' } });
    expect(insert?.attributes['db.statement']).toMatch(/^insert into "users" \("name", "email", "created_at"\) values \(\?, \?, \?\)/);

    const all = (await request<TraceSummary[]>(url, 'GET', '/api/traces?limit=1000')).body;
    // The user, the product and the order at least.
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const { trace_id } of all) {
      const text = JSON.stringify((await request<Trace>(url, 'GET', `/api/traces/${trace_id}`)).body);
      expect(text).not.toContain(email);
      expect(text).not.toContain('Zelda');
    }
  });

  test('The log lines of the request carry the same trace id, in every process it crossed, one request line each naming the method and URL', async () => {
    type Line = { trace_id?: string; span_id: string; service: string; instance: string; msg: string; req?: { method?: string; url?: string }; res?: { statusCode?: number }; responseTime?: number };
    const linesOf = (name: Backend | 'gateway') =>
      processes[name]
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Line)
        .filter((line) => line.trace_id === orderTraceId);
    for (const name of ['gateway', 'order-service', 'user-service', 'product-service'] as const) {
      const lines = await waitFor(() => {
        const found = linesOf(name);
        return found.some((l) => l.msg === 'request completed') ? found : undefined;
      }, 5000);
      for (const line of lines) {
        expect(line).toMatchObject({ trace_id: orderTraceId, service: name });
        expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
        expect(line.instance).toMatch(new RegExp(`:${processes[name].pid}$`));
      }
      // One line per request, at its end: no "incoming request" line before it.
      expect(lines.map((l) => l.msg)).not.toContain('incoming request');
      const completed = lines.filter((l) => l.msg === 'request completed');
      expect(completed.length).toBeGreaterThanOrEqual(1);
      for (const line of completed) {
        expect(line.req).toMatchObject({ method: expect.stringMatching(/^(GET|POST)$/), url: expect.stringMatching(/^\//) });
        expect(line.res?.statusCode).toBeGreaterThanOrEqual(200);
        expect(line.responseTime).toBeGreaterThan(0);
      }
    }
    // The request the client sent, as the gateway logged it.
    expect(linesOf('gateway').find((l) => l.msg === 'request completed')?.req).toMatchObject({ method: 'POST', url: '/api/orders' });
    expect(linesOf('payment-service')).toEqual([]);
  });

  test('Paying makes one trace: gateway → payment-service → order-service (read), payment-provider (charge), order-service (set PAID), with the payment recorded and each saga step in a span of its own', async () => {
    const orders = (await request<Order[]>(url, 'GET', '/api/orders?embed=false')).body;
    const payment = await request<Payment>(url, 'POST', '/api/payments', { order_id: orders[0]?.id });
    expect(payment).toMatchObject({ status: 201, body: { status: 'COMPLETED' } });
    const traceId = payment.headers.get('x-trace-id') ?? '';

    const trace = await traceWhen(traceId, (spans) => spans.some((s) => s.name === 'UPDATE payments') && spans.filter((s) => s.kind === 'server').length >= 5);
    expect(trace.spans).toHaveLength(1);
    expect(trace).toMatchObject({ root_name: 'POST /api/payments', status: 'ok' });
    expect([...trace.services].sort()).toEqual(['gateway', 'order-service', 'payment-provider', 'payment-service']);
    const spans = flatten(trace.spans);
    const toPayment = hop(spans, 'gateway', 'payment-service', '/api/payments');
    expect(toPayment.server.name).toBe('POST /api/payments');
    const read = hop(spans, 'payment-service', 'order-service', `/api/orders/${orders[0]?.id}`);
    expect(read.server).toMatchObject({ name: 'GET /api/orders/:id', parent_span_id: read.client.span_id });
    const paid = hop(spans, 'payment-service', 'order-service', `/api/orders/${orders[0]?.id}/status`);
    expect(paid.server).toMatchObject({ name: 'PUT /api/orders/:id/status', parent_span_id: paid.client.span_id });
    expect(flatten([paid.server]).map((s) => s.name)).toContain('UPDATE orders');
    const charged = hop(spans, 'payment-service', 'payment-provider', '/v1/charges');
    expect(charged.server.name).toBe('POST /v1/charges');

    const record = spans.find((s) => s.name === 'payment.record');
    expect(record).toMatchObject({ service: 'payment-service', attributes: { 'order.id': orders[0]?.id, 'payment.amount_cents': 299_997 } });
    expect(record?.children.map((s) => s.name)).toContain('INSERT payments');
    // The saga's steps in order: recorded, charged, then the order set PAID (ADR 0006, 0014).
    const step = (name: string) => spans.find((s) => s.name === name);
    expect(step('saga.charge')?.offset_ms).toBeGreaterThan(record?.offset_ms ?? Infinity);
    expect(step('saga.confirm')?.offset_ms).toBeGreaterThan(step('saga.charge')?.offset_ms ?? Infinity);
    expect(charged.client.offset_ms).toBeLessThan(paid.client.offset_ms);
  });

  test('With OTEL_SDK_DISABLED=true, a service started with the preload runs untraced: no trace header, no trace ids in its logs', async () => {
    const port = await freePort();
    const env = { ...telemetryEnv('user-service', url), OTEL_SDK_DISABLED: 'true', PORT: String(port), DATABASE_FILE: path.join(dir, 'untraced.db') };
    const untraced = await startServiceProcess('user-service', env, 20_000, PRELOAD);
    try {
      const created = await request<User>(untraced.url, 'POST', '/api/users', { name: 'Off', email: 'off@example.com' });
      expect(created.status).toBe(201);
      expect(created.headers.get('x-trace-id')).toBeNull();
      expect(created.headers.get('x-request-id')).toBeTruthy();
      await waitFor(() => untraced.output().includes('request completed'), 5000);
      expect(untraced.output()).not.toContain('trace_id');
    } finally {
      await untraced.stop();
    }
  });
});
