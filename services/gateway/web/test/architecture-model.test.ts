import type { GatewayHealth, Overview } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { buildModel, EMPTY_MEMORY, remember, RESTART_HOLD_MS } from '../src/pages/architecture/model';

const service = (port: number, pid: number, status: 'ok' | 'down' = 'ok') => ({
  status,
  url: `http://127.0.0.1:${port}`,
  ...(status === 'ok' ? { pid, uptime_s: 12 } : { detail: 'payment-service is unreachable (ECONNREFUSED)' }),
  latency_ms: 1.2,
});

function health(paymentPid: number, paymentStatus: 'ok' | 'down' = 'ok'): GatewayHealth {
  return {
    status: paymentStatus === 'ok' ? 'ok' : 'degraded',
    service: 'gateway',
    version: '0.1.0',
    pid: 100,
    uptime_s: 30,
    services: {
      'user-service': service(5001, 101),
      'product-service': service(5002, 102),
      'order-service': service(5003, 103),
      'payment-service': service(5004, paymentPid, paymentStatus),
    },
  };
}

describe('Web UI: the architecture model', () => {
  test('When every process answers (and no payment provider is watched), then five healthy boxes with their port, pid and uptime, and the seven designed edges among them', () => {
    const { nodes, edges } = buildModel({ health: health(104), overview: undefined, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    expect(nodes.map((n) => [n.name, n.health])).toEqual([
      ['gateway', 'ok'],
      ['user-service', 'ok'],
      ['product-service', 'ok'],
      ['order-service', 'ok'],
      ['payment-service', 'ok'],
    ]);
    expect(nodes[4]?.instances).toEqual([{ id: 'payment-service', port: 5004, pid: 104, uptimeS: 12, status: 'ok', share: null }]);
    expect(edges).toHaveLength(7);
    expect(edges.every((e) => e.callsPerS === null)).toBe(true);
  });

  test('When Payment does not answer, then its box is down with the reason, and the others stay healthy', () => {
    const { nodes } = buildModel({ health: health(0, 'down'), overview: undefined, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    const payment = nodes.find((n) => n.name === 'payment-service');
    expect(payment).toMatchObject({ health: 'down', detail: 'payment-service is unreachable (ECONNREFUSED)' });
    expect(payment?.instances[0]).toMatchObject({ pid: null, port: 5004 });
    expect(nodes.filter((n) => n.health === 'ok')).toHaveLength(4);
  });

  test('When Payment was replaced between two polls (a new pid), then it shows restarted for a moment, then healthy', () => {
    let memory = remember(EMPTY_MEMORY, health(104), 0);
    memory = remember(memory, health(205), 1000);
    const at = (now: number) => buildModel({ health: health(205), overview: undefined, gatewayReachable: true, memory, now }).nodes.find((n) => n.name === 'payment-service');
    expect(at(1500)).toMatchObject({ health: 'restarted', detail: 'Crashed and restarted: pid 104 → 205' });
    expect(at(1000 + RESTART_HOLD_MS)?.health).toBe('ok');
  });

  test('When the gateway does not answer, then it is down and the services are unknown', () => {
    const { nodes } = buildModel({ health: undefined, overview: undefined, gatewayReachable: false, memory: EMPTY_MEMORY, now: 0 });
    expect(nodes.map((n) => n.health)).toEqual(['down', 'unknown', 'unknown', 'unknown', 'unknown']);
  });

  test('When the overview has figures, then boxes show them, edges carry calls/s and the caller\'s limit, and an edge not designed is added', () => {
    const figures = { requests_per_s: 8.4, error_rate: 0.02, client_error_rate: 0, p50_ms: 3, p99_ms: 40 };
    const overview: Overview = {
      generated_at: '2026-01-01T00:00:00.000Z',
      window_s: 60,
      scrape_interval_s: 2,
      services: [{ name: 'order-service', status: 'ok', ...figures, instances: [] }],
      edges: [
        { from: 'order-service', to: 'product-service', calls_per_s: 4, error_rate: 0, p50_ms: 2, p99_ms: 19, concurrency_limit: 9 },
        { from: 'payment-service', to: 'user-service', calls_per_s: 1, error_rate: 0, p50_ms: 2, p99_ms: 5, concurrency_limit: 32 },
      ],
    };
    const { nodes, edges } = buildModel({ health: health(104), overview, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    expect(nodes.find((n) => n.name === 'order-service')).toMatchObject({ requestsPerS: 8.4, errorRate: 0.02, p99Ms: 40 });
    expect(edges.find((e) => e.from === 'order-service' && e.to === 'product-service')).toMatchObject({ callsPerS: 4, p99Ms: 19, designed: true, limit: 9 });
    expect(edges.find((e) => e.from === 'gateway' && e.to === 'user-service')).toMatchObject({ callsPerS: 0, limit: undefined });
    expect(edges.at(-1)).toMatchObject({ from: 'payment-service', to: 'user-service', designed: false, limit: 32 });
  });

  test('When the gateway watches the payment provider, then it has its own box (health and instance from the overview) and the designed edge Payment → Provider', () => {
    const figures = { requests_per_s: 2, error_rate: 0, client_error_rate: 0, p50_ms: 1, p99_ms: 3 };
    const provider = (status: 'ok' | 'down') => ({
      id: 'payment-provider-1',
      url: 'http://127.0.0.1:5011',
      port: 5011,
      status,
      pid: status === 'ok' ? 111 : null,
      uptime_s: status === 'ok' ? 9 : null,
      last_seen: null,
      ...(status === 'down' ? { detail: 'payment-provider is unreachable (ECONNREFUSED)' } : {}),
      ...figures,
      share: 1,
    });
    const overview = (status: 'ok' | 'down'): Overview => ({
      generated_at: '2026-01-01T00:00:00.000Z',
      window_s: 60,
      scrape_interval_s: 2,
      services: [{ name: 'payment-provider', status, ...figures, instances: [provider(status)] }],
      edges: [{ from: 'payment-service', to: 'payment-provider', calls_per_s: 1.5, error_rate: 0, p50_ms: 2, p99_ms: 4 }],
    });
    const { nodes, edges } = buildModel({ health: health(104), overview: overview('ok'), gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    expect(nodes.map((n) => n.name)).toEqual(['gateway', 'user-service', 'product-service', 'order-service', 'payment-service', 'payment-provider']);
    expect(nodes.at(-1)).toMatchObject({ label: 'Provider', database: 'provider.db', tone: 'tone-provider', health: 'ok', requestsPerS: 2 });
    expect(nodes.at(-1)?.instances).toEqual([{ id: 'payment-provider-1', port: 5011, pid: 111, uptimeS: 9, status: 'ok', share: 1 }]);
    expect(edges).toHaveLength(8);
    expect(edges.find((e) => e.to === 'payment-provider')).toMatchObject({ from: 'payment-service', callsPerS: 1.5, designed: true });

    const down = buildModel({ health: health(104), overview: overview('down'), gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 }).nodes.at(-1);
    expect(down).toMatchObject({ name: 'payment-provider', health: 'down', detail: 'payment-provider is unreachable (ECONNREFUSED)' });
  });

  test('When Order runs two instances, one down, then its box lists both with their share of the traffic, and the registry has its own box', () => {
    const base = health(104);
    const withInstances: GatewayHealth = {
      ...base,
      status: 'degraded',
      services: {
        ...base.services,
        'order-service': {
          status: 'degraded',
          url: 'http://127.0.0.1:5003',
          pid: 103,
          latency_ms: 1,
          instances: [
            { id: 'order-service-1', url: 'http://127.0.0.1:5003', status: 'ok', pid: 103, uptime_s: 5, latency_ms: 1 },
            { id: 'order-service-2', url: 'http://127.0.0.1:5013', status: 'down', latency_ms: 1, detail: 'unreachable' },
          ],
        },
      },
      discovery: { registry: 'http://127.0.0.1:5010', stale: false, last_refresh_at: '2026-01-01T00:00:00.000Z' },
    };
    const figures = { requests_per_s: 4, error_rate: 0, client_error_rate: 0, p50_ms: 3, p99_ms: 9 };
    const instance = (id: string, port: number, share: number) => ({ id, url: `http://127.0.0.1:${port}`, port, status: 'ok' as const, pid: port, uptime_s: 5, last_seen: null, ...figures, share });
    const overview: Overview = {
      generated_at: '2026-01-01T00:00:00.000Z',
      window_s: 60,
      scrape_interval_s: 2,
      services: [
        { name: 'order-service', status: 'ok', ...figures, instances: [instance('order-service-1', 5003, 0.7), instance('order-service-2', 5013, 0.3)] },
        { name: 'registry', status: 'ok', ...figures, instances: [instance('registry-5010', 5010, 1)] },
      ],
      edges: [],
    };
    const model = buildModel({ health: withInstances, overview, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    const order = model.nodes.find((n) => n.name === 'order-service');
    expect(order?.health).toBe('degraded');
    expect(order?.instances).toEqual([
      { id: 'order-service-1', port: 5003, pid: 103, uptimeS: 5, status: 'ok', share: 0.7 },
      { id: 'order-service-2', port: 5013, pid: null, uptimeS: null, status: 'down', share: 0.3 },
    ]);
    expect(model.nodes).toHaveLength(5);
    expect(model.registry).toMatchObject({ name: 'registry', health: 'ok' });
    const stale = buildModel({ health: { ...withInstances, discovery: { registry: 'http://127.0.0.1:5010', stale: true, last_refresh_at: null } }, overview, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    expect(stale.registry?.health).toBe('down');
  });
});
