import { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../src/errors.js';
import { loggerOptions } from '../src/logger.js';
import { readTelemetrySettings, serviceNameFromPath } from '../src/telemetry/config.js';
import { fanOutExporter, gatewayExporter } from '../src/telemetry/exporters.js';
import { serviceInstanceId } from '../src/telemetry/instance.js';
import { receiveOwnSpans } from '../src/telemetry/own-spans.js';
import type { SpanRecord } from '../src/telemetry/span-record.js';
import { traced } from '../src/telemetry/traced.js';
import { isUntracedPath } from '../src/telemetry/untraced-paths.js';
import { startInMemoryTracing, type InMemoryTracing } from './support/in-memory-tracing.js';

let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = startInMemoryTracing();
});
afterAll(async () => {
  await tracing.stop();
});

const inSpan = <T>(work: () => T): T => trace.getTracer('test').startActiveSpan('request', (span) => {
  try {
    return work();
  } finally {
    span.end();
  }
});

describe('Telemetry settings', () => {
  test('When nothing is set, then spans go to the gateway on the default port, and the service is named after its folder', () => {
    expect(readTelemetrySettings({}, '/srv/microshop/services/order-service/dist/main.js', '/srv')).toEqual({
      enabled: true,
      serviceName: 'order-service',
      toGateway: true,
      gatewayTracesUrl: 'http://127.0.0.1:5000/v1/traces',
      toBackend: false,
      exportDelayMs: 1000,
    });
    expect(serviceNameFromPath(undefined, '/home/ann/tool')).toBe('tool');
  });

  test('When a backend is configured, then spans go there instead, unless TRACES_TO_GATEWAY keeps the gateway too', () => {
    const backend = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_SERVICE_NAME: 'payment-service' };
    expect(readTelemetrySettings(backend)).toMatchObject({ serviceName: 'payment-service', toBackend: true, toGateway: false });
    expect(readTelemetrySettings({ ...backend, TRACES_TO_GATEWAY: 'true', GATEWAY_URL: 'http://gw:8080/' })).toMatchObject({
      toBackend: true,
      toGateway: true,
      gatewayTracesUrl: 'http://gw:8080/v1/traces',
    });
    expect(readTelemetrySettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo/v1/traces' })).toMatchObject({ toBackend: true, toGateway: false });
  });

  test('When OTEL_SDK_DISABLED is true (any case), then telemetry is off; any other value leaves it on', () => {
    expect(readTelemetrySettings({ OTEL_SDK_DISABLED: 'TRUE' }).enabled).toBe(false);
    expect(readTelemetrySettings({ OTEL_SDK_DISABLED: 'false' }).enabled).toBe(true);
  });

  test('When a value is invalid, then the error names the variable', () => {
    expect(() => readTelemetrySettings({ TRACES_TO_GATEWAY: 'maybe' })).toThrow(/TRACES_TO_GATEWAY/);
    expect(() => readTelemetrySettings({ GATEWAY_URL: 'gateway:5000' })).toThrow(/GATEWAY_URL/);
    expect(() => readTelemetrySettings({ OTEL_BSP_SCHEDULE_DELAY: '0' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });

  test('When a request path is polled or about tracing itself, then it is not traced', () => {
    expect(['/health', '/metrics', '/v1/traces', '/api/traces', '/api/traces/abc?x=1'].every(isUntracedPath)).toBe(true);
    expect(['/api/orders', '/healthy', '/api/tracesx', undefined].some(isUntracedPath)).toBe(false);
  });
});

describe('Traced domain steps', () => {
  test('When a step runs inside a request, then it is a child span with its attributes, sync or async, and returns its result', async () => {
    tracing.reset();
    const total = inSpan(() => traced('order.price', (step) => (step.setAttribute('order.total_cents', 299_997), 299_997), { 'order.quantity': 3 }));
    const stored = await inSpan(() => traced('payment.record', async () => 'stored'));
    expect([total, stored]).toEqual([299_997, 'stored']);
    const byName = (name: string) => tracing.spans().filter((s) => s.name === name);
    const [price] = byName('order.price');
    expect(price?.attributes).toEqual({ 'order.quantity': 3, 'order.total_cents': 299_997 });
    const [first, second] = byName('request');
    expect(price?.parentSpanContext?.spanId).toBe(first?.spanContext().spanId);
    expect(byName('payment.record')[0]?.parentSpanContext?.spanId).toBe(second?.spanContext().spanId);
  });

  test('When a step fails with a 4xx AppError, then the exception is recorded but the span is not an error; any other failure is', async () => {
    tracing.reset();
    expect(() => traced('order.price', () => {
      throw AppError.unprocessable('product_id', 'no product with id 9');
    })).toThrow(AppError);
    await expect(traced('payment.record', async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    const [refused, failed] = tracing.spans();
    expect(refused?.status.code).toBe(0);
    expect(refused?.events.map((e) => e.name)).toEqual(['exception']);
    expect(failed?.status).toEqual({ code: 2, message: 'disk full' });
  });
});

describe('Log lines', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { logger: pino(loggerOptions('order-service', 'info'), sink), lines };
  }

  test('When a line is written inside a span, then it carries the trace and span ids; outside, it carries neither; always the service and instance', () => {
    const { logger, lines } = capture();
    logger.info('starting');
    const ids = trace.getTracer('test').startActiveSpan('request', (span) => {
      logger.info('placing order');
      span.end();
      return span.spanContext();
    });
    expect(lines[0]).toMatchObject({ service: 'order-service', instance: serviceInstanceId(), pid: process.pid, msg: 'starting' });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'placing order', trace_id: ids.traceId, span_id: ids.spanId, instance: serviceInstanceId() });
  });
});

describe('Where spans are exported', () => {
  const fakeExporter = (result: ExportResult = { code: ExportResultCode.SUCCESS }) => {
    const batches: ReadableSpan[][] = [];
    const exporter: SpanExporter = {
      export: (spans, done) => {
        batches.push(spans);
        done(result);
      },
      shutdown: async () => undefined,
    };
    return { exporter, batches };
  };
  const oneSpan = () => {
    tracing.reset();
    inSpan(() => undefined);
    return tracing.spans();
  };
  const exportWith = (exporter: SpanExporter, spans: ReadableSpan[]) => new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));

  test('When the process keeps its own spans (the gateway), then they go to its receiver and not over OTLP; otherwise over OTLP', async () => {
    const otlp = fakeExporter();
    const exporter = gatewayExporter(() => otlp.exporter);
    const spans = oneSpan();
    expect((await exportWith(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
    expect(otlp.batches).toHaveLength(1);

    const received: SpanRecord[] = [];
    const undo = receiveOwnSpans((records) => received.push(...records));
    await exportWith(exporter, spans);
    undo();
    expect(otlp.batches).toHaveLength(1);
    expect(received).toMatchObject([{ name: 'request', service: 'test-service', instance: 'test:1', kind: 'internal', status: { code: 'unset' } }]);
    expect(received[0]?.traceId).toBe(spans[0]?.spanContext().traceId);
  });

  test('When spans go to two destinations, then both get every batch, and a failure of either is reported', async () => {
    const a = fakeExporter();
    const b = fakeExporter({ code: ExportResultCode.FAILED, error: new Error('backend down') });
    const result = await exportWith(fanOutExporter([a.exporter, b.exporter]), oneSpan());
    expect([a.batches.length, b.batches.length]).toEqual([1, 1]);
    expect(result.code).toBe(ExportResultCode.FAILED);
  });
});
