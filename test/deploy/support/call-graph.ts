import { EVENT_SUBSCRIPTIONS, SERVICES, type ServiceName } from '@microshop/contracts';
import { isObject, type JsonObject } from './files.js';
import { containersOf, podSpecOf, type Resource } from './kustomize.js';
import { DEPLOYED, resolvedInCode, serviceConfigVariables, serviceOfUrlVariable } from './service-config.js';

/** Where the infrastructure listens, as the services' configuration names it (DATABASE_URL, BROKER_URL, OTEL_EXPORTER_OTLP_ENDPOINT). */
export const INFRASTRUCTURE = { postgres: 5432, nats: 4222, jaeger: 4318 } as const;

/** Anything outside the namespace: a browser, an ingress controller. */
export const OUTSIDE = '(outside)';

export interface Connection {
  from: string;
  to: string;
  port: number;
  /** What in the code makes this connection. */
  because: string;
}

/** The HTTP neighbours a service's config gives an address for (`<NAME>_SERVICE_URL`, `PAYMENT_PROVIDER_URL`), among the deployed processes. */
export function httpNeighbours(service: ServiceName): { variable: string; service: ServiceName }[] {
  return serviceConfigVariables(service)
    .map((variable) => ({ variable, service: serviceOfUrlVariable(variable) }))
    .filter((n): n is { variable: string; service: ServiceName } => n.service !== undefined && DEPLOYED.includes(n.service) && n.service !== service);
}

/**
 * Every connection the system opens in a cluster, derived from the code: a service calls the
 * neighbours its config takes an address for (`ORDER_SERVICE_URL` → order-service; the code's own
 * `resolver('…')` calls are checked to be among them), uses PostgreSQL when it reads DATABASE_URL
 * and NATS when it reads BROKER_URL (its events: every subscriber in EVENT_SUBSCRIPTIONS reads it, so
 * no event travels over HTTP between services), and sends its spans to Jaeger and to the gateway.
 * Prometheus scrapes every service; the outside reaches the gateway only.
 */
export function expectedConnections(): Connection[] {
  const connections: Connection[] = [{ from: OUTSIDE, to: 'gateway', port: SERVICES.gateway.port, because: 'the public door' }];
  for (const service of DEPLOYED) {
    const variables = serviceConfigVariables(service);
    const neighbours = httpNeighbours(service);
    for (const resolved of resolvedInCode(service)) {
      if (resolved !== 'registry' && !neighbours.some((n) => n.service === resolved)) {
        throw new Error(`services/${service}/src resolves ${resolved} but its config takes no address for it: the derived call graph would miss a call`);
      }
    }
    for (const neighbour of neighbours) connections.push({ from: service, to: neighbour.service, port: SERVICES[neighbour.service].port, because: neighbour.variable });
    if (variables.includes('DATABASE_URL')) connections.push({ from: service, to: 'postgres', port: INFRASTRUCTURE.postgres, because: 'DATABASE_URL' });
    if (variables.includes('BROKER_URL')) connections.push({ from: service, to: 'nats', port: INFRASTRUCTURE.nats, because: 'BROKER_URL (its events)' });
    connections.push({ from: service, to: 'jaeger', port: INFRASTRUCTURE.jaeger, because: 'OTEL_EXPORTER_OTLP_ENDPOINT (spans)' });
    if (service !== 'gateway') connections.push({ from: service, to: 'gateway', port: SERVICES.gateway.port, because: 'GATEWAY_URL (spans to the trace store)' });
    connections.push({ from: 'prometheus', to: service, port: SERVICES[service].port, because: 'scrapes /metrics' });
  }
  for (const subscriber of Object.keys(EVENT_SUBSCRIPTIONS)) {
    if (!DEPLOYED.includes(subscriber as ServiceName) || !serviceConfigVariables(subscriber as ServiceName).includes('BROKER_URL')) {
      throw new Error(`${subscriber} consumes events but does not read BROKER_URL: its events would need HTTP delivery`);
    }
  }
  return connections;
}

// --- NetworkPolicy evaluation -----------------------------------------------------------------------

export interface Workload {
  name: string;
  labels: Record<string, string>;
  ports: { name?: string; port: number }[];
}

/** The pods of each Deployment and StatefulSet: their labels and container ports. */
export function workloadsOf(resources: Resource[]): Workload[] {
  return resources.flatMap((resource) => {
    const pod = podSpecOf(resource);
    if (!pod || !isObject(resource.spec) || !isObject(resource.spec.template) || !isObject(resource.spec.template.metadata)) return [];
    const labels = (resource.spec.template.metadata.labels ?? {}) as Record<string, string>;
    const ports = containersOf(pod).flatMap((container) =>
      (Array.isArray(container.ports) ? container.ports : []).filter(isObject).map((p) => ({ ...(typeof p.name === 'string' ? { name: p.name } : {}), port: Number(p.containerPort) })),
    );
    return [{ name: resource.metadata.name, labels, ports }];
  });
}

function selects(selector: JsonObject, labels: Record<string, string>): boolean {
  for (const field of Object.keys(selector)) if (field !== 'matchLabels') throw new Error(`selector field ${field} is not supported by this evaluator`);
  const wanted = isObject(selector.matchLabels) ? selector.matchLabels : {};
  return Object.entries(wanted).every(([key, value]) => labels[key] === value);
}

function portMatches(entry: JsonObject, target: Workload, port: number): boolean {
  for (const field of Object.keys(entry)) if (!['port', 'protocol'].includes(field)) throw new Error(`NetworkPolicy port field ${field} is not supported by this evaluator`);
  if ((entry.protocol ?? 'TCP') !== 'TCP') return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'number') return entry.port === port;
  return target.ports.some((p) => p.name === entry.port && p.port === port);
}

/**
 * Whether a NetworkPolicy set lets `from` (a workload of the namespace, or {@link OUTSIDE}) open a TCP
 * connection to `port` of `to`'s pods, by the rules of the API: a pod no policy selects accepts all;
 * a selected pod accepts what one of its policies' rules allows. Peers other than podSelector
 * (namespaceSelector, ipBlock) and matchExpressions are refused, not guessed at.
 */
export function allows(policies: Resource[], from: Workload | typeof OUTSIDE, to: Workload, port: number): boolean {
  const selecting = policies.filter((policy) => {
    const spec = policy.spec;
    if (!isObject(spec) || !isObject(spec.podSelector)) throw new Error(`NetworkPolicy ${policy.metadata.name} has no podSelector`);
    const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : ['Ingress'];
    return types.includes('Ingress') && selects(spec.podSelector, to.labels);
  });
  if (selecting.length === 0) return true;
  return selecting.some((policy) => {
    const rules = (policy.spec as JsonObject).ingress;
    return (Array.isArray(rules) ? rules : []).filter(isObject).some((rule) => {
      for (const field of Object.keys(rule)) if (!['from', 'ports'].includes(field)) throw new Error(`ingress rule field ${field} is not supported`);
      const peers = Array.isArray(rule.from) ? rule.from.filter(isObject) : [];
      const peerOk =
        peers.length === 0 ||
        peers.some((peer) => {
          for (const field of Object.keys(peer)) if (field !== 'podSelector') throw new Error(`NetworkPolicy peer ${field} is not supported by this evaluator`);
          return from !== OUTSIDE && isObject(peer.podSelector) && selects(peer.podSelector, from.labels);
        });
      const ports = Array.isArray(rule.ports) ? rule.ports.filter(isObject) : [];
      return peerOk && (ports.length === 0 || ports.some((entry) => portMatches(entry, to, port)));
    });
  });
}

/** Every (from, to, port) the policies allow, over every workload's every container port: `from → to:port` strings. */
export function allowedConnections(resources: Resource[]): Set<string> {
  const policies = resources.filter((r) => r.kind === 'NetworkPolicy');
  const workloads = workloadsOf(resources);
  const allowed = new Set<string>();
  for (const to of workloads) {
    for (const { port } of to.ports) {
      for (const from of [OUTSIDE, ...workloads] as const) {
        const name = from === OUTSIDE ? OUTSIDE : from.name;
        if (name !== to.name && allows(policies, from, to, port)) allowed.add(`${name} → ${to.name}:${port}`);
      }
    }
  }
  return allowed;
}

/**
 * The connections that must be allowed, as `from → to:port` strings over the same workloads: each
 * expected connection, and every source for a target that accepts anyone (the gateway's port).
 */
export function requiredConnections(resources: Resource[], expected: Connection[]): Set<string> {
  const workloads = workloadsOf(resources);
  const open = new Set(expected.filter((c) => c.from === OUTSIDE).map((c) => `${c.to}:${c.port}`));
  const required = new Set<string>();
  for (const to of workloads) {
    for (const { port } of to.ports) {
      for (const name of [OUTSIDE, ...workloads.map((w) => w.name)]) {
        if (name === to.name) continue;
        if (open.has(`${to.name}:${port}`) || expected.some((c) => c.from === name && c.to === to.name && c.port === port)) required.add(`${name} → ${to.name}:${port}`);
      }
    }
  }
  return required;
}
