import { describe, expect, test } from 'vitest';
import { cpuByService, sampleEach, serviceOfInstance } from '../src/process-usage.js';

describe('CPU per service', () => {
  test('When instances of one service are sampled, then their CPU adds up under the service', () => {
    expect(serviceOfInstance('order-service-2')).toBe('order-service');
    expect(serviceOfInstance('gateway-1')).toBe('gateway');
    expect(
      cpuByService({
        'order-service-1': { cpuSeconds: 1.5, rssBytes: 1 },
        'order-service-2': { cpuSeconds: 0.5, rssBytes: 1 },
        'gateway-1': { cpuSeconds: 1, rssBytes: 1 },
      }),
    ).toEqual({ 'order-service': 2, gateway: 1 });
  });

  test('When this process is sampled from /proc, then it has spent some CPU and holds some memory', () => {
    const { self } = sampleEach({ self: process.pid });
    expect(self?.cpuSeconds).toBeGreaterThan(0);
    expect(self?.rssBytes).toBeGreaterThan(1024 * 1024);
  });
});
