import { api, type ApiResult } from './http';
import type { Trace, TraceSummary } from './types';

/** The filters of the trace list. */
export interface TraceFilter {
  service?: string | undefined;
  status?: 'ok' | 'error' | undefined;
  limit?: number;
}

/** `GET /api/traces`: the most recent traces the gateway keeps, newest first. */
export function listTraces({ service, status, limit = 50 }: TraceFilter, signal?: AbortSignal): Promise<ApiResult<TraceSummary[]>> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (service) query.set('service', service);
  if (status) query.set('status', status);
  return api(`/api/traces?${query.toString()}`, signal ? { signal } : {});
}

/** `GET /api/traces/:id`: one trace with its span tree; 404 until its first span has arrived. */
export const getTrace = (traceId: string, signal?: AbortSignal): Promise<ApiResult<Trace>> =>
  api(`/api/traces/${encodeURIComponent(traceId)}`, signal ? { signal } : {});
