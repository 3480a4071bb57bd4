import { Type, type Static } from 'typebox';
import { SupervisedInstance } from './scaling.js';

/** The header carrying the admin credential (chaos, process control, resilience switches). */
export const ADMIN_TOKEN_HEADER = 'x-admin-token';
/** How long a fault lasts when the request does not say, in seconds. */
export const DEFAULT_CHAOS_EXPIRY_S = 60;
/** The longest a fault may last, in seconds: nothing stays broken by accident. */
export const MAX_CHAOS_EXPIRY_S = 600;

/** Body of `PUT /internal/chaos`: the faults a service applies to its own API routes until they expire. */
export const SetChaos = Type.Object(
  {
    latency_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'Fixed delay added before every answer' })),
    jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, description: 'Extra random delay, uniform in [0, jitter_ms]' })),
    error_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of requests answered 500 or 503 problem' })),
    hang: Type.Optional(Type.Boolean({ description: 'Never answer (the caller\'s timeout is the only way out)' })),
    expires_in_s: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CHAOS_EXPIRY_S, description: `Seconds until the faults lift by themselves (default ${DEFAULT_CHAOS_EXPIRY_S})` })),
  },
  { additionalProperties: false },
);
export type SetChaos = Static<typeof SetChaos>;

/** The faults active now (`GET /internal/chaos`, and `chaos` in `/health`). */
export const ChaosState = Type.Object({
  active: Type.Boolean(),
  latency_ms: Type.Integer(),
  jitter_ms: Type.Integer(),
  error_rate: Type.Number(),
  hang: Type.Boolean(),
  expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expires_in_s: Type.Number({ description: 'Seconds left; 0 when no fault is active' }),
});
export type ChaosState = Static<typeof ChaosState>;

/** The longest a process stays paused or down through the admin API, in seconds. */
export const MAX_PROCESS_HOLD_S = 60;
/** How long a pause lasts when the request does not say, in seconds. */
export const DEFAULT_PAUSE_S = 30;

/** What the supervisor can do to one process. */
export const ProcessAction = Type.Union([Type.Literal('kill'), Type.Literal('pause'), Type.Literal('resume'), Type.Literal('restart')]);
export type ProcessAction = Static<typeof ProcessAction>;

/** Body of `POST /api/admin/services/:service/process`. */
export const ControlProcess = Type.Object(
  {
    action: ProcessAction,
    for_s: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_PROCESS_HOLD_S,
        description: `pause: seconds until it resumes by itself (default ${DEFAULT_PAUSE_S}); kill: seconds it stays down before the supervisor starts it again (default: its crash back-off)`,
      }),
    ),
    instance: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9-]*-[0-9]+$',
        description: "The instance to act on, e.g. order-service-2 (one of the service's own); default: replica 1",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ControlProcess = Static<typeof ControlProcess>;

/** The supervisor's answer: what it did, and the process's state now. */
export const ProcessControlResult = Type.Object({
  service: Type.String(),
  /** The instance acted on, when the supervisor runs instances (`order-service-2`). */
  instance: Type.Optional(Type.String()),
  action: ProcessAction,
  pid: Type.Union([Type.Integer(), Type.Null()]),
  state: Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('stopped'), Type.Literal('draining')]),
  /** When a paused process resumes, or a killed one starts again, by itself. */
  until: Type.Optional(Type.String({ format: 'date-time' })),
});
export type ProcessControlResult = Static<typeof ProcessControlResult>;

/** Path parameter of the admin routes: a backend service. */
export const AdminServiceParams = Type.Object({
  service: Type.Union([Type.Literal('user-service'), Type.Literal('product-service'), Type.Literal('order-service'), Type.Literal('payment-service')]),
});
export type AdminServiceParams = Static<typeof AdminServiceParams>;

/** One supervised process as the supervisor's control endpoint lists it. */
export const SupervisedProcess = Type.Object({
  name: Type.String(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  port: Type.Integer(),
  state: Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('stopped')]),
  until: Type.Optional(Type.String({ format: 'date-time' })),
});
export type SupervisedProcess = Static<typeof SupervisedProcess>;

/** The supervisor's control endpoint on loopback, unless `SUPERVISOR_CONTROL_PORT` says otherwise. */
export const DEFAULT_SUPERVISOR_CONTROL_PORT = 5099;

/** One service as `GET /api/admin/services` shows it: its active faults and its process. */
export const AdminServiceStatus = Type.Object({
  service: Type.String(),
  /** Its faults now; null when it did not answer. */
  chaos: Type.Union([ChaosState, Type.Null()]),
  /** Its first process (replica 1) as the supervisor sees it; null when no supervisor runs the system. */
  process: Type.Union([SupervisedProcess, Type.Null()]),
  /** Every instance the supervisor runs of it (empty when no supervisor runs the system). */
  instances: Type.Array(SupervisedInstance),
});
export type AdminServiceStatus = Static<typeof AdminServiceStatus>;

/** `GET /api/admin/services`. */
export const AdminServices = Type.Object({
  services: Type.Array(AdminServiceStatus),
  /** True when a supervisor answers: kill, pause, resume and restart work. */
  supervisor: Type.Boolean(),
});
export type AdminServices = Static<typeof AdminServices>;

/** `?instance=` of the admin chaos and resilience routes: one instance (its id) instead of every one. */
export const AdminInstanceQuery = Type.Object(
  { instance: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'An instance id (order-service-2, or a URL for a static address); default: every instance (reads: the first)' })) },
  { additionalProperties: false },
);
export type AdminInstanceQuery = Static<typeof AdminInstanceQuery>;

/** Path parameter of the admin resilience routes: a backend service or the gateway itself. */
export const ResilienceTargetParams = Type.Object({
  service: Type.Union([
    Type.Literal('gateway'),
    Type.Literal('user-service'),
    Type.Literal('product-service'),
    Type.Literal('order-service'),
    Type.Literal('payment-service'),
  ]),
});
export type ResilienceTargetParams = Static<typeof ResilienceTargetParams>;
