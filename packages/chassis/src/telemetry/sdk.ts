import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type Span, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { currentModule } from '../modules/scope.js';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TelemetrySettings } from './config.js';
import { fanOutExporter, gatewayExporter } from './exporters.js';
import { serviceInstanceId } from './instance.js';
import { traceOutgoingCalls } from './client-spans.js';
import { traceIncomingRequests } from './server-spans.js';
import { onTelemetryShutdown } from './shutdown.js';

function exporterFor(settings: TelemetrySettings): SpanExporter {
  const exporters: SpanExporter[] = [];
  if (settings.toGateway) exporters.push(gatewayExporter(() => new OTLPTraceExporter({ url: settings.gatewayTracesUrl, timeoutMillis: 5000 })));
  // The standard variables (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, _HEADERS, …) configure this one.
  if (settings.toBackend) exporters.push(new OTLPTraceExporter());
  return exporters.length === 1 && exporters[0] ? exporters[0] : fanOutExporter(exporters);
}

/** The span attribute naming the module a span belongs to, in a process that runs several (the modular monolith). */
export const MODULE_ATTRIBUTE = 'microshop.module';

/** Marks each span started inside a module (see `inModule`) with the module's name; elsewhere it does nothing. */
const moduleNamer: SpanProcessor = {
  onStart(span: Span) {
    const module = currentModule();
    if (module !== undefined) span.setAttribute(MODULE_ATTRIBUTE, module);
  },
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Starts OpenTelemetry tracing for this process, and only tracing: a tracer provider with the
 * resource (`service.name`, `service.instance.id`), a batch processor exporting to the gateway
 * and/or the configured backend, the AsyncLocalStorage context manager, W3C trace context and
 * baggage propagation, the chassis' server spans (every `node:http` server of the process) and client
 * spans (every call of the chassis client). The sampler and span limits follow the standard
 * variables (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_SPAN_*_LIMIT`).
 *
 * OpenTelemetry's all-signals `NodeSDK` is not used: on top of this, it sets up OpenTelemetry's
 * metric and log signals from the environment (an OTLP exporter of each unless told `none`), and
 * loads their SDKs, a YAML parser and every exporter it could be configured with: about 170 more
 * files at every start. Metrics come from Prometheus' client, logs from pino.
 */
export function startTelemetry(settings: TelemetrySettings): NodeTracerProvider {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      'service.instance.id': serviceInstanceId(),
      'process.pid': process.pid,
    }),
    spanProcessors: [moduleNamer, new BatchSpanProcessor(exporterFor(settings), { scheduledDelayMillis: settings.exportDelayMs })],
  });
  provider.register();
  traceIncomingRequests(provider.getTracer('@microshop/chassis/http'));
  traceOutgoingCalls(provider.getTracer('@microshop/chassis/client'));
  onTelemetryShutdown(() => provider.shutdown());
  return provider;
}
