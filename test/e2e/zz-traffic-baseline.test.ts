import type { TrafficRun } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { test } from 'vitest';
import { startSupervisedSystem } from './support/supervised-system.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('traffic baseline without rollout', async () => {
  const s = await startSupervisedSystem({ replicas: { 'order-service': 1 } });
  try {
    const admin = { 'x-admin-token': s.adminToken };
    await request<TrafficRun>(s.url, 'POST', '/api/traffic', { rate: 20, duration_s: 120 }, admin);
    await sleep(35_000);
    const run = (await request<TrafficRun>(s.url, 'DELETE', '/api/traffic', undefined, admin)).body;
    process.stdout.write(`BASELINE ${run.totals.sent} sent, ${run.totals.failed} failed, last ${run.last_error ?? '-'} ${JSON.stringify(run.operations)}\n`);
    process.stdout.write(s.output().split('\n').filter((l) => /"level":(40|50)/.test(l) && !l.includes('"component":"discovery"')).slice(-20).join('\n') + '\n');
  } finally {
    await s.stop();
  }
}, 120_000);
