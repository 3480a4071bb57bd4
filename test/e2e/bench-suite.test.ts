import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { matchesContract } from '@microshop/chassis';
import { BenchSuite } from '@microshop/contracts';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * `npm run bench` as a person runs it, cut to one short round at 4 connections: Microshop's microservices and the
 * bare chain, each started for real on the spec's ports, every scenario of both measured, the
 * gateway at no load and a (too short to count) memory step. The figures are not checked here
 * (a loaded CI machine makes them anything); that they are measured, paired, and judged is.
 */
describe('The performance suite, run for real', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'microshop-suite-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('When npm run bench runs the microservices and the bare chain, then it prints the goals and writes a report the gateway can serve, with their pairings measured and error-free', { timeout: 420_000 }, async () => {
    const { stdout } = await run(
      process.execPath,
      ['tools/bench/dist/main.js', '--systems', 'microservices,bare-chain', '--duration', '1', '--warmup', '0', '--rounds', '1', '--memory-load', '1', '--no-load', '100', '--settle', '1', '--connections', '4', '--no-pin', '--out', out],
      { cwd: ROOT, timeout: 400_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toContain('Performance suite (ratios: subject / baseline)');
    expect(stdout).toMatch(/^1 +[\d.]+ × +>= 0\.9 × +(yes|NO) +Full-featured order creation/m);

    const report: unknown = JSON.parse(readFileSync(path.join(out, 'suite.json'), 'utf8'));
    expect(matchesContract<BenchSuite>(BenchSuite, report)).toBe(true);
    const suite = report as BenchSuite;
    expect(suite.measurements.map((m) => `${m.system} ${m.scenario}`).sort()).toEqual(
      [
        ...['health', 'get-product-direct', 'get-product', 'list-orders', 'create-order', 'pay-order', 'mixed'].map((s) => `microservices ${s}`),
        ...['health', 'get-product-direct', 'get-product', 'create-order'].map((s) => `bare-chain ${s}`),
      ].sort(),
    );
    for (const m of suite.measurements) {
      expect(m.figures.requests, `${m.system} ${m.scenario}`).toBeGreaterThan(0);
      expect(m.figures.errors, `${m.system} ${m.scenario}`).toBe(0);
      expect(m.figures.cpu_ms_per_request, `${m.system} ${m.scenario}`).toBeGreaterThan(0);
      // Microshop's processes count what their calls to each other met; the bare chain counts nothing. With no
      // error no call was refused (a refusal is never retried); a timed-out GET may have been retried in time.
      if (m.system === 'microservices') {
        expect(m.figures.calls, `${m.system} ${m.scenario}`).toMatchObject({ timed_out: expect.any(Number), refused_breaker_open: 0, refused_bulkhead_full: 0 });
      } else {
        expect(m.figures.calls, `${m.system} ${m.scenario}`).toBeUndefined();
      }
    }
    expect(suite.pairings.map((p) => p.name).sort()).toEqual(['bare-gateway', 'features', 'framework-floor', 'gateway']);
    for (const p of suite.pairings) expect(p.ratio.requests_per_s, p.name).toBeGreaterThan(0);
    // The no-load step and start-up were measured; memory after 1 s is shown but not held to the 60 s goal.
    expect(suite.gateway_no_load?.requests).toBe(100);
    expect(suite.gateway_no_load?.gateway_p50_ms).toBeGreaterThan(0);
    expect(suite.memory?.services_rss_mib).toBeGreaterThan(0);
    // Beside each service's RSS, its V8 heap, read from its /metrics: part of the RSS, and used within committed.
    expect(Object.keys(suite.memory?.heap_mib_by_process ?? {}).sort()).toEqual(['gateway', 'order-service', 'payment-service', 'product-service', 'user-service']);
    for (const [name, heap] of Object.entries(suite.memory?.heap_mib_by_process ?? {})) {
      expect(heap.used, name).toBeGreaterThan(0);
      expect(heap.committed, name).toBeGreaterThanOrEqual(heap.used);
      expect(heap.committed, name).toBeLessThan(suite.memory?.rss_mib_by_process[name] ?? 0);
    }
    expect(suite.systems.find((s) => s.name === 'microservices')?.startup_ms.length).toBe(3);
    const goals = Object.fromEntries(suite.goals.map((g) => [g.id, g]));
    for (const id of ['1', '2a', '2b', '5a', '5b', '6b']) expect(goals[id]?.measured, id).not.toBeNull();
    for (const id of ['3a', '3b', '4a', '4b', '6a']) expect(goals[id], id).toMatchObject({ measured: null, met: false });
    expect(goals['5b']).toMatchObject({ measured: 0, met: true });
  });
});
