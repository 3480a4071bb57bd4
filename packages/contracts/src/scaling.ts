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
