import { describe, expect, test } from 'vitest';
import { parseOtlpTraces } from '../src/domain/otlp-json.js';

const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: 'host:7' } }] });
const TRACE = '5b8efff798038103d269b633813fc60c';

describe('OTLP/JSON export requests', () => {
  test('When a request holds spans of two services, then each span is read with its service, ids, times, kind, attributes, status and events', () => {
    const body = {
      resourceSpans: [
        {
          resource: resource('order-service'),
          scopeSpans: [
            {
              scope: { name: '@opentelemetry/instrumentation-http' },
              spans: [
                {
                  traceId: TRACE.toUpperCase(),
                  spanId: 'EEE19B7EC3C1B174',
                  parentSpanId: '',
                  name: 'POST /api/orders',
                  kind: 2,
                  startTimeUnixNano: '1750000000123456789',
                  endTimeUnixNano: '1750000000125956789',
                  attributes: [
                    { key: 'http.response.status_code', value: { intValue: '201' } },
                    { key: 'http.route', value: { stringValue: '/api/orders' } },
                    { key: 'ok', value: { boolValue: true } },
                    { key: 'ratio', value: { doubleValue: 0.5 } },
                    { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } },
                    { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
                  ],
                  status: { code: 2, message: 'failed' },
                  events: [{ name: 'exception', timeUnixNano: '1750000000124000000', attributes: [{ key: 'exception.message', value: { stringValue: 'boom' } }] }],
                },
              ],
            },
          ],
        },
        { resource: resource('product-service'), scopeSpans: [{ spans: [{ traceId: TRACE, spanId: '1111111111111111', parentSpanId: 'eee19b7ec3c1b174', name: 'SELECT products', kind: 'SPAN_KIND_CLIENT', startTimeUnixNano: 1750000000124000000, endTimeUnixNano: 1750000000124500000 }] }] },
      ],
    };
    const { spans, rejected } = parseOtlpTraces(body);
    expect(rejected).toBe(0);
    expect(spans[0]).toEqual({
      traceId: TRACE,
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: undefined,
      name: 'POST /api/orders',
      kind: 'server',
      service: 'order-service',
      instance: 'host:7',
      startMs: 1750000000123.456,
      durationMs: expect.closeTo(2.5, 3) as number,
      attributes: { 'http.response.status_code': 201, 'http.route': '/api/orders', ok: true, ratio: 0.5, list: ['a', 2], map: '{"k":"v"}' },
      status: { code: 'error', message: 'failed' },
      events: [{ name: 'exception', timeMs: 1750000000124, attributes: { 'exception.message': 'boom' } }],
    });
    expect(spans[1]).toMatchObject({ service: 'product-service', parentSpanId: 'eee19b7ec3c1b174', kind: 'client', status: { code: 'unset' } });
  });

  test('When single spans are malformed, then they are skipped and counted, and the others are kept', () => {
    const good = { traceId: TRACE, spanId: '2222222222222222', name: 'ok', startTimeUnixNano: '1', endTimeUnixNano: '2' };
    const bad = [
      { ...good, traceId: 'not-hex' },
      { ...good, traceId: '00000000000000000000000000000000' },
      { ...good, spanId: 'abc' },
      { ...good, name: 7 },
      { ...good, startTimeUnixNano: '-1' },
      'not a span',
    ];
    expect(parseOtlpTraces({ resourceSpans: [{ resource: resource('x'), scopeSpans: [{ spans: [...bad, good] }] }] })).toMatchObject({ rejected: 6, spans: [{ name: 'ok' }] });
  });

  test('When a body is not an export request, then it is a 400 naming resourceSpans; an empty request is fine', () => {
    for (const body of [null, [], 'text', { resourceSpans: {} }]) {
      expect(() => parseOtlpTraces(body)).toThrow(expect.objectContaining({ status: 400, field: 'resourceSpans' }) as Error);
    }
    expect(parseOtlpTraces({})).toEqual({ spans: [], rejected: 0 });
  });
});
