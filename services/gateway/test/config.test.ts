import { describe, expect, test } from 'vitest';
import { loadConfig, serviceTargets } from '../src/config.js';

describe('Gateway: configuration', () => {
  test('When nothing is set, then port 5000, loopback, no explicit service address (discovery finds them), no registry', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 5000, HOST: '127.0.0.1', CALL_TIMEOUT_MS: 2000, HEALTH_TIMEOUT_MS: 1000, DISCOVERY_REFRESH_MS: 1000, LOAD_BALANCER: 'least-outstanding' });
    expect(config.REGISTRY_URL).toBeUndefined();
    expect(serviceTargets(config)).toEqual({ 'user-service': undefined, 'product-service': undefined, 'order-service': undefined, 'payment-service': undefined });
  });

  test.each([
    ['one URL', 'http://orders.internal:8080/'],
    ['a list, one per instance', 'http://127.0.0.1:6003,http://127.0.0.1:6013'],
    ['a DNS name (every address it resolves to)', 'dns+http://order-service-headless:5003'],
  ])('When a service address is %s, then it is kept as the explicit target', (_name, value) => {
    expect(serviceTargets(loadConfig({ ORDER_SERVICE_URL: value }))['order-service']).toBe(value);
  });

  test('When the registry and the balancing are set, then they are read', () => {
    expect(loadConfig({ REGISTRY_URL: 'http://127.0.0.1:5010', LOAD_BALANCER: 'round-robin', INSTANCE_ID: 'gateway-1' })).toMatchObject({ REGISTRY_URL: 'http://127.0.0.1:5010', LOAD_BALANCER: 'round-robin', INSTANCE_ID: 'gateway-1' });
  });

  test('When the benchmark reports are not set, then they are where `npm run bench` writes them; when set, they are read', () => {
    expect(loadConfig({})).toMatchObject({ BENCH_TOPOLOGIES_FILE: 'docs/bench/topologies.json', BENCH_SUITE_FILE: 'docs/bench/suite.json' });
    expect(loadConfig({ BENCH_SUITE_FILE: '/tmp/suite.json' }).BENCH_SUITE_FILE).toBe('/tmp/suite.json');
  });

  test.each([
    ['USER_SERVICE_URL', 'not a url'],
    ['PRODUCT_SERVICE_URL', 'ftp://127.0.0.1:5002'],
    ['ORDER_SERVICE_URL', 'http://127.0.0.1:5003/api'],
    ['PAYMENT_SERVICE_URL', 'http://127.0.0.1:5004?x=1'],
    ['USER_SERVICE_URL', 'http://127.0.0.1:5001,ftp://x:1'],
    ['LOAD_BALANCER', 'random'],
    ['PORT', '70000'],
    ['HEALTH_TIMEOUT_MS', '0'],
  ])('When %s is %s, then start-up stops naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });
});
