import { createServer } from '@microshop/chassis';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { heapOf, readHeaps } from '../src/heap.js';

/**
 * The heap figures the suite keeps beside each service's RSS come from that service's own
 * `/metrics`: here a real chassis server in this process, whose heap is also known from inside.
 */
describe('Bench: the V8 heap of each service, from its /metrics', () => {
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    app = await createServer({ name: 'product-service', logLevel: false, docs: false });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
  });

  test('When a service and a process that is gone are read, then the service has its heap, committed above used, and the one gone is left out', async () => {
    const heaps = await readHeaps({ 'product-service': url, gone: 'http://127.0.0.1:9' });
    expect(Object.keys(heaps)).toEqual(['product-service']);
    const heap = heaps['product-service'];
    const inside = process.memoryUsage();
    expect(heap?.used).toBeGreaterThan(0);
    expect(heap?.committed).toBeGreaterThanOrEqual(heap?.used ?? Infinity);
    // The same heap seen from inside, a moment apart: within a quarter.
    expect(heap?.committed).toBeGreaterThan((inside.heapTotal / 1024 / 1024) * 0.75);
    expect(heap?.committed).toBeLessThan((inside.heapTotal / 1024 / 1024) * 1.25);
  });

  test('When an exposition has no heap figures, then there is none; when it has them, they are in MiB to a tenth', () => {
    expect(heapOf('microshop_http_server_requests_total{route="/health"} 3\n')).toBeUndefined();
    expect(heapOf('microshop_nodejs_heap_size_total_bytes 104857600\nmicroshop_nodejs_heap_size_used_bytes 52500000\n')).toEqual({ committed: 100, used: 50.1 });
  });
});
