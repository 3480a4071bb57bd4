import { api, type ApiResult } from './http';
import type { BenchSuite, TopologyComparison } from './types';

/** `GET /api/bench/topologies`: the latest comparison of the microservices and the modular monolith (404 until one has run). */
export const getTopologies = (signal?: AbortSignal): Promise<ApiResult<TopologyComparison>> => api('/api/bench/topologies', signal ? { signal } : {});

/** `GET /api/bench/suite`: the latest run of the performance suite (404 until one has run). */
export const getSuite = (signal?: AbortSignal): Promise<ApiResult<BenchSuite>> => api('/api/bench/suite', signal ? { signal } : {});
