import { AppError, problemResponses, type App } from '@microshop/chassis';
import { DEFAULT_PAGE_SIZE, ListTracesQuery, MAX_PAGE_SIZE, TOTAL_COUNT_HEADER, Trace, TraceIdParams, TraceSummary } from '@microshop/contracts';
import { Type } from 'typebox';
import { parseOtlpTraces } from '../domain/otlp-json.js';
import type { TraceStore } from '../domain/trace-store.js';

/** An OTLP export carries up to 512 spans by default: a few hundred kilobytes of JSON. */
const OTLP_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** OTLP/HTTP's `ExportTraceServiceResponse`, in JSON. */
const ExportTraceResponse = Type.Object({
  partialSuccess: Type.Optional(
    Type.Object({
      rejectedSpans: Type.Integer({ description: 'Spans that could not be read, or did not fit their trace' }),
      errorMessage: Type.String(),
    }),
  ),
});

/** An OTLP export request, as far as the gateway checks it before reading it span by span. */
const ExportTraceRequest = Type.Object(
  { resourceSpans: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))) },
  { additionalProperties: true, description: 'OTLP ExportTraceServiceRequest in its JSON encoding' },
);

/**
 * The trace store's doors: `POST /v1/traces`, an OTLP/HTTP receiver (JSON encoding; protobuf is
 * refused with 415), and `GET /api/traces`, `GET /api/traces/:id` to read what it holds. All three
 * are monitoring routes: neither traced nor counted as traffic.
 */
export function registerTraceRoutes(app: App, { traces }: { traces: TraceStore }): void {
  app.post(
    '/v1/traces',
    {
      bodyLimit: OTLP_BODY_LIMIT_BYTES,
      // Telemetry arriving is not traffic: kept out of the request metrics and the live overview.
      config: { monitoring: true },
      schema: {
        tags: ['traces'],
        summary: 'Receive spans over OTLP/HTTP (JSON encoding)',
        description: 'Every service exports its spans here unless OTEL_EXPORTER_OTLP_ENDPOINT sends them elsewhere. `Content-Type: application/json` only.',
        body: ExportTraceRequest,
        response: { 200: ExportTraceResponse, ...problemResponses },
      },
    },
    async (request) => {
      const { spans, rejected } = parseOtlpTraces(request.body);
      const refused = rejected + traces.add(spans);
      return refused === 0 ? {} : { partialSuccess: { rejectedSpans: refused, errorMessage: `${refused} span(s) malformed or over their trace's cap` } };
    },
  );

  app.get(
    '/api/traces',
    {
      config: { monitoring: true },
      schema: {
        tags: ['traces'],
        summary: 'The most recent traces, newest first',
        description: `Summaries of the traces the gateway keeps (the most recent ones, in memory). Filter by a service taking part, or by status. The number of matching traces is in ${TOTAL_COUNT_HEADER}.`,
        querystring: ListTracesQuery,
        response: { 200: Type.Array(TraceSummary), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { service, status, limit = DEFAULT_PAGE_SIZE } = request.query;
      const { items, total } = traces.list({ service, status, limit: Math.min(limit, MAX_PAGE_SIZE) });
      void reply.header(TOTAL_COUNT_HEADER, String(total));
      return items;
    },
  );

  app.get(
    '/api/traces/:id',
    {
      config: { monitoring: true },
      schema: {
        tags: ['traces'],
        summary: 'One trace with its spans as a tree',
        params: TraceIdParams,
        response: { 200: Trace, ...problemResponses },
      },
    },
    async (request) => {
      const trace = traces.get(request.params.id);
      if (!trace) throw AppError.notFound('trace', request.params.id, 'id');
      return trace;
    },
  );
}
