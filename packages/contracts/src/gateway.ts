import { Type, type Static } from 'typebox';
import { CheckStatus } from './common.js';
import { BreakerState, ResilienceSwitches } from './resilience.js';

/** One instance of a service as the gateway's health check found it. */
export const InstanceHealth = Type.Object({
  id: Type.String({ description: 'Its instance id (order-service-2), or its URL when the address is static' }),
  url: Type.String({ description: 'Where the gateway reaches it' }),
  status: CheckStatus,
  pid: Type.Optional(Type.Integer()),
  uptime_s: Type.Optional(Type.Number()),
  latency_ms: Type.Number({ description: 'Time its health call took' }),
  detail: Type.Optional(Type.String({ description: 'Why it counts as down' })),
});
export type InstanceHealth = Static<typeof InstanceHealth>;

/** One service as the gateway sees it on `GET /health`. */
export const ServiceHealth = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')], {
    description: 'ok: every instance answers; degraded: at least one answers, not all; down: none answers (or none is known)',
  }),
  url: Type.String({ description: 'Where the gateway reaches the service: its first instance answering (empty when no instance is known)' }),
  pid: Type.Optional(Type.Integer({ description: 'The process answering, as the service reports it' })),
  uptime_s: Type.Optional(Type.Number({ description: 'How long that process has been up, as the service reports it' })),
  latency_ms: Type.Number({ description: 'Time the health call took' }),
  detail: Type.Optional(Type.String({ description: 'Why the service counts as down' })),
  breakers: Type.Optional(Type.Record(Type.String(), BreakerState, { description: "The service's circuit breaker to each neighbour it calls, as it reports them" })),
  resilience: Type.Optional(ResilienceSwitches),
  instances: Type.Optional(Type.Array(InstanceHealth, { description: 'Every instance discovery lists now, each asked at once' })),
});
export type ServiceHealth = Static<typeof ServiceHealth>;

/** Where the gateway's lists of instances come from. */
export const DiscoveryHealth = Type.Object({
  registry: Type.Union([Type.String(), Type.Null()], { description: 'The registry polled; null when every address is explicit' }),
  stale: Type.Boolean({ description: 'True while the registry does not answer: the last known lists are in use' }),
  last_refresh_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type DiscoveryHealth = Static<typeof DiscoveryHealth>;

/** `GET /health` of the gateway: its own state and every service's. */
export const GatewayHealth = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], {
    description: '`degraded` when any service is down; the gateway itself is up either way',
  }),
  service: Type.Literal('gateway'),
  version: Type.String(),
  pid: Type.Integer(),
  uptime_s: Type.Number(),
  services: Type.Record(Type.String(), ServiceHealth),
  breakers: Type.Optional(Type.Record(Type.String(), BreakerState, { description: "The gateway's own circuit breaker to each service" })),
  resilience: Type.Optional(ResilienceSwitches),
  discovery: Type.Optional(DiscoveryHealth),
});
export type GatewayHealth = Static<typeof GatewayHealth>;
