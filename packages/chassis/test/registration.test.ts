import { SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import { startFakeService, testKeys, type FakeService, type RecordedCall } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { registerInstance, type Registration, type RegistrationOptions } from '../src/discovery/index.js';
import { createServiceIdentity, keyMaterialFor } from '../src/identity/index.js';

const keys = testKeys();
/** The registry's side: the claims of a token presented to it (throws for one it would refuse). */
const claimsOf = (token: string | string[] | undefined) => keys.identity('registry').verify(String(token));
const PATH = '/v1/services/order-service/instances/order-service-2';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Registration: an instance registers and renews itself', () => {
  let registry: FakeService;
  let status: number;
  const registrations: Registration[] = [];

  const puts = (): RecordedCall[] => registry.calls.filter((call) => call.method === 'PUT');
  const deletes = (): RecordedCall[] => registry.calls.filter((call) => call.method === 'DELETE');

  const register = (options: Partial<RegistrationOptions> = {}): Registration => {
    const registration = registerInstance({
      registryUrl: `${registry.url}/`,
      identity: keys.identity('order-service'),
      service: 'order-service',
      instanceId: 'order-service-2',
      host: '127.0.0.1',
      port: 6103,
      heartbeatMs: 50,
      ...options,
    });
    registrations.push(registration);
    return registration;
  };

  beforeEach(async () => {
    registry = await startFakeService();
    status = 200;
    registry.on('PUT', '/v1/services/:service/instances/:instance_id', () =>
      status === 200 ? { status: 200, body: { ok: true } } : { status, body: { type: '/problems/boom', title: 'Boom', status, detail: 'registry trouble' } },
    );
    registry.on('DELETE', '/v1/services/:service/instances/:instance_id', () => ({ status: 204 }));
  });

  afterEach(async () => {
    await Promise.all(registrations.splice(0).map((registration) => registration.deregister()));
    await registry.close();
  });

  test('When an instance registers, then the registry gets a PUT on its path at once, with its address and the service token', async () => {
    const registration = register({ heartbeatMs: 60_000, version: '1.2.3', healthPath: '/health/ready' });
    expect(await registration.first).toBe(true);

    expect(puts()).toHaveLength(1);
    const [put] = puts() as [RecordedCall];
    expect(put.path).toBe(PATH);
    // The instance's own token for the registry: the registry takes writes about order-service from order-service only.
    expect(claimsOf(put.headers[SERVICE_TOKEN_HEADER])).toMatchObject({ iss: 'order-service', aud: 'registry' });
    expect(put.headers['content-type']).toMatch(/^application\/json/);
    expect(put.body).toEqual({ host: '127.0.0.1', port: 6103, health_path: '/health/ready', pid: process.pid, version: '1.2.3' });
  });

  test('When no version or health path is given, then the body has the default health path and no version', async () => {
    expect(await register({ heartbeatMs: 60_000 }).first).toBe(true);
    expect(puts()[0]?.body).toEqual({ host: '127.0.0.1', port: 6103, health_path: '/health', pid: process.pid });
  });

  test('When time passes, then the same PUT is sent again about every heartbeatMs', async () => {
    const registration = register({ heartbeatMs: 50 });
    await registration.first;
    const started = performance.now();
    await sleep(500);
    const elapsed = performance.now() - started;
    const beats = puts().length;
    console.log(`heartbeatMs 50: ${beats} PUTs in ${elapsed.toFixed(0)} ms (the first included)`);
    // About 11; generous bounds against a busy machine.
    expect(beats).toBeGreaterThanOrEqual(4);
    expect(beats).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);
    expect(new Set(puts().map((put) => `${put.path} ${JSON.stringify(put.body)} ${String(put.headers[SERVICE_TOKEN_HEADER])}`)).size).toBe(1);
  });

  test('When half of the token\'s lifetime has passed, then the next heartbeat carries a fresh token: the heartbeat outlives any one token', async () => {
    // The first token signed 6 s ago (with a 10 s lifetime), then the clock back to now: past its half.
    let nowMs = Date.now() - 6000;
    const identity = createServiceIdentity({ principal: 'order-service', keys: keyMaterialFor('order-service', { SERVICE_KEYS_FILE: keys.file }), ttlS: 10, now: () => nowMs });
    const registration = register({ heartbeatMs: 30, identity });
    await registration.first;
    const first = String(puts()[0]?.headers[SERVICE_TOKEN_HEADER]);
    nowMs = Date.now();
    await vi.waitFor(() => expect(new Set(puts().map((put) => String(put.headers[SERVICE_TOKEN_HEADER]))).size).toBe(2), { timeout: 2000, interval: 10 });
    const latest = String(puts().at(-1)?.headers[SERVICE_TOKEN_HEADER]);
    expect(latest).not.toBe(first);
    expect(claimsOf(latest)).toMatchObject({ iss: 'order-service', aud: 'registry' });
  });

  test('When the registry answers 500, then onFailure is told once however many heartbeats fail, and onRecovered once when it accepts again', async () => {
    status = 500;
    const onFailure = vi.fn();
    const onRecovered = vi.fn();
    const registration = register({ heartbeatMs: 30, onFailure, onRecovered });
    expect(await registration.first).toBe(false);

    await vi.waitFor(() => expect(puts().length).toBeGreaterThanOrEqual(4), { timeout: 2000, interval: 10 });
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(String(onFailure.mock.calls[0]?.[0])).toMatch(/500/);
    expect(onRecovered).not.toHaveBeenCalled();

    status = 200;
    await vi.waitFor(() => expect(onRecovered).toHaveBeenCalledTimes(1), { timeout: 2000, interval: 10 });
    const accepted = puts().length;
    await vi.waitFor(() => expect(puts().length).toBeGreaterThanOrEqual(accepted + 3), { timeout: 2000, interval: 10 });
    expect(onRecovered).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  test('When the registry is unreachable at start-up, then first resolves false at once and onFailure is told', async () => {
    registry.goDown();
    const onFailure = vi.fn();
    const started = performance.now();
    expect(await register({ heartbeatMs: 60_000, onFailure }).first).toBe(false);
    expect(performance.now() - started).toBeLessThan(1500);
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  test('When the instance deregisters, then a DELETE with the token is sent on its path and no PUT follows', async () => {
    const onFailure = vi.fn();
    const registration = register({ heartbeatMs: 30, onFailure });
    await registration.first;
    await vi.waitFor(() => expect(puts().length).toBeGreaterThanOrEqual(2), { timeout: 2000, interval: 10 });

    await registration.deregister();
    const putsAtDeregister = puts().length;
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]?.path).toBe(PATH);
    expect(claimsOf(deletes()[0]?.headers[SERVICE_TOKEN_HEADER])).toMatchObject({ iss: 'order-service', aud: 'registry' });
    // The DELETE is the last request.
    expect(registry.calls.at(-1)?.method).toBe('DELETE');

    await sleep(200);
    expect(puts()).toHaveLength(putsAtDeregister);
    // A second deregister sends nothing more.
    await registration.deregister();
    expect(deletes()).toHaveLength(1);
    expect(onFailure).not.toHaveBeenCalled();
  });

  test('When the registry is down at deregistration, then deregister still settles within about a second', async () => {
    const registration = register({ heartbeatMs: 60_000 });
    await registration.first;
    registry.goDown();
    const started = performance.now();
    await registration.deregister();
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
