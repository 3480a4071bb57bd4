import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Problem, Trace, TraceSummary } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTraceStore, type TraceStore } from '../src/domain/trace-store.js';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

const PROGRAM = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/traced-program.mjs');

/** Runs the fixture program with the telemetry preload, exporting to `gatewayUrl`; resolves with what it printed. */
function runTracedProgram(gatewayUrl: string, env: Record<string, string> = {}): Promise<{ code: number | null; traceparent: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', '@microshop/chassis/telemetry/register', PROGRAM], {
      env: { ...process.env, GATEWAY_URL: gatewayUrl, OTEL_SERVICE_NAME: 'esm-program', OTEL_EXPORTER_OTLP_ENDPOINT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith('{"traceparent"'));
      resolve({ code, output, traceparent: line ? (JSON.parse(line) as { traceparent: string }).traceparent : '' });
    });
  });
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
const otlpSpan = (spanId: string, name: string, startNs: bigint, extra: Record<string, unknown> = {}) => ({
  traceId: TRACE,
  spanId,
  name,
  kind: 2,
  startTimeUnixNano: String(startNs),
  endTimeUnixNano: String(startNs + 4_000_000n),
  ...extra,
});

describe('The gateway trace store over HTTP', () => {
  let gw: GatewayHarness;
  let traces: TraceStore;

  beforeAll(async () => {
    traces = createTraceStore({ maxTraces: 50 });
    gw = await startGateway({ traces });
  });
  afterAll(async () => {
    await gw.close();
  });

  test('When a program runs with the telemetry preload, then its spans arrive over OTLP/JSON as one trace: its client call is the parent of the server span that answered it', async () => {
    const run = await runTracedProgram(gw.url);
    expect(run.code, run.output).toBe(0);
    const [, traceId, parentId] = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(run.traceparent) ?? [];
    expect(traceId, `traceparent received: ${run.traceparent}`).toBeDefined();

    const { status, body } = await request<Trace>(gw.url, 'GET', `/api/traces/${traceId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ trace_id: traceId, services: ['esm-program'], span_count: 2, status: 'ok', dropped_spans: 0 });
    const [client] = body.spans;
    expect(client).toMatchObject({ span_id: parentId, parent_span_id: null, kind: 'client', service: 'esm-program', name: 'GET /hello' });
    expect(client?.instance).toMatch(/:\d+$/);
    expect(client?.children).toMatchObject([{ kind: 'server', parent_span_id: parentId, service: 'esm-program', attributes: { 'url.path': '/hello' } }]);

    const listed = await request<TraceSummary[]>(gw.url, 'GET', '/api/traces?service=esm-program');
    expect(listed.body.map((t) => t.trace_id)).toContain(traceId);
  });

  test('When the same program runs with OTEL_SDK_DISABLED=true, then nothing is traced and no trace context is sent', async () => {
    const before = traces.stats().spans;
    const run = await runTracedProgram(gw.url, { OTEL_SERVICE_NAME: 'esm-program-off', OTEL_SDK_DISABLED: 'true' });
    expect(run.code, run.output).toBe(0);
    expect(run.traceparent).toBe('none');
    // The program flushed before it exited: whatever it would have sent has arrived by now.
    expect(traces.stats().spans).toBe(before);
    expect((await request<TraceSummary[]>(gw.url, 'GET', '/api/traces?service=esm-program-off')).body).toEqual([]);
  });

  test('When an export request holds good and bad spans, then the good ones are kept and the bad ones reported as a partial success', async () => {
    const body = {
      resourceSpans: [
        {
          resource: resource('order-service'),
          scopeSpans: [{ spans: [otlpSpan('1000000000000001', 'POST /api/orders', 1_750_000_000_000_000_000n), { ...otlpSpan('1000000000000002', 'x', 1n), spanId: 'nope' }] }],
        },
        {
          resource: resource('product-service'),
          scopeSpans: [{ spans: [otlpSpan('1000000000000003', 'GET /api/products/:id', 1_750_000_000_001_000_000n, { parentSpanId: '1000000000000001', status: { code: 2 } })] }],
        },
      ],
    };
    const answer = await request<{ partialSuccess?: { rejectedSpans: number } }>(gw.url, 'POST', '/v1/traces', body);
    expect(answer).toMatchObject({ status: 200, body: { partialSuccess: { rejectedSpans: 1 } } });

    const trace = await request<Trace>(gw.url, 'GET', `/api/traces/${TRACE}`);
    expect(trace.body).toMatchObject({ root_name: 'POST /api/orders', services: ['order-service', 'product-service'], status: 'error', error_count: 1 });
    expect(trace.body.spans[0]?.children[0]).toMatchObject({ name: 'GET /api/products/:id', offset_ms: 1, duration_ms: 4 });
    const errors = await request<TraceSummary[]>(gw.url, 'GET', '/api/traces?status=error&service=product-service');
    expect(errors.body.map((t) => t.trace_id)).toEqual([TRACE]);
    expect(errors.headers.get('x-total-count')).toBe('1');
  });

  test('When an export is protobuf or not an export request, then it is refused with a problem and nothing is stored', async () => {
    const spans = traces.stats().spans;
    const protobuf = await fetch(`${gw.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([10, 0]) });
    expect(protobuf.status).toBe(415);
    expect(protobuf.headers.get('content-type')).toContain('application/problem+json');
    expect(await request<Problem>(gw.url, 'POST', '/v1/traces', { resourceSpans: 'all of them' })).toMatchObject({ status: 400, body: { field: 'resourceSpans' } });
    expect(traces.stats().spans).toBe(spans);
  });

  test('When a trace is unknown or its id malformed, then 404 and 400 problems name the id', async () => {
    expect(await request<Problem>(gw.url, 'GET', `/api/traces/${'f'.repeat(32)}`)).toMatchObject({ status: 404, body: { field: 'id', title: 'Not found' } });
    expect(await request<Problem>(gw.url, 'GET', '/api/traces/xyz')).toMatchObject({ status: 400, body: { field: 'id' } });
    expect(await request<Problem>(gw.url, 'GET', '/api/traces?status=maybe')).toMatchObject({ status: 400, body: { field: 'status' } });
    expect(await request<Problem>(gw.url, 'GET', '/api/traces?limit=0')).toMatchObject({ status: 400, body: { field: 'limit' } });
    expect(await request<Problem>(gw.url, 'GET', '/api/traces?colour=red')).toMatchObject({ status: 400, body: { field: 'colour' } });
  });

  test('When traces are listed with a limit, then the newest come first and the total is in X-Total-Count', async () => {
    const { body, headers } = await request<TraceSummary[]>(gw.url, 'GET', '/api/traces?limit=1');
    expect(body).toHaveLength(1);
    expect(Number(headers.get('x-total-count'))).toBe(traces.stats().traces);
    const all = await request<TraceSummary[]>(gw.url, 'GET', '/api/traces');
    const starts = all.body.map((t) => Date.parse(t.start));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  test('When spans arrive and traces are read, then that is monitoring, not traffic, in the gateway\'s metrics', async () => {
    await request(gw.url, 'POST', '/v1/traces', { resourceSpans: [] });
    await request(gw.url, 'GET', '/api/traces');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/microshop_http_monitoring_requests_total\{[^}]*route="\/v1\/traces"/);
    expect(metrics).toMatch(/microshop_http_monitoring_requests_total\{[^}]*route="\/api\/traces"/);
    expect(metrics).not.toMatch(/microshop_http_server_requests_total\{[^}]*route="\/(v1|api)\/traces/);
  });

  test('When the API reference is built, then it documents the trace routes', async () => {
    const { body } = await request<{ paths: Record<string, Record<string, { tags: string[] }>> }>(gw.url, 'GET', '/openapi.json');
    expect(body.paths['/api/traces']?.get?.tags).toEqual(['gateway']);
    expect(body.paths['/api/traces/{id}']?.get).toBeDefined();
    expect(body.paths['/v1/traces']?.post).toBeDefined();
  });
});
