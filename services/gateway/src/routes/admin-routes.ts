import { AppError, requireAdminToken, resilienceOf, type App } from '@microshop/chassis';
import {
  AdminInstanceQuery,
  AdminServiceParams,
  AdminServices,
  ChaosState,
  ControlProcess,
  ProcessControlResult,
  ResilienceState,
  ResilienceTargetParams,
  ServiceReplicas,
  ServiceRollout,
  SetChaos,
  SetReplicas,
  SetResilienceSwitches,
  type SetResilienceSwitches as SetSwitches,
} from '@microshop/contracts';
import type { AdminClients } from '../clients/admin-clients.js';
import { callInstances, controlProcess, listAdminServices, rolloutService, setReplicas } from '../domain/admin-operations.js';

const tags = ['admin'];
const problem = { $ref: 'Problem#' } as const;
const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 502: problem, 503: problem, 504: problem } as const;

/**
 * The gateway's admin API, all behind the admin credential (`x-admin-token`): faults per service
 * (forwarded to every instance's `/internal/chaos`, or one's with `?instance=`), process control
 * scaling and rollouts (forwarded to the supervisor) and the resilience switches (forwarded to every
 * instance's `/internal/resilience`).
 */
export function registerAdminRoutes(app: App, { clients, adminToken }: { clients: AdminClients; adminToken: string }): void {
  const preHandler = requireAdminToken(adminToken);
  const internal = (service: AdminServiceParams['service']) => clients.internal[service];
  const chaosPath = '/api/admin/services/:service/chaos';

  app.get(
    '/api/admin/services',
    { preHandler, config: { monitoring: true }, schema: { tags, summary: "Every service's active faults and process state (admin)", response: { 200: AdminServices, ...errors } } },
    async () => listAdminServices(clients),
  );
  app.get(
    chaosPath,
    { preHandler, schema: { tags, summary: "A service's active faults: its first instance's, or the one named (admin)", params: AdminServiceParams, querystring: AdminInstanceQuery, response: { 200: ChaosState, ...errors } } },
    async (request, reply) => {
      const { status, body } = await callInstances(internal(request.params.service), 'GET', '/internal/chaos', undefined, request.query.instance);
      return reply.code(status).send(body);
    },
  );
  app.put(
    chaosPath,
    {
      preHandler,
      schema: {
        tags,
        summary: 'Inject latency, errors or a hang into every instance of a service (or the one named) until they expire (admin)',
        params: AdminServiceParams,
        querystring: AdminInstanceQuery,
        body: SetChaos,
        response: { 200: ChaosState, ...errors },
      },
    },
    async (request, reply) => {
      const { status, body } = await callInstances(internal(request.params.service), 'PUT', '/internal/chaos', request.body, request.query.instance);
      return reply.code(status).send(body);
    },
  );
  app.delete(
    chaosPath,
    { preHandler, schema: { tags, summary: "Lift a service's faults now, on every instance (or the one named) (admin)", params: AdminServiceParams, querystring: AdminInstanceQuery, response: { 200: ChaosState, ...errors } } },
    async (request, reply) => {
      const { status, body } = await callInstances(internal(request.params.service), 'DELETE', '/internal/chaos', undefined, request.query.instance);
      return reply.code(status).send(body);
    },
  );
  app.post(
    '/api/admin/services/:service/process',
    {
      preHandler,
      schema: {
        tags,
        summary: "Kill, pause (SIGSTOP), resume or restart a service's process (replica 1, or the instance named) through the supervisor (admin)",
        params: AdminServiceParams,
        body: ControlProcess,
        response: { 200: ProcessControlResult, ...errors },
      },
    },
    async (request, reply) => {
      const { status, body } = await controlProcess(clients, request.params.service, request.body);
      return reply.code(status).send(body);
    },
  );
  app.put(
    '/api/admin/services/:service/replicas',
    {
      preHandler,
      schema: { tags, summary: 'Run that many instances of a service, through the supervisor (admin)', params: AdminServiceParams, body: SetReplicas, response: { 200: ServiceReplicas, ...errors } },
    },
    async (request, reply) => {
      const { status, body } = await setReplicas(clients, request.params.service, request.body);
      return reply.code(status).send(body);
    },
  );
  app.post(
    '/api/admin/services/:service/rollout',
    {
      preHandler,
      // An operation that lasts seconds, not shop traffic: kept out of the gateway's request figures (its p99), which a rollout is watched by.
      config: { monitoring: true },
      schema: {
        tags,
        summary: 'Redeploy a service without downtime, through the supervisor (admin)',
        description:
          'Replaces every instance of the service by a fresh process of the code on disk, one at a time: a temporary extra instance is started first; then each old instance is sent SIGTERM (it leaves the registry, serves DRAIN_MS more, and exits) and a new process takes its slot, instance id and port, and is healthy and passing in the registry before the next old one is drained; the temporary instance is drained last. Never fewer instances serve than before. Answers once done, with the old and new pid of every slot and the duration of each step. No other service is touched. 409 while the service is being scaled or rolled out.',
        params: AdminServiceParams,
        response: { 200: ServiceRollout, ...errors },
      },
    },
    async (request, reply) => {
      const { status, body } = await rolloutService(clients, request.params.service);
      return reply.code(status).send(body);
    },
  );
  const resiliencePath = '/api/admin/services/:service/resilience';
  // The gateway's own switches are set here directly; a service's are forwarded to it.
  const resilience = (service: ResilienceTargetParams['service'], method: 'GET' | 'PUT', body?: SetSwitches, instance?: string) => {
    if (service !== 'gateway') return callInstances<ResilienceState>(internal(service), method, '/internal/resilience', body, instance);
    const own = resilienceOf(app);
    if (!own) throw AppError.notFound('resilience of', 'gateway');
    if (body) own.setSwitches(body);
    return Promise.resolve({ status: 200 as const, body: own.state() });
  };
  app.get(
    resiliencePath,
    {
      preHandler,
      schema: {
        tags,
        summary: "A service's (its first instance's, or the one named) or the gateway's resilience switches and breaker states (admin)",
        params: ResilienceTargetParams,
        querystring: AdminInstanceQuery,
        response: { 200: ResilienceState, ...errors },
      },
    },
    async (request, reply) => {
      const { status, body } = await resilience(request.params.service, 'GET', undefined, request.query.instance);
      return reply.code(status).send(body);
    },
  );
  app.put(
    resiliencePath,
    {
      preHandler,
      schema: {
        tags,
        summary: "Turn a service's (every instance, or the one named) or the gateway's timeouts, retries, breakers or bulkheads on or off (admin)",
        params: ResilienceTargetParams,
        querystring: AdminInstanceQuery,
        body: SetResilienceSwitches,
        response: { 200: ResilienceState, ...errors },
      },
    },
    async (request, reply) => {
      const { status, body } = await resilience(request.params.service, 'PUT', request.body, request.query.instance);
      return reply.code(status).send(body);
    },
  );
}
