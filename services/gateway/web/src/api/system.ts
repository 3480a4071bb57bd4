import { ADMIN_HEADER } from './admin';
import { api, type ApiResult, type Draft } from './http';
import type { ConsistencyReport, GatewayHealth, Overview, ServiceSeries, StartTraffic, TrafficRun } from './types';

/** `GET /health` of the gateway: every service's state, pid and uptime, asked right now. */
export const getHealth = (signal?: AbortSignal): Promise<ApiResult<GatewayHealth>> => api('/health', signal ? { signal } : {});

/** `GET /api/overview`: live figures per service and per edge, from the gateway's scrapes. */
export const getOverview = (signal?: AbortSignal): Promise<ApiResult<Overview>> => api('/api/overview?window=60', signal ? { signal } : {});

/** `GET /api/overview/series`: one service's figures over the last `windowS` seconds, as columns. */
export const getSeries = (service: string, windowS: number, signal?: AbortSignal): Promise<ApiResult<ServiceSeries>> =>
  api(`/api/overview/series?service=${encodeURIComponent(service)}&window=${windowS}`, signal ? { signal } : {});

/** `GET /api/traffic`: the current or last traffic run. */
export const getTraffic = (signal?: AbortSignal): Promise<ApiResult<TrafficRun>> => api('/api/traffic', signal ? { signal } : {});

/** `POST /api/traffic`: starts a bounded run in the gateway (admin credential). */
export const startTraffic = (token: string, body: Draft<StartTraffic, 'rate' | 'duration_s'>): Promise<ApiResult<TrafficRun>> =>
  api('/api/traffic', { method: 'POST', body, headers: { [ADMIN_HEADER]: token } });

/** `DELETE /api/traffic`: stops the running run (admin credential). */
export const stopTraffic = (token: string): Promise<ApiResult<TrafficRun>> => api('/api/traffic', { method: 'DELETE', headers: { [ADMIN_HEADER]: token } });

/** `GET /api/consistency`: every order checked against every payment (the money invariant). */
export const getConsistency = (signal?: AbortSignal): Promise<ApiResult<ConsistencyReport>> => api('/api/consistency', signal ? { signal } : {});
