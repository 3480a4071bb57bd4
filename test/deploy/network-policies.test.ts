import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allowedConnections, expectedConnections, OUTSIDE, requiredConnections, workloadsOf, type Connection } from './support/call-graph.js';
import { clone, isObject, type JsonObject } from './support/files.js';
import { kubernetesCopy } from './support/keys.js';
import { renderKustomization, type Resource } from './support/kustomize.js';

// Rendered from a temporary copy of deploy/k8s with generated service keys (they are never committed).
const k8s = kubernetesCopy();
afterAll(() => k8s.remove());

const difference = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort();

describe.each(['base', 'overlays/local'])('deploy/k8s/%s NetworkPolicies', (name) => {
  let resources: Resource[];
  let expected: Connection[];
  beforeAll(() => {
    resources = renderKustomization(path.join(k8s.root, name));
    expected = expectedConnections();
  });

  test('ingress is denied by default: one policy selects every pod and allows nothing', () => {
    const policies = resources.filter((r) => r.kind === 'NetworkPolicy');
    const denyAll = policies.filter((p) => {
      const spec = p.spec as JsonObject;
      return isObject(spec.podSelector) && Object.keys(spec.podSelector).length === 0 && JSON.stringify(spec.policyTypes) === '["Ingress"]' && spec.ingress === undefined;
    });
    expect(denyAll.map((p) => p.metadata.name)).toEqual(['default-deny-ingress']);
  });

  test('every Deployment and StatefulSet is selected by a policy of its own besides the default', () => {
    const policies = resources.filter((r) => r.kind === 'NetworkPolicy' && r.metadata.name !== 'default-deny-ingress');
    const unselected = workloadsOf(resources)
      .filter((w) => !policies.some((p) => {
        const selector = (p.spec as JsonObject).podSelector as JsonObject;
        const wanted = (selector.matchLabels ?? {}) as Record<string, string>;
        return Object.keys(wanted).length > 0 && Object.entries(wanted).every(([k, v]) => w.labels[k] === v);
      }))
      .map((w) => w.name);
    // Prometheus is reached by port-forward only: nothing in the namespace opens a connection to it.
    expect(unselected).toEqual(['prometheus']);
  });

  test('the connections allowed are exactly the ones the code makes (derived from the services\' configuration)', () => {
    const allowed = allowedConnections(resources);
    const required = requiredConnections(resources, expected);
    expect({ allowedButNotUsed: difference(allowed, required), usedButDenied: difference(required, allowed) }).toEqual({ allowedButNotUsed: [], usedButDenied: [] });
  });

  test('the derived graph is the architecture\'s: gateway → all, Order → User and Product, Payment → Order and the provider, events over NATS', () => {
    const calls = expected.filter((c) => !['postgres', 'nats', 'jaeger'].includes(c.to) && c.from !== 'prometheus' && c.because !== 'GATEWAY_URL (spans to the trace store)');
    expect(calls.map((c) => `${c.from} → ${c.to}:${c.port}`).sort()).toEqual(
      [
        `${OUTSIDE} → gateway:5000`,
        'gateway → user-service:5001',
        'gateway → product-service:5002',
        'gateway → order-service:5003',
        'gateway → payment-service:5004',
        'gateway → payment-provider:5011',
        'order-service → user-service:5001',
        'order-service → product-service:5002',
        'payment-service → order-service:5003',
        'payment-service → payment-provider:5011',
      ].sort(),
    );
    expect(expected.filter((c) => c.to === 'nats').map((c) => c.from).sort()).toEqual(['order-service', 'payment-service', 'product-service']);
    expect(expected.filter((c) => c.to === 'postgres').map((c) => c.from).sort()).toEqual(['order-service', 'payment-provider', 'payment-service', 'product-service', 'user-service']);
  });
});

describe('the NetworkPolicy check fails on broken copies', () => {
  let resources: Resource[];
  let required: Set<string>;
  beforeAll(() => {
    resources = renderKustomization(k8s.base);
    required = requiredConnections(resources, expectedConnections());
  });
  const policy = (copy: Resource[], name: string) => copy.find((r) => r.kind === 'NetworkPolicy' && r.metadata.name === name) as Resource;
  const ingress = (copy: Resource[], name: string) => ((policy(copy, name).spec as JsonObject).ingress as JsonObject[])[0] as JsonObject;

  test('a caller left out is found denied', () => {
    const copy = clone(resources);
    const rule = ingress(copy, 'order-service');
    rule.from = (rule.from as JsonObject[]).filter((peer) => JSON.stringify(peer) !== JSON.stringify({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payment-service' } } }));
    expect(difference(required, allowedConnections(copy))).toEqual(['payment-service → order-service:5003']);
  });

  test('a service opened to everyone, and a wrong port, are found', () => {
    const open = clone(resources);
    delete ingress(open, 'payment-provider').from;
    expect(difference(allowedConnections(open), required)).toContain(`${OUTSIDE} → payment-provider:5011`);
    const port = clone(resources);
    ((ingress(port, 'postgres').ports as JsonObject[])[0] as JsonObject).port = 5433;
    expect(difference(required, allowedConnections(port))).toHaveLength(5);
  });

  test('without the default deny, everything is open', () => {
    const copy = clone(resources).filter((r) => r.metadata.name !== 'default-deny-ingress' || r.kind !== 'NetworkPolicy');
    expect(difference(allowedConnections(copy), required)).toContain(`${OUTSIDE} → prometheus:9090`);
  });

  test('peers it cannot evaluate are refused, not guessed at', () => {
    const copy = clone(resources);
    (ingress(copy, 'user-service').from as JsonObject[]).push({ namespaceSelector: {} });
    expect(() => allowedConnections(copy)).toThrow(/namespaceSelector is not supported/);
  });
});
