import { cpus } from 'node:os';
import type { CallFailures } from '@microshop/contracts';
import type { BenchArgs } from './args.js';
import { addFailures, describeFailures, failuresBetween, readFailures } from './call-failures.js';
import { COMPARISONS, type Variant } from './comparisons.js';
import { type LoadResult, runLoad, warmUpSaying } from './load.js';
import { sampleInFlight } from './in-flight.js';
import { cpuByService, sampleAll, sampleEach } from './process-usage.js';
import { median, type BenchReport, type VariantSummary } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { FIVE_SERVICES } from './suite-plan.js';
import { startSystem, startWithRetry } from './system.js';

interface Measured extends LoadResult {
  cpuSeconds: number;
  /** CPU seconds of each service during the measurement, its instances summed. */
  cpuSecondsByService: Record<string, number>;
  rssBytes: number;
  inFlightMean: number;
  inFlightMax: number;
  /** What the calls between the processes met while the load ran (their /metrics before and after). */
  calls: CallFailures | undefined;
}

/**
 * Runs the whole benchmark the arguments describe and returns its report. `say` shows progress.
 * With `pinned`, the system runs on CPU 1 (the caller keeps the load generator on CPU 0).
 */
export async function runBench(args: BenchArgs, say: (line: string) => void, pinned: boolean): Promise<BenchReport> {
  const scenario = SCENARIOS[args.scenario];
  if (!scenario) throw new Error(`unknown scenario ${args.scenario}`);
  const comparison = args.compare ? COMPARISONS[args.compare] : undefined;
  const variants: readonly Variant[] = comparison ? comparison.variants : [{ name: 'default', env: {} }];
  const results = new Map<string, Measured[]>(variants.map((v) => [v.name, []]));

  for (let round = 1; round <= args.rounds; round++) {
    // A B C, then C B A: no configuration always runs on a warmer machine.
    const order = round % 2 === 1 ? variants : [...variants].reverse();
    for (const variant of order) {
      say(`round ${round}/${args.rounds} · ${variant.name}: starting the system`);
      const system = await startWithRetry(
        () => startSystem({ env: variant.env, args: variant.args ?? [], cpus: pinned ? '1' : undefined, supervisorCpus: pinned ? '0' : undefined }),
        () => say(`round ${round}/${args.rounds} · ${variant.name}: the system did not start; trying once more`),
      );
      try {
        const request = await scenario.prepare(system);
        if (variant.setup) {
          say(`round ${round}/${args.rounds} · ${variant.name}: setting up`);
          await variant.setup(system);
        }
        await warmUpSaying(request, args.connections, args.warmupSeconds, say, `round ${round}/${args.rounds} · ${variant.name}`);
        const byInstance = await system.pids();
        const pids = Object.values(byInstance);
        // Read before the CPU is: the scrapes are not the load's work.
        const urls = FIVE_SERVICES.map((name) => system.url(name));
        const callsBefore = await readFailures(urls);
        const before = sampleAll(pids);
        const beforeEach = cpuByService(sampleEach(byInstance));
        const inFlight = sampleInFlight(system.url('gateway'));
        const result = await runLoad({
          ...request,
          connections: args.connections,
          durationSeconds: args.durationSeconds,
          onTick: (s) => say(`round ${round}/${args.rounds} · ${variant.name}: measuring ${s}/${args.durationSeconds} s`),
        });
        const after = sampleAll(pids);
        const afterEach = cpuByService(sampleEach(byInstance));
        const held = inFlight.stop();
        const callsAfter = await readFailures(urls);
        const calls = callsBefore && callsAfter ? failuresBetween(callsBefore, callsAfter) : undefined;
        results.get(variant.name)?.push({
          ...result,
          cpuSeconds: after.cpuSeconds - before.cpuSeconds,
          cpuSecondsByService: Object.fromEntries(Object.entries(afterEach).map(([service, seconds]) => [service, seconds - (beforeEach[service] ?? 0)])),
          rssBytes: after.rssBytes,
          inFlightMean: held.mean,
          inFlightMax: held.max,
          calls,
        });
        const met = describeFailures(calls);
        say(`round ${round}/${args.rounds} · ${variant.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors${met ? `; between the processes: ${met}` : ''}`);
      } finally {
        await system.stop();
      }
    }
  }

  const summaries: VariantSummary[] = variants.map((variant) => {
    const runs = results.get(variant.name) ?? [];
    const requests = runs.reduce((sum, r) => sum + r.requests, 0);
    const calls = runs.flatMap((r) => (r.calls ? [r.calls] : []));
    return {
      variant: variant.name,
      requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      errors: runs.reduce((sum, r) => sum + r.errors, 0),
      cpuMsPerRequest: requests ? (runs.reduce((sum, r) => sum + r.cpuSeconds, 0) * 1000) / requests : 0,
      cpuMsPerRequestByService: Object.fromEntries(
        [...new Set(runs.flatMap((r) => Object.keys(r.cpuSecondsByService)))].map((service) => [
          service,
          requests ? (runs.reduce((sum, r) => sum + (r.cpuSecondsByService[service] ?? 0), 0) * 1000) / requests : 0,
        ]),
      ),
      rssMiB: median(runs.map((r) => r.rssBytes / 1024 / 1024)),
      gatewayInFlightMean: median(runs.map((r) => r.inFlightMean)),
      gatewayInFlightMax: Math.max(0, ...runs.map((r) => r.inFlightMax)),
      rounds: runs.map(({ requestsPerSecond, p50Ms, p99Ms, errors }) => ({ requestsPerSecond, p50Ms, p99Ms, errors })),
      ...(calls.length ? { calls: calls.reduce(addFailures) } : {}),
    };
  });
  return {
    scenario: scenario.name,
    description: scenario.description,
    comparison: comparison?.name ?? null,
    startedAt: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, pinned },
    settings: { connections: args.connections, durationSeconds: args.durationSeconds, warmupSeconds: args.warmupSeconds, rounds: args.rounds },
    variants: summaries,
  };
}
