import { SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { startFakeService, testKeys } from '@microshop/testkit';
import { createServiceClient } from '../src/service-client.js';
import { createRegistryDiscovery, nextList, type RegistryDiscovery, type RegistryDiscoveryOptions, type ServiceInstance } from '../src/discovery/index.js';
import { registered, registryState, startFakeRegistry, type FakeRegistry } from './support/fake-registry.js';
import { startSwitchableProxy, type SwitchableProxy } from './support/switchable-proxy.js';

const keys = testKeys();
/** The process that discovers: the gateway. */
const identity = keys.identity('gateway');
/** The registry's side: whether a token is valid, for it, and whose. */
const registryIdentity = keys.identity('registry');
const issuerOf = (token: string | string[] | undefined) => registryIdentity.verify(String(token)).iss;
/** Long enough that only the test's own refresh() calls fetch. */
const MANUAL = 60_000;

const one = (id: string, port = 1): ServiceInstance => ({ id, url: `http://127.0.0.1:${port}` });
const ids = (list: readonly ServiceInstance[]) => list.map((instance) => instance.id);

describe('nextList: how a fetched list replaces the last known one', () => {
  test('When the registry is warm, then its answer replaces the list (instances that left go)', () => {
    expect(nextList([one('a'), one('b')], [one('b'), one('c')], true)).toEqual([one('b'), one('c')]);
  });

  test('When the registry is not warm, then its answer is added to the list, sorted by id, the answer winning for the same id', () => {
    const merged = nextList([one('c', 3), one('a', 1)], [one('b', 2), one('a', 9)], false);
    expect(merged).toEqual([one('a', 9), one('b', 2), one('c', 3)]);
  });

  test('When the answer is empty, then the last list stays, warm or not', () => {
    const previous = [one('a'), one('b')];
    expect(nextList(previous, [], true)).toBe(previous);
    expect(nextList(previous, [], false)).toBe(previous);
    expect(nextList([], [], true)).toEqual([]);
  });

  test('When nothing was known yet, then the answer is the list', () => {
    expect(nextList([], [one('a')], true)).toEqual([one('a')]);
    expect(nextList([], [one('b'), one('a')], false)).toEqual([one('a'), one('b')]);
  });
});

describe('Registry discovery: lists fetched from the registry', () => {
  let registry: FakeRegistry | undefined;
  let proxy: SwitchableProxy | undefined;
  const discoveries: RegistryDiscovery[] = [];

  const discover = (options: Partial<RegistryDiscoveryOptions> & { registryUrl: string }): RegistryDiscovery => {
    const discovery = createRegistryDiscovery({ identity, refreshMs: MANUAL, timeoutMs: 500, ...options });
    discoveries.push(discovery);
    return discovery;
  };

  afterEach(async () => {
    await Promise.all(discoveries.splice(0).map((discovery) => discovery.close()));
    await proxy?.close();
    await registry?.fake.close();
    proxy = undefined;
    registry = undefined;
  });

  test('When the registry lists services, then each resolver gets its own service\'s passing instances, asked for with the service token', async () => {
    registry = await startFakeRegistry(
      registryState({
        'order-service': [registered('order-service', 'order-service-1', 'http://127.0.0.1:6101/'), registered('order-service', 'order-service-2', 'http://127.0.0.1:6102')],
        'product-service': [registered('product-service', 'product-service-1', 'http://127.0.0.1:6201')],
      }),
    );
    const discovery = discover({ registryUrl: `${registry.url}/` });
    await discovery.refresh();

    const orders = discovery.resolver('order-service');
    expect(orders.source).toBe('registry');
    expect(orders.service).toBe('order-service');
    expect(orders.instances()).toEqual([
      { id: 'order-service-1', url: 'http://127.0.0.1:6101' },
      { id: 'order-service-2', url: 'http://127.0.0.1:6102' },
    ]);
    expect(discovery.resolver('product-service').instances()).toEqual([{ id: 'product-service-1', url: 'http://127.0.0.1:6201' }]);
    expect(discovery.resolver('user-service').instances()).toEqual([]);

    const poll = registry.fake.calls.at(-1);
    expect(poll?.path).toBe('/v1/services');
    expect(poll?.query.get('status')).toBe('passing');
    expect(issuerOf(poll?.headers[SERVICE_TOKEN_HEADER])).toBe('gateway');

    const view = discovery.view();
    expect(view).toMatchObject({ registry_url: registry.url, stale: false });
    expect(Date.parse(view.last_refresh_at ?? '')).toBeGreaterThan(Date.now() - 5000);
    expect(Object.keys(view.services)).toEqual(['order-service', 'product-service']);
  });

  test('When the registry refuses the token, then no list is taken and the view is stale', async () => {
    registry = await startFakeRegistry(registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')] }));
    registry.fake.on('GET', '/v1/services', (call) => {
      try {
        issuerOf(call.headers[SERVICE_TOKEN_HEADER]);
        return { body: registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')] }) };
      } catch {
        return { status: 401, body: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'bad token' } };
      }
    });
    const unreachable = vi.fn();
    // Signed with a key the registry does not know.
    const discovery = discover({ registryUrl: registry.url, identity: testKeys().identity('gateway'), onUnreachable: unreachable });
    await discovery.refresh();

    expect(discovery.resolver('order-service').instances()).toEqual([]);
    expect(discovery.view()).toMatchObject({ stale: true, last_refresh_at: null });
    expect(unreachable).toHaveBeenCalledTimes(1);
    expect(String(unreachable.mock.calls[0]?.[0])).toMatch(/401/);
  });

  test('When refreshMs is short, then the registry is polled about that often and changes show without a refresh call', async () => {
    registry = await startFakeRegistry(registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')] }));
    const discovery = discover({ registryUrl: registry.url, refreshMs: 50 });
    await discovery.refresh();
    const start = registry.polls();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const polls = registry.polls() - start;
    const elapsed = performance.now() - started;
    console.log(`refreshMs 50: ${polls} polls in ${elapsed.toFixed(0)} ms`);
    // About 10; generous bounds against a busy machine.
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 2);

    registry.set(registryState({ 'order-service': [registered('order-service', 'o-2', 'http://127.0.0.1:6102')] }));
    await vi.waitFor(() => expect(ids(discovery.resolver('order-service').instances())).toEqual(['o-2']), { timeout: 2000, interval: 20 });
  });

  test('When the registry goes down, then the last lists stay in use and the view is stale; the loss is reported once', async () => {
    registry = await startFakeRegistry(registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')] }));
    const unreachable = vi.fn();
    const discovery = discover({ registryUrl: registry.url, refreshMs: 30, onUnreachable: unreachable });
    await discovery.refresh();
    expect(discovery.view().stale).toBe(false);

    registry.fake.goDown();
    await vi.waitFor(() => expect(discovery.view().stale).toBe(true), { timeout: 2000, interval: 10 });
    const pollsWhenDown = registry.fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await discovery.refresh();

    expect(registry.fake.calls.length).toBe(pollsWhenDown);
    expect(ids(discovery.resolver('order-service').instances())).toEqual(['o-1']);
    expect(discovery.view().services['order-service']?.map((instance) => instance.id)).toEqual(['o-1']);
    expect(unreachable).toHaveBeenCalledTimes(1);
  });

  test('When the registry comes back, then the view is fresh again, the return is reported once, and new lists are taken', async () => {
    registry = await startFakeRegistry(registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')] }));
    proxy = await startSwitchableProxy(registry.url);
    const unreachable = vi.fn();
    const reachable = vi.fn();
    const discovery = discover({ registryUrl: proxy.url, onUnreachable: unreachable, onReachable: reachable });
    await discovery.refresh();

    proxy.down();
    await discovery.refresh();
    await discovery.refresh();
    expect(discovery.view().stale).toBe(true);
    expect(ids(discovery.resolver('order-service').instances())).toEqual(['o-1']);
    const staleSince = discovery.view().last_refresh_at;

    registry.set(registryState({ 'order-service': [registered('order-service', 'o-2', 'http://127.0.0.1:6102')] }));
    proxy.up();
    await discovery.refresh();
    await discovery.refresh();

    expect(discovery.view().stale).toBe(false);
    expect(discovery.view().last_refresh_at).not.toBe(staleSince);
    expect(ids(discovery.resolver('order-service').instances())).toEqual(['o-2']);
    expect(unreachable).toHaveBeenCalledTimes(1);
    expect(reachable).toHaveBeenCalledTimes(1);
  });

  test('When the registry is not warm, then its answers add to the lists; once warm, they replace them', async () => {
    registry = await startFakeRegistry(
      registryState({ 'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101'), registered('order-service', 'o-2', 'http://127.0.0.1:6102')] }),
    );
    const discovery = discover({ registryUrl: registry.url });
    await discovery.refresh();
    const orders = discovery.resolver('order-service');

    // Restarted: only o-3 has sent a heartbeat yet.
    registry.set(registryState({ 'order-service': [registered('order-service', 'o-3', 'http://127.0.0.1:6103')] }, false));
    await discovery.refresh();
    expect(ids(orders.instances())).toEqual(['o-1', 'o-2', 'o-3']);

    registry.set(registryState({ 'order-service': [registered('order-service', 'o-2', 'http://127.0.0.1:6102'), registered('order-service', 'o-3', 'http://127.0.0.1:6103')] }, true));
    await discovery.refresh();
    expect(ids(orders.instances())).toEqual(['o-2', 'o-3']);
  });

  test('When the answer lists no instance for a service, or leaves the service out, then its last list stays', async () => {
    registry = await startFakeRegistry(
      registryState({
        'order-service': [registered('order-service', 'o-1', 'http://127.0.0.1:6101')],
        'product-service': [registered('product-service', 'p-1', 'http://127.0.0.1:6201')],
      }),
    );
    const discovery = discover({ registryUrl: registry.url });
    await discovery.refresh();

    registry.set(registryState({ 'order-service': [] }, true));
    await discovery.refresh();

    expect(discovery.view().stale).toBe(false);
    expect(ids(discovery.resolver('order-service').instances())).toEqual(['o-1']);
    expect(ids(discovery.resolver('product-service').instances())).toEqual(['p-1']);
  });

  test('When a client finds no instance of a neighbour that has registered since the last refresh, then it asks the registry at once and the call goes through', async () => {
    const product = await startFakeService();
    product.on('GET', '/api/products/:id', (_call, { id }) => ({ body: { id: Number(id) } }));
    registry = await startFakeRegistry(registryState({}));
    const discovery = discover({ registryUrl: registry.url });
    await discovery.refresh();
    const client = createServiceClient({ service: 'product-service', resolver: discovery.resolver('product-service'), timeoutMs: 1000 });
    try {
      // It registers now; the next periodic refresh is far away (refreshMs is manual here).
      registry.set(registryState({ 'product-service': [registered('product-service', 'product-service-1', product.url)] }));
      const polls = registry.polls();
      expect((await client.call({ path: '/api/products/7' })).status).toBe(200);
      expect(registry.polls()).toBe(polls + 1);
      // With the list known, no more asking.
      expect((await client.call({ path: '/api/products/8' })).status).toBe(200);
      expect(registry.polls()).toBe(polls + 1);
    } finally {
      await client.close();
      await product.close();
    }
  });

  test('When the registry never answered, then the view is stale with no refresh time', async () => {
    registry = await startFakeRegistry();
    registry.fake.goDown();
    const discovery = discover({ registryUrl: registry.url });
    await discovery.refresh();
    expect(discovery.view()).toMatchObject({ stale: true, last_refresh_at: null, services: {} });
    expect(discovery.resolver('order-service').instances()).toEqual([]);
  });
});
