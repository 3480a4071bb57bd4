import { api, type ApiResult, type Draft } from './http';
import type {
  AdminServices,
  ChaosState,
  ControlProcess,
  ProcessControlResult,
  ProviderBehaviour,
  ResilienceState,
  ServiceReplicas,
  ServiceRollout,
  SetChaos,
  SetReplicas,
  SetResilienceSwitches,
} from './types';

/** Where the admin credential is kept for this browser tab only. */
export const ADMIN_TOKEN_KEY = 'microshop.admin-token';
/** The header the gateway's admin API reads. */
export const ADMIN_HEADER = 'x-admin-token';

/** The admin credential typed on the architecture view, or '' when none. */
export function readAdminToken(): string {
  try {
    return sessionStorage.getItem(ADMIN_TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

/** Keeps (or, empty, forgets) the admin credential for this tab. */
export function saveAdminToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(ADMIN_TOKEN_KEY, token);
    else sessionStorage.removeItem(ADMIN_TOKEN_KEY);
  } catch {
    // Storage refused (private mode): the token lives as long as the page.
  }
}

const auth = (token: string) => ({ [ADMIN_HEADER]: token });
const servicePath = (service: string, what: string) => `/api/admin/services/${encodeURIComponent(service)}/${what}`;

/** `GET /api/admin/services`: every service's faults and process state. */
export const getAdminServices = (token: string, signal?: AbortSignal): Promise<ApiResult<AdminServices>> =>
  api('/api/admin/services', { headers: auth(token), ...(signal ? { signal } : {}) });

/** `PUT /api/admin/services/:service/chaos`: injects faults until they expire. */
export const setChaos = (token: string, service: string, body: SetChaos): Promise<ApiResult<ChaosState>> => api(servicePath(service, 'chaos'), { method: 'PUT', body, headers: auth(token) });

/** `DELETE /api/admin/services/:service/chaos`: lifts the faults now. */
export const clearChaos = (token: string, service: string): Promise<ApiResult<ChaosState>> => api(servicePath(service, 'chaos'), { method: 'DELETE', headers: auth(token) });

/** `PUT /api/admin/services/:service/replicas`: runs that many instances (answers once they are ready or gone). */
export const setReplicas = (token: string, service: string, body: SetReplicas): Promise<ApiResult<ServiceReplicas>> =>
  api(servicePath(service, 'replicas'), { method: 'PUT', body, headers: auth(token) });

/** `POST /api/admin/services/:service/rollout`: replaces every instance by a fresh process, one at a time (answers once done, in seconds). */
export const rolloutService = (token: string, service: string): Promise<ApiResult<ServiceRollout>> => api(servicePath(service, 'rollout'), { method: 'POST', headers: auth(token) });

/** `POST /api/admin/services/:service/process`: kill, pause, resume or restart (replica 1, or `instance`). */
export const controlProcess = (token: string, service: string, body: ControlProcess): Promise<ApiResult<ProcessControlResult>> =>
  api(servicePath(service, 'process'), { method: 'POST', body, headers: auth(token) });

/** `GET /api/admin/services/:service/resilience`: the switches and breaker states. */
export const getResilience = (token: string, service: string, signal?: AbortSignal): Promise<ApiResult<ResilienceState>> =>
  api(servicePath(service, 'resilience'), { headers: auth(token), ...(signal ? { signal } : {}) });

/** `PUT /api/admin/services/:service/resilience`: turns patterns on or off. */
export const setResilience = (token: string, service: string, body: SetResilienceSwitches): Promise<ApiResult<ResilienceState>> =>
  api(servicePath(service, 'resilience'), { method: 'PUT', body, headers: auth(token) });

/** `GET /api/admin/provider`: how the simulated payment provider behaves (decline and failure rates 0..1, latency). */
export const getProvider = (token: string, signal?: AbortSignal): Promise<ApiResult<ProviderBehaviour>> => api('/api/admin/provider', { headers: auth(token), ...(signal ? { signal } : {}) });

/** `PUT /api/admin/provider`: sets all three; a rate the API refuses comes back with its field named. */
export const setProvider = (token: string, body: Draft<ProviderBehaviour, 'latency_ms'>): Promise<ApiResult<ProviderBehaviour>> =>
  api('/api/admin/provider', { method: 'PUT', body, headers: auth(token) });
