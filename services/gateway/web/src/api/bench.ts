import { api, type ApiResult } from './http';
import type { TopologyComparison } from './types';

/** `GET /api/bench/topologies`: the latest comparison of the microservices and the modular monolith (404 until one has run). */
export const getTopologies = (signal?: AbortSignal): Promise<ApiResult<TopologyComparison>> => api('/api/bench/topologies', signal ? { signal } : {});
