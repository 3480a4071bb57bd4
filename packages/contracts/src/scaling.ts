import { Type, type Static } from 'typebox';
import { MAX_REPLICAS } from './services.js';

/** Body of `PUT /api/admin/services/:service/replicas` (and of the supervisor's `PUT /services/:service/replicas`). */
export const SetReplicas = Type.Object(
  { replicas: Type.Integer({ minimum: 1, maximum: MAX_REPLICAS, description: `How many instances of the service to run (1 to ${MAX_REPLICAS})` }) },
  { additionalProperties: false },
);
export type SetReplicas = Static<typeof SetReplicas>;

/** One instance of a service as the supervisor runs it. */
export const SupervisedInstance = Type.Object({
  service: Type.String(),
  instance_id: Type.String({ description: 'e.g. order-service-2: the same id it registers under' }),
  replica: Type.Integer({ minimum: 1, description: 'Its slot: replica 1 keeps the spec port' }),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  port: Type.Integer(),
  state: Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('stopped'), Type.Literal('draining')]),
  until: Type.Optional(Type.String({ format: 'date-time' })),
});
export type SupervisedInstance = Static<typeof SupervisedInstance>;

/** The answer to a scaling request: the replica count asked for and the instances now. */
export const ServiceReplicas = Type.Object({
  service: Type.String(),
  replicas: Type.Integer({ minimum: 1 }),
  instances: Type.Array(SupervisedInstance),
});
export type ServiceReplicas = Static<typeof ServiceReplicas>;

/** One instance as a rollout reports it: its slot, its process and where it listened. */
export const RolloutInstance = Type.Object({
  instance_id: Type.String({ description: 'e.g. order-service-1: the id it registers under' }),
  replica: Type.Integer({ minimum: 1 }),
  pid: Type.Union([Type.Integer(), Type.Null()], { description: 'Null when it was not running (crashed, waiting for its restart)' }),
  port: Type.Integer(),
});
export type RolloutInstance = Static<typeof RolloutInstance>;

/** One step of a rollout: a new instance started, found healthy and passing in the registry, then one old instance drained. */
export const RolloutStep = Type.Object({
  started: RolloutInstance,
  stopped: RolloutInstance,
  healthy_ms: Type.Number({ description: 'From spawning the new process to the first 200 from its own /health' }),
  start_ms: Type.Number({ description: 'From spawning the new process to its passing health check in the registry (the registry checks it once it has registered)' }),
  drain_ms: Type.Number({ description: 'From SIGTERM to the exit of the old process (it leaves the registry, serves DRAIN_MS more, then closes)' }),
});
export type RolloutStep = Static<typeof RolloutStep>;

/** One slot whose process a rollout replaced: the same instance id and port, a new process. */
export const ReplacedInstance = Type.Object({ old: RolloutInstance, new: RolloutInstance });
export type ReplacedInstance = Static<typeof ReplacedInstance>;

/**
 * The answer to a rollout (`POST /api/admin/services/:service/rollout`, and the supervisor's `POST
 * /services/:service/rollout`): every instance replaced by a fresh process of the code on disk,
 * one at a time, never fewer than `replicas` serving. A temporary extra instance on a free port
 * carries the traffic of the slot being replaced, so replica 1 gets its spec port back.
 */
export const ServiceRollout = Type.Object({
  service: Type.String(),
  replicas: Type.Integer({ minimum: 1, description: 'How many instances served before, during and after' }),
  started_at: Type.String({ format: 'date-time' }),
  duration_ms: Type.Number(),
  replaced: Type.Array(ReplacedInstance, { description: 'Per slot, the old process and the new one (same instance id, same port)' }),
  temporary: RolloutInstance,
  steps: Type.Array(RolloutStep, { description: 'In order: replicas + 1 steps, the first starting the temporary instance, the last draining it' }),
  instances: Type.Array(SupervisedInstance, { description: 'The instances once the rollout is done' }),
});
export type ServiceRollout = Static<typeof ServiceRollout>;
