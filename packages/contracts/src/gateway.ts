import { Type, type Static } from 'typebox';
import { CheckStatus } from './common.js';
import { BreakerState, ResilienceSwitches } from './resilience.js';

/** One service as the gateway sees it on `GET /health`. */
export const ServiceHealth = Type.Object({
  status: CheckStatus,
  url: Type.String({ description: 'Where the gateway reaches the service' }),
  pid: Type.Optional(Type.Integer({ description: 'The process answering, as the service reports it' })),
  uptime_s: Type.Optional(Type.Number({ description: 'How long that process has been up, as the service reports it' })),
  latency_ms: Type.Number({ description: 'Time the health call took' }),
  detail: Type.Optional(Type.String({ description: 'Why the service counts as down' })),
  breakers: Type.Optional(Type.Record(Type.String(), BreakerState, { description: "The service's circuit breaker to each neighbour it calls, as it reports them" })),
  resilience: Type.Optional(ResilienceSwitches),
});
export type ServiceHealth = Static<typeof ServiceHealth>;

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
});
export type GatewayHealth = Static<typeof GatewayHealth>;
