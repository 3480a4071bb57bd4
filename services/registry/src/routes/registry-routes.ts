import { AppError, callerOf, problemResponses, requireService, type App, type ServiceIdentity } from '@microshop/chassis';
import {
  InstanceParams,
  InstancesQuery,
  RegisteredInstance,
  RegisterInstance,
  RegistryServiceParams,
  RegistryState,
  SERVICE_TOKEN_HEADER,
  ServiceInstances,
} from '@microshop/contracts';
import { Type } from 'typebox';
import type { AllowedHosts } from '../domain/allowed-hosts.js';
import type { HealthChecker } from '../domain/health-checker.js';
import type { RegistryStore } from '../domain/store.js';

export interface RegistryRouteDeps {
  store: RegistryStore;
  checker: HealthChecker;
  allowedHosts: AllowedHosts;
  checkIntervalMs: number;
  identity: ServiceIdentity;
}

const authResponses = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;

/**
 * The registry's API (`/v1`). Every route needs a service token, checked before anything else:
 * who may learn every instance's address is the system itself. A write must come from the service
 * it is about: an instance of `order-service` registers and deregisters `order-service` instances
 * only, so no service can put its own address behind another's name.
 */
export function registerRegistryRoutes(app: App, { store, checker, allowedHosts, checkIntervalMs, identity }: RegistryRouteDeps): void {
  const onRequest = requireService(identity);
  const mustBe = (request: Parameters<typeof callerOf>[0], service: string) => {
    const caller = callerOf(request)?.iss;
    if (caller !== service) throw new AppError({ status: 403, code: 'forbidden', title: 'Caller not allowed', detail: `${caller ?? 'an unknown caller'} may not register or deregister instances of ${service}`, field: 'service' });
  };
  // A write's caller is checked right after its token, before validation like every 401/403.
  const writer = [onRequest, async (request: Parameters<typeof callerOf>[0]) => mustBe(request, (request.params as { service: string }).service)];
  const meta = () => ({ started_at: store.startedAt.toISOString(), warm: store.isWarm(), ttl_ms: store.ttlMs, check_interval_ms: checkIntervalMs });

  // Heartbeats and list polls arrive every second from every process: not logged at info (the
  // registry logs each change of state itself).
  app.put(
    '/v1/services/:service/instances/:instance_id',
    {
      onRequest: writer,
      config: { quiet: true },
      schema: {
        tags: ['registry'],
        summary: `Register an instance (201), or renew it: the heartbeat (200). Needs ${SERVICE_TOKEN_HEADER}`,
        params: InstanceParams,
        body: RegisterInstance,
        response: { 200: RegisteredInstance, 201: RegisteredInstance, ...authResponses, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { service, instance_id } = request.params;
      if (!allowedHosts.allows(request.body.host)) {
        throw AppError.unprocessable('host', `${request.body.host} is not a host instances may register at (allowed: ${allowedHosts.description})`);
      }
      const { instance, created, needsCheck } = store.upsert(service, instance_id, request.body);
      if (needsCheck) checker.checkNow(service, instance_id);
      return reply.code(created ? 201 : 200).send(instance);
    },
  );

  app.delete(
    '/v1/services/:service/instances/:instance_id',
    {
      onRequest: writer,
      schema: {
        tags: ['registry'],
        summary: `Deregister an instance (it is stopping). Needs ${SERVICE_TOKEN_HEADER}`,
        params: InstanceParams,
        response: { 204: Type.Null({ description: 'Deregistered: no body' }), ...authResponses, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { service, instance_id } = request.params;
      if (!store.deregister(service, instance_id)) throw AppError.notFound(`${service} instance`, instance_id, 'instance_id');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/services/:service/instances',
    {
      onRequest,
      config: { quiet: true },
      schema: {
        tags: ['registry'],
        summary: `A service's instances: those passing their health check (default), or all. Needs ${SERVICE_TOKEN_HEADER}`,
        params: RegistryServiceParams,
        querystring: InstancesQuery,
        response: { 200: ServiceInstances, ...authResponses, ...problemResponses },
      },
    },
    // A service with no instances is a normal state (not started yet, all evicted): an empty list, not a 404.
    async (request) => ({ service: request.params.service, instances: store.instances(request.params.service, request.query.status ?? 'passing'), ...meta() }),
  );

  app.get(
    '/v1/services',
    {
      onRequest,
      config: { quiet: true },
      schema: {
        tags: ['registry'],
        summary: `Every service with its instances, and the latest events. Needs ${SERVICE_TOKEN_HEADER}`,
        querystring: InstancesQuery,
        response: { 200: RegistryState, ...authResponses, ...problemResponses },
      },
    },
    async (request) => ({ services: store.services(request.query.status ?? 'passing'), events: store.events(), ...meta() }),
  );
}
