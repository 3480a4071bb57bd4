import { describe, expect, test } from 'vitest';
import { loadConfig, serviceUrls } from '../src/config.js';

describe('Gateway: configuration', () => {
  test('When nothing is set, then port 5000, loopback, and each service on its spec port', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 5000, HOST: '127.0.0.1', CALL_TIMEOUT_MS: 2000, HEALTH_TIMEOUT_MS: 1000 });
    expect(serviceUrls(config)).toEqual({
      'user-service': 'http://127.0.0.1:5001',
      'product-service': 'http://127.0.0.1:5002',
      'order-service': 'http://127.0.0.1:5003',
      'payment-service': 'http://127.0.0.1:5004',
    });
  });

  test('When a service URL is set with a trailing slash, then it is used without it', () => {
    expect(serviceUrls(loadConfig({ ORDER_SERVICE_URL: 'http://orders.internal:8080/' }))['order-service']).toBe('http://orders.internal:8080');
  });

  test.each([
    ['USER_SERVICE_URL', 'not a url'],
    ['PRODUCT_SERVICE_URL', 'ftp://127.0.0.1:5002'],
    ['ORDER_SERVICE_URL', 'http://127.0.0.1:5003/api'],
    ['PAYMENT_SERVICE_URL', 'http://127.0.0.1:5004?x=1'],
    ['PORT', '70000'],
    ['HEALTH_TIMEOUT_MS', '0'],
  ])('When %s is %s, then start-up stops naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });
});
