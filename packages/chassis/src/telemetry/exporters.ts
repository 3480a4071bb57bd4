import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ownSpanSink } from './own-spans.js';
import { toSpanRecord } from './span-record.js';

/**
 * The gateway's destination: when this process keeps its own spans ({@link receiveOwnSpans}, the
 * gateway does), they are handed over in-process; otherwise they go to `otlp`, the gateway's OTLP
 * receiver. Decided at every export, so a receiver set after start-up is used from then on.
 */
export function gatewayExporter(otlp: () => SpanExporter): SpanExporter {
  let remote: SpanExporter | undefined;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
      const sink = ownSpanSink();
      if (!sink) {
        remote ??= otlp();
        remote.export(spans, done);
        return;
      }
      try {
        sink(spans.map(toSpanRecord));
        done({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    },
    shutdown: async () => remote?.shutdown(),
    forceFlush: async () => remote?.forceFlush?.(),
  };
}

/** Sends every batch to each exporter; the batch counts as exported when every one succeeded. */
export function fanOutExporter(exporters: readonly SpanExporter[]): SpanExporter {
  return {
    export(spans, done) {
      let pending = exporters.length;
      let failure: ExportResult | undefined;
      if (pending === 0) return done({ code: ExportResultCode.SUCCESS });
      for (const exporter of exporters) {
        exporter.export(spans, (result) => {
          if (result.code !== ExportResultCode.SUCCESS) failure ??= result;
          if (--pending === 0) done(failure ?? { code: ExportResultCode.SUCCESS });
        });
      }
    },
    shutdown: async () => {
      await Promise.all(exporters.map((e) => e.shutdown()));
    },
    forceFlush: async () => {
      await Promise.all(exporters.map((e) => e.forceFlush?.()));
    },
  };
}
