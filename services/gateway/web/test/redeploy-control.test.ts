import type { GatewayHealth, ServiceRollout, SupervisedInstance } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { buildModel, EMPTY_MEMORY, remember } from '../src/pages/architecture/model';
import { describeReplaced, describeRollout, pidsOf, rolloutProgress } from '../src/pages/architecture/redeploy-control';

const instance = (replica: number, pid: number | null, state: SupervisedInstance['state'] = 'running', port = 5003 + 10 * (replica - 1)): SupervisedInstance => ({
  service: 'order-service',
  instance_id: `order-service-${replica}`,
  replica,
  pid,
  port,
  state,
});
const up = (port: number, pid: number) => ({ status: 'ok' as const, url: `http://127.0.0.1:${port}`, pid, uptime_s: 12, latency_ms: 1 });
const health = (orderPid: number, paymentPid = 104): GatewayHealth => ({
  status: 'ok',
  service: 'gateway',
  version: '0.1.0',
  pid: 100,
  uptime_s: 30,
  services: { 'user-service': up(5001, 101), 'product-service': up(5002, 102), 'order-service': up(5003, orderPid), 'payment-service': up(5004, paymentPid) },
});
const ref = (replica: number, pid: number, port: number) => ({ instance_id: `order-service-${replica}`, replica, pid, port });

describe('Web UI: the Redeploy control on the architecture view', () => {
  test('When a rollout begins, then the instances it replaces are those running, by id, without the ones already draining', () => {
    expect(pidsOf([instance(1, 41), instance(2, 42), instance(3, 43, 'draining'), instance(4, null, 'stopped')])).toEqual({ 'order-service-1': 41, 'order-service-2': 42 });
  });

  test('When the polled instances change during a rollout of one instance, then progress counts a slot only once a new pid runs under its id', () => {
    const before = pidsOf([instance(1, 41)]);
    // The temporary instance is up: nothing replaced yet.
    expect(rolloutProgress(before, [instance(1, 41), instance(2, 52, 'running', 6013)])).toEqual({ replaced: 0, total: 1, running: 2, draining: 0 });
    // The old one leaves.
    expect(rolloutProgress(before, [instance(1, 41, 'draining'), instance(2, 52, 'running', 6013)])).toEqual({ replaced: 0, total: 1, running: 1, draining: 1 });
    // A new process runs in slot 1 on the spec port; the temporary one drains.
    expect(rolloutProgress(before, [instance(1, 63), instance(2, 52, 'draining', 6013)])).toEqual({ replaced: 1, total: 1, running: 1, draining: 1 });
  });

  test('When the rollout is done, then each slot shows its old and new pid on its port, and the sentence its duration and the temporary instance', () => {
    const rollout: ServiceRollout = {
      service: 'order-service',
      replicas: 2,
      started_at: '2030-01-01T00:00:00.000Z',
      duration_ms: 8120,
      replaced: [
        { old: ref(1, 41, 5003), new: ref(1, 63, 5003) },
        { old: ref(2, 42, 6013), new: ref(2, 58, 6013) },
      ],
      temporary: ref(3, 52, 6023),
      steps: [],
      instances: [instance(1, 63), instance(2, 58, 'running', 6013)],
    };
    expect(describeReplaced(rollout)).toEqual(['#1 :5003 pid 41 → 63', '#2 :6013 pid 42 → 58']);
    expect(describeRollout(rollout)).toBe('Redeployed 2 instances in 8.1 s, through a temporary #3 (pid 52) on :6023');
  });

  test('When Order is being redeployed, then its new pids are not taken for a crash, while a pid change elsewhere still is', () => {
    let memory = remember(EMPTY_MEMORY, health(103), 0);
    memory = remember(memory, health(203, 204), 1000, ['order-service']);
    memory = remember(memory, health(303, 204), 2000, ['order-service']);
    const { nodes } = buildModel({ health: health(303, 204), overview: undefined, gatewayReachable: true, memory, now: 2500 });
    expect(nodes.find((n) => n.name === 'order-service')).toMatchObject({ health: 'ok', detail: undefined });
    expect(nodes.find((n) => n.name === 'payment-service')).toMatchObject({ health: 'restarted', detail: 'Crashed and restarted: pid 104 → 204' });
  });
});
