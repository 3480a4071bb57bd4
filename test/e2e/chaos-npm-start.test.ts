import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_HEADER, type AdminServices, type ProcessControlResult } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT_DIR, startSystem, waitFor, type System } from './support/system.js';

/**
 * The wiring `npm start` does for chaos, on the spec's ports: the summary says where the admin
 * token is, the supervisor's control endpoint answers on loopback, and the gateway reaches it.
 */
describe('npm start: the admin token and process control', () => {
  let system: System;
  let token: string;

  beforeAll(async () => {
    system = await startSystem();
    token = process.env.ADMIN_TOKEN || readFileSync(path.join(ROOT_DIR, '.microshop/admin-token'), 'utf8').trim();
  });
  afterAll(async () => {
    if (system) expect(await system.stop()).toBe(0);
  });

  test('When the system is up, then the summary says how to get the admin token', () => {
    expect(system.output()).toMatch(/Admin token\s+(cat \.microshop\/admin-token|the ADMIN_TOKEN you set)/);
  });

  test('When the Product service is paused for 1 s through the gateway, then the supervisor pauses it and it answers again by itself', async () => {
    const gateway = system.baseUrl('gateway');
    const listed = await request<AdminServices>(gateway, 'GET', '/api/admin/services', undefined, { [ADMIN_TOKEN_HEADER]: token });
    expect(listed.body.supervisor).toBe(true);
    expect(listed.body.services.map((s) => s.process?.state)).toEqual(['running', 'running', 'running', 'running']);

    const paused = await request<ProcessControlResult>(gateway, 'POST', '/api/admin/services/product-service/process', { action: 'pause', for_s: 1 }, { [ADMIN_TOKEN_HEADER]: token });
    expect(paused).toMatchObject({ status: 200, body: { service: 'product-service', action: 'pause', state: 'paused' } });
    const answered = await waitFor(async () => {
      const health = await fetch(`${system.baseUrl('product-service')}/health`, { signal: AbortSignal.timeout(300) }).catch(() => undefined);
      return health?.status === 200 ? true : undefined;
    }, 10_000);
    expect(answered).toBe(true);
    expect(system.output()).toContain('product-service');
    expect(system.output()).toMatch(/paused \(SIGSTOP\) for at most 1 s/);
  });
});
