import { ADMIN_HEADER } from './admin';
import { api, type ApiResult } from './http';
import type { AdminEvents, RetriedEvent } from './types';

/** `GET /api/admin/events`: the Product, Order and Payment outboxes and inboxes (null for one that does not answer). */
export const getEvents = (token: string, signal?: AbortSignal): Promise<ApiResult<AdminEvents>> => api('/api/admin/events', { headers: { [ADMIN_HEADER]: token }, ...(signal ? { signal } : {}) });

/** `POST /api/admin/events/:service/:event_id/retry`: sends a dead letter again. */
export const retryEvent = (token: string, service: string, eventId: string): Promise<ApiResult<RetriedEvent>> =>
  api(`/api/admin/events/${encodeURIComponent(service)}/${encodeURIComponent(eventId)}/retry`, { method: 'POST', headers: { [ADMIN_HEADER]: token } });
