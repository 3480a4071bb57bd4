import { Type, type Static } from 'typebox';

/**
 * The service registry's wire contract (`services/registry`, port 5010): instances register with
 * `PUT /v1/services/:service/instances/:instance_id`, renew by sending the same request again
 * (the heartbeat), and leave with `DELETE` on the same path. Every `/v1` route needs the service
 * credential; only loopback addresses (or those in `REGISTRY_ALLOWED_HOSTS`) can be registered.
 */

/** A service's name in the registry: `order-service`. */
export const RegistryServiceName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'The service, e.g. order-service' });

/** One instance's id, unique within its service: `order-service-2`. */
export const InstanceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$', description: 'The instance, unique within its service, e.g. order-service-2' });

/** Path parameters of one instance. */
export const InstanceParams = Type.Object({ service: RegistryServiceName, instance_id: InstanceId });
export type InstanceParams = Static<typeof InstanceParams>;

/** Path parameter of one service. */
export const RegistryServiceParams = Type.Object({ service: RegistryServiceName });
export type RegistryServiceParams = Static<typeof RegistryServiceParams>;

/** The health path a registered instance is checked on. */
export const DEFAULT_HEALTH_PATH = '/health';

/** Body of `PUT /v1/services/:service/instances/:instance_id`: register, or renew (heartbeat). */
export const RegisterInstance = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$', description: 'Address the instance is reached at (an IP or a host name, no scheme, no port)' }),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    health_path: Type.Optional(
      Type.String({ pattern: '^/[A-Za-z0-9/_.-]*$', maxLength: 200, description: `Path of its health check on that address (default ${DEFAULT_HEALTH_PATH}); a path, never a URL` }),
    ),
    pid: Type.Optional(Type.Integer({ minimum: 1, description: 'Its process id, for display' })),
    version: Type.Optional(Type.String({ maxLength: 64, description: 'Its version, for display' })),
  },
  { additionalProperties: false },
);
export type RegisterInstance = Static<typeof RegisterInstance>;

/**
 * starting: registered, first health check not passed yet (not given to clients);
 * passing: its last health check passed (given to clients);
 * failing: its last health check failed (not given to clients; evicted after the next failure).
 */
export const RegistryInstanceStatus = Type.Union([Type.Literal('starting'), Type.Literal('passing'), Type.Literal('failing')]);
export type RegistryInstanceStatus = Static<typeof RegistryInstanceStatus>;

/** One registered instance, as the registry holds it. */
export const RegisteredInstance = Type.Object({
  service: Type.String(),
  instance_id: Type.String(),
  url: Type.String({ description: 'Its base URL, http://host:port' }),
  host: Type.String(),
  port: Type.Integer(),
  health_path: Type.String(),
  status: RegistryInstanceStatus,
  pid: Type.Union([Type.Integer(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  registered_at: Type.String({ format: 'date-time' }),
  last_heartbeat_at: Type.String({ format: 'date-time' }),
  last_check_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  consecutive_failures: Type.Integer({ minimum: 0 }),
  expires_at: Type.String({ format: 'date-time', description: 'When it is evicted unless a heartbeat comes first' }),
});
export type RegisteredInstance = Static<typeof RegisteredInstance>;

/** `?status=` of the instance lists: `passing` (default) gives what clients may call; `all` includes starting and failing ones. */
export const InstancesQuery = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('passing'), Type.Literal('all')], { default: 'passing' })) },
  { additionalProperties: false },
);
export type InstancesQuery = Static<typeof InstancesQuery>;

/** The registry's own state, on every list: clients use `warm` to tell a restarted registry from a lost instance. */
const RegistryMeta = {
  started_at: Type.String({ format: 'date-time' }),
  warm: Type.Boolean({
    description: 'False until one TTL has passed since the registry started: its lists may still be missing instances that have not sent a heartbeat yet, so clients add to their last known lists instead of replacing them',
  }),
  ttl_ms: Type.Integer({ description: 'An instance without a heartbeat for this long is evicted' }),
  check_interval_ms: Type.Integer({ description: 'How often each instance is health-checked' }),
};

/** `GET /v1/services/:service/instances`. */
export const ServiceInstances = Type.Object({
  service: Type.String(),
  instances: Type.Array(RegisteredInstance),
  ...RegistryMeta,
});
export type ServiceInstances = Static<typeof ServiceInstances>;

/** What happened to an instance. */
export const RegistryEventKind = Type.Union([
  Type.Literal('registered'),
  Type.Literal('passing'),
  Type.Literal('failing'),
  Type.Literal('deregistered'),
  Type.Literal('evicted'),
]);
export type RegistryEventKind = Static<typeof RegistryEventKind>;

/** One change in the registry, for the UI and the logs. */
export const RegistryEvent = Type.Object({
  at: Type.String({ format: 'date-time' }),
  service: Type.String(),
  instance_id: Type.String(),
  kind: RegistryEventKind,
  detail: Type.String({ description: 'Why, e.g. "no heartbeat for 5000 ms" or "health check failed twice: ECONNREFUSED"' }),
});
export type RegistryEvent = Static<typeof RegistryEvent>;

/** `GET /v1/services`: every service with its instances (those matching `?status=`), and the latest events. */
export const RegistryState = Type.Object({
  services: Type.Array(Type.Object({ service: Type.String(), instances: Type.Array(RegisteredInstance) })),
  events: Type.Array(RegistryEvent, { description: 'The most recent changes, newest first (at most 100)' }),
  ...RegistryMeta,
});
export type RegistryState = Static<typeof RegistryState>;
