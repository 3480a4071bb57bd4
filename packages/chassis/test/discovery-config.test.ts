import { SERVICES } from '@microshop/contracts';
import { startFakeService, testKeys, type FakeService } from '@microshop/testkit';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createDiscovery, dnsResolver, type ClosableResolver, type Discovery, type DiscoveryOptions } from '../src/discovery/index.js';
import { createServiceClient, type ServiceClient } from '../src/service-client.js';
import { registered, registryState, startFakeRegistry, type FakeRegistry } from './support/fake-registry.js';

const keys = testKeys();

describe('createDiscovery: where each neighbour is found', () => {
  const discoveries: Discovery[] = [];
  const resolvers: ClosableResolver[] = [];
  const clients: ServiceClient[] = [];
  let fake: FakeService | undefined;
  let registry: FakeRegistry | undefined;

  const discover = (options: Partial<DiscoveryOptions> = {}): Discovery => {
    const discovery = createDiscovery({ identity: keys.identity('order-service'), refreshMs: 60_000, ...options });
    discoveries.push(discovery);
    return discovery;
  };

  afterEach(async () => {
    resolvers.splice(0).forEach((resolver) => resolver.close());
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(discoveries.splice(0).map((discovery) => discovery.close()));
    await fake?.close();
    await registry?.fake.close();
    fake = undefined;
    registry = undefined;
  });

  test('When a neighbour has an explicit comma list, then it is a static resolver with every URL, trimmed', () => {
    const discovery = discover({ targets: { 'product-service': ' http://127.0.0.1:6201/ , http://127.0.0.1:6202,, ' } });
    const resolver = discovery.resolver('product-service');
    expect(resolver.source).toBe('static');
    expect(resolver.instances()).toEqual([
      { id: 'http://127.0.0.1:6201', url: 'http://127.0.0.1:6201' },
      { id: 'http://127.0.0.1:6202', url: 'http://127.0.0.1:6202' },
    ]);
    // The same object on every call.
    expect(discovery.resolver('product-service')).toBe(resolver);
  });

  test('When a neighbour has an explicit address and a registry is set too, then the explicit address wins and the registry is not asked', async () => {
    registry = await startFakeRegistry(registryState({ 'product-service': [registered('product-service', 'p-1', 'http://127.0.0.1:6299')] }));
    const discovery = discover({ registryUrl: registry.url, targets: { 'product-service': 'http://127.0.0.1:6201' } });
    const resolver = discovery.resolver('product-service');
    await discovery.refresh();
    expect(resolver.source).toBe('static');
    expect(resolver.instances().map((instance) => instance.url)).toEqual(['http://127.0.0.1:6201']);
    expect(registry.polls()).toBe(0);
    expect(discovery.view()).toMatchObject({ registry: registry.url, neighbours: { 'product-service': { source: 'static' } } });
  });

  test('When a registry is set and a neighbour has no explicit address, then the registry finds it', async () => {
    registry = await startFakeRegistry(registryState({ 'product-service': [registered('product-service', 'p-1', 'http://127.0.0.1:6299')] }));
    const discovery = discover({ registryUrl: registry.url, targets: { 'product-service': undefined, 'user-service': '  ' } });
    const products = discovery.resolver('product-service');
    const users = discovery.resolver('user-service');
    await discovery.refresh();
    expect(products.source).toBe('registry');
    expect(users.source).toBe('registry');
    expect(products.instances()).toEqual([{ id: 'p-1', url: 'http://127.0.0.1:6299' }]);
    // Asked with the process's own token for the registry.
    expect(keys.identity('registry').verify(String(registry.fake.calls.at(-1)?.headers['x-service-token'])).iss).toBe('order-service');
    const view = discovery.view();
    expect(view).toMatchObject({ registry: registry.url, stale: false, neighbours: { 'product-service': { source: 'registry', instances: [{ id: 'p-1' }] } } });
    expect(view.last_refresh_at).not.toBeNull();
  });

  test('When neither a registry nor an address is given, then a known service is found on its default loopback port', () => {
    const discovery = discover();
    const resolver = discovery.resolver('product-service');
    expect(resolver.source).toBe('static');
    expect(resolver.instances()).toEqual([{ id: `http://127.0.0.1:${SERVICES['product-service'].port}`, url: `http://127.0.0.1:${SERVICES['product-service'].port}` }]);
    expect(discovery.view()).toMatchObject({ registry: null, stale: false, last_refresh_at: null });
  });

  test('When neither a registry nor an address is given for an unknown service, then it throws naming the service', () => {
    const discovery = discover({ targets: { 'product-service': 'http://127.0.0.1:6201' } });
    expect(() => discovery.resolver('mystery-service')).toThrow(/mystery-service/);
  });

  test('When the address is dns+http://localhost:PORT, then every address of localhost is an instance on that port, and calls reach the one listening', async () => {
    fake = await startFakeService();
    fake.on('GET', '/api/ping', () => ({ body: { pong: true } }));
    const port = new URL(fake.url).port;
    const discovery = discover({ targets: { 'ping-service': `dns+http://localhost:${port}` } });
    const resolver = discovery.resolver('ping-service');
    expect(resolver.source).toBe('dns');
    await discovery.refresh();

    const urls = resolver.instances().map((instance) => instance.url);
    expect(urls).toContain(`http://127.0.0.1:${port}`);
    for (const url of urls) expect(url).toMatch(new RegExp(`^http://(127\\.0\\.0\\.1|\\[::1\\]):${port}$`));
    expect(resolver.instances().map((instance) => instance.id)).toContain(`ping-service@127.0.0.1:${port}`);

    // ::1, if localhost has it, refuses the connection (the fake listens on 127.0.0.1): the call fails over.
    const client = createServiceClient({ service: 'ping-service', resolver, timeoutMs: 2000 });
    clients.push(client);
    for (let i = 0; i < 4; i++) expect((await client.call({ path: '/api/ping' })).body).toEqual({ pong: true });
    expect(fake.calls).toHaveLength(4);
  });
});

describe('dnsResolver: the addresses of a name', () => {
  const resolvers: ClosableResolver[] = [];
  afterEach(() => resolvers.splice(0).forEach((resolver) => resolver.close()));

  const resolve = (options: Partial<Parameters<typeof dnsResolver>[0]> & { lookupAll: (host: string) => Promise<readonly string[]> }): ClosableResolver => {
    const resolver = dnsResolver({ service: 'order-service', url: 'dns+http://order-service-headless:6103', refreshMs: 60_000, ...options });
    resolvers.push(resolver);
    return resolver;
  };

  test('When the name has several addresses, then each, once and sorted, is an instance on the port; IPv6 ones in brackets', async () => {
    const lookupAll = vi.fn(async () => ['10.0.0.2', '10.0.0.1', '10.0.0.2', 'fd00::1']);
    const resolver = resolve({ lookupAll });
    await resolver.refresh();
    expect(lookupAll).toHaveBeenCalledWith('order-service-headless');
    expect(resolver.instances()).toEqual([
      { id: 'order-service@10.0.0.1:6103', url: 'http://10.0.0.1:6103' },
      { id: 'order-service@10.0.0.2:6103', url: 'http://10.0.0.2:6103' },
      { id: 'order-service@[fd00::1]:6103', url: 'http://[fd00::1]:6103' },
    ]);
  });

  test('When the URL has no port, then the scheme\'s default port is used', async () => {
    const plain = resolve({ url: 'dns+http://orders', lookupAll: async () => ['10.0.0.1'] });
    const secure = resolve({ url: 'dns+https://orders', lookupAll: async () => ['10.0.0.1'] });
    await Promise.all([plain.refresh(), secure.refresh()]);
    expect(plain.instances().map((instance) => instance.url)).toEqual(['http://10.0.0.1:80']);
    expect(secure.instances().map((instance) => instance.url)).toEqual(['https://10.0.0.1:443']);
  });

  test('When a lookup fails, then the last addresses stay and onError is told', async () => {
    let answer: () => Promise<readonly string[]> = async () => ['10.0.0.1'];
    const onError = vi.fn();
    const resolver = resolve({ lookupAll: () => answer(), onError });
    await resolver.refresh();
    answer = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND order-service-headless'), { code: 'ENOTFOUND' });
    };
    await resolver.refresh();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(resolver.instances().map((instance) => instance.url)).toEqual(['http://10.0.0.1:6103']);
  });

  test('When refreshMs is short, then the name is looked up again and a new address shows; after close, no more lookups', async () => {
    let addresses = ['10.0.0.1'];
    const lookupAll = vi.fn(async () => addresses);
    const resolver = resolve({ refreshMs: 30, lookupAll });
    await resolver.refresh();
    addresses = ['10.0.0.1', '10.0.0.3'];
    await vi.waitFor(() => expect(resolver.instances()).toHaveLength(2), { timeout: 2000, interval: 10 });

    resolver.close();
    const lookups = lookupAll.mock.calls.length;
    await new Promise((done) => setTimeout(done, 150));
    expect(lookupAll.mock.calls.length).toBe(lookups);
  });
});
