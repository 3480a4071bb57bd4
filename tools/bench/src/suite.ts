import http from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { BenchSuite, SuiteOpenLoop, SuiteSystemName } from '@microshop/contracts';
import type { ServiceName } from '@microshop/contracts';
import { setResilience } from './admin.js';
import { describeFailures, failuresBetween, readFailures } from './call-failures.js';
import { readHeaps } from './heap.js';
import { startBareSystem } from './bare/index.js';
import { type LoadTarget, percentile, runLoad, runOpenLoad, warmUpSaying } from './load.js';
import { sampleAll, sampleEach, sampleProcess } from './process-usage.js';
import { SCENARIOS, type ScenarioSystem } from './scenarios.js';
import { FIVE_SERVICES, OPEN_LOOP_PLAN, SUITE_SYSTEM_PLANS, type SuiteSystemPlan } from './suite-plan.js';
import { buildSuiteReport, type SuiteRuns } from './suite-report.js';
import { startSystem, startWithRetry } from './system.js';
import { readBackground, settle } from './topologies.js';
import type { TopologyRun } from './topology-report.js';

/** What the suite is asked for: `npm run bench` with its options. */
export interface SuiteArgs {
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  /** Seconds of the mixed load before memory is read (0: no memory step). */
  memoryLoadSeconds: number;
  /** Requests each way for the gateway at no load. */
  noLoadRequests: number;
  /** Only these systems (and the pairings, goals and open-loop runs they allow); all when empty. */
  systems: readonly SuiteSystemName[];
  /** The longest wait for the system to go idle before and after each measurement, in seconds. */
  settleSeconds: number;
}

/** A started system, Microshop or bare: where it answers, its processes, and how to stop it. */
interface Running extends ScenarioSystem {
  pids(): Promise<Record<string, number>>;
  startupMs: number;
  stop(): Promise<void>;
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n').find((line) => line.trim() && !line.startsWith('The system did not start')) ?? 'no output';

/** Starts one system of the plan, pinned to CPU 1 when `pinned` (the generator and the supervisor's log relay keep CPU 0). */
async function launch(plan: SuiteSystemPlan, pinned: boolean): Promise<Running> {
  const cpusOfSystem = pinned ? '1' : undefined;
  if (plan.bare) {
    const bare = await startBareSystem(plan.bare, { cpus: cpusOfSystem, ...plan.bareOptions });
    return { url: (name: ServiceName) => bare.url(name as Parameters<typeof bare.url>[0]), pids: () => bare.pids(), startupMs: bare.startupMs, stop: () => bare.stop() };
  }
  const microshop = plan.microshop;
  if (!microshop) throw new Error(`${plan.name} is neither Microshop nor a bare reference`);
  const system = await startSystem({ env: microshop.env, args: microshop.args, cpus: cpusOfSystem, supervisorCpus: pinned ? '0' : undefined });
  if (microshop.resilience === false) {
    try {
      await setResilience(system, { timeouts: false, retries: false, breakers: false, bulkheads: false });
    } catch (error) {
      await system.stop();
      throw error;
    }
  }
  return system;
}

/** What a freshly started system uses with no request (its background), which each settle waits to get back to. */
const idleBackground = async (system: Running, say: (line: string) => void, where: string): Promise<number> => readBackground(Object.values(await system.pids()), say, where);

/** Starts it, and once more if the first start fails (a busy machine can make a process miss its health deadline). */
const launchWithRetry = (plan: SuiteSystemPlan, pinned: boolean, say: (line: string) => void, where: string) =>
  startWithRetry(
    () => launch(plan, pinned),
    (error) => say(`${where}: did not start (${firstLine(error)}); trying once more`),
  );

/**
 * Measures one closed-loop run on a started system: CPU from the start of the load until the work it
 * set off (events relayed and applied) has finished, resident memory at the end.
 */
async function measureClosed(system: Running, target: LoadTarget, args: SuiteArgs, baseline: number, say: (line: string) => void, where: string): Promise<TopologyRun> {
  await warmUpSaying(target, args.connections, args.warmupSeconds, say, where);
  const pids = await system.pids();
  say(`${where}: waiting for the system to settle`);
  await settle(Object.values(pids), args.settleSeconds * 1000, { baseline });
  const urls = FIVE_SERVICES.map((name) => system.url(name));
  const callsBefore = await readFailures(urls);
  const before = sampleEach(pids);
  const wallStart = performance.now();
  const result = await runLoad({
    ...target,
    connections: args.connections,
    durationSeconds: args.durationSeconds,
    onTick: (s) => say(`${where}: measuring ${Math.min(s, args.durationSeconds)}/${args.durationSeconds} s`),
  });
  const wallSeconds = (performance.now() - wallStart) / 1000;
  const atEnd = sampleAll(Object.values(pids));
  await settle(Object.values(pids), args.settleSeconds * 1000, { baseline });
  const after = sampleEach(pids);
  const callsAfter = await readFailures(urls);
  const calls = callsBefore && callsAfter ? failuresBetween(callsBefore, callsAfter) : undefined;
  const cpuSecondsByProcess = Object.fromEntries(Object.keys(pids).map((id) => [id, (after[id]?.cpuSeconds ?? 0) - (before[id]?.cpuSeconds ?? 0)]));
  const cpuSecondsUnderLoad = atEnd.cpuSeconds - Object.values(before).reduce((sum, s) => sum + s.cpuSeconds, 0);
  const statuses = Object.entries(result.failedStatuses ?? {}).map(([status, count]) => `${count} × ${status}`);
  const between = describeFailures(calls);
  say(`${where}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors${statuses.length ? ` (${statuses.join(', ')})` : ''}${between ? `; between the processes: ${between}` : ''}`);
  return { ...result, cpuSecondsByProcess, cpuSecondsUnderLoad, wallSeconds, rssBytes: atEnd.rssBytes, calls };
}

/**
 * The gateway's own latency at no load: GET product on the Product service and through the gateway,
 * one request at a time on one keep-alive connection each, interleaved so both see the same
 * machine. The first tenth is a warm-up and is not counted.
 */
async function gatewayNoLoad(system: Running, requests: number): Promise<BenchSuite['gateway_no_load']> {
  const direct = await SCENARIOS['get-product-direct']?.prepare(system);
  const viaGateway = await SCENARIOS['get-product']?.prepare(system);
  if (!direct || !viaGateway) return null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = (url: string) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      http
        .get(url, { agent }, (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`GET ${url} answered ${response.statusCode}`))));
        })
        .on('error', reject);
    });
  // Direct first, then the gateway first, and so on: neither always runs on a connection just used.
  const pair = async (directFirst: boolean): Promise<[number, number]> => {
    if (directFirst) {
      const d = await once(direct.url);
      return [d, await once(viaGateway.url)];
    }
    const g = await once(viaGateway.url);
    return [await once(direct.url), g];
  };
  const warmup = Math.ceil(requests / 10);
  const directMs: number[] = [];
  const gatewayMs: number[] = [];
  try {
    for (let i = 0; i < warmup + requests; i++) {
      const [d, g] = await pair(i % 2 === 0);
      if (i < warmup) continue;
      directMs.push(d);
      gatewayMs.push(g);
    }
  } finally {
    agent.destroy();
  }
  const p50 = (values: number[]) => percentile([...values].sort((x, y) => x - y), 0.5);
  const round3 = (value: number) => Math.round(value * 1000) / 1000;
  return { requests, direct_p50_ms: round3(p50(directMs)), gateway_p50_ms: round3(p50(gatewayMs)), added_p50_ms: round3(p50(gatewayMs) - p50(directMs)) };
}

/** Runs the suite and returns its report. `say` shows progress. */
export async function runSuite(args: SuiteArgs, say: (line: string) => void, pinned: boolean, command: string): Promise<BenchSuite> {
  const startedAt = new Date().toISOString();
  const plans = SUITE_SYSTEM_PLANS.filter((plan) => args.systems.length === 0 || args.systems.includes(plan.name));
  const runs: SuiteRuns = { closed: new Map(), startupMs: new Map() };
  const noteStart = (name: SuiteSystemName, system: Running) => runs.startupMs.set(name, [...(runs.startupMs.get(name) ?? []), Math.round(system.startupMs)]);
  const steps = plans.reduce((sum, plan) => sum + plan.scenarios.length, 0) * args.rounds;
  let step = 0;

  for (let round = 1; round <= args.rounds; round++) {
    // A B C …, then … C B A: no system always runs on a warmer machine.
    const order = round % 2 === 1 ? plans : [...plans].reverse();
    for (const plan of order) {
      const where = `round ${round}/${args.rounds} · ${plan.name}`;
      say(`${where}: starting`);
      const system = await launchWithRetry(plan, pinned, say, where);
      noteStart(plan.name, system);
      try {
        const baseline = await idleBackground(system, say, where);
        for (const name of plan.scenarios) {
          const scenario = SCENARIOS[name];
          if (!scenario) throw new Error(`unknown scenario ${name}`);
          step++;
          const target = await scenario.prepare(system);
          const run = await measureClosed(system, target, args, baseline, say, `[${step}/${steps}] ${where} · ${name}`);
          const key = `${plan.name}|${name}`;
          runs.closed.set(key, [...(runs.closed.get(key) ?? []), run]);
        }
      } finally {
        await system.stop();
      }
    }
  }

  // Open loop at shares of the maximum the closed loop just measured, on a fresh system each.
  const openLoop: SuiteOpenLoop[] = [];
  for (const target of OPEN_LOOP_PLAN.targets) {
    const plan = plans.find((p) => p.name === target.system);
    const closed = runs.closed.get(`${target.system}|${target.scenario}`);
    const scenario = SCENARIOS[target.scenario];
    if (!plan || !closed || !scenario) continue;
    const max = [...closed.map((r) => r.requestsPerSecond)].sort((a, b) => a - b)[Math.floor(closed.length / 2)] ?? 0;
    if (max < 2) continue;
    const where = `open loop · ${target.system} · ${target.scenario}`;
    say(`${where}: starting`);
    const system = await launchWithRetry(plan, pinned, say, where);
    noteStart(plan.name, system);
    try {
      const baseline = await idleBackground(system, say, where);
      const load = await scenario.prepare(system);
      await warmUpSaying(load, args.connections, args.warmupSeconds, say, where);
      const pids = Object.values(await system.pids());
      for (const share of OPEN_LOOP_PLAN.shares) {
        const rate = Math.max(1, Math.round(max * share));
        await settle(pids, args.settleSeconds * 1000, { baseline });
        const result = await runOpenLoad({
          ...load,
          ratePerSecond: rate,
          // Enough connections that the generator never queues behind a slow answer at this rate.
          connections: Math.max(args.connections, 64),
          durationSeconds: args.durationSeconds,
          onTick: (s) => say(`${where} · ${rate}/s (${share * 100} % of ${max.toFixed(0)}): ${s}/${args.durationSeconds} s`),
        });
        const r2 = (value: number | undefined) => Math.round((value ?? 0) * 100) / 100;
        openLoop.push({
          system: target.system,
          scenario: target.scenario,
          max_requests_per_s: r2(max),
          share,
          rate_per_s: rate,
          requests_per_s: r2(result.requestsPerSecond),
          p50_ms: r2(result.p50Ms),
          p90_ms: r2(result.p90Ms),
          p99_ms: r2(result.p99Ms),
          p999_ms: r2(result.p999Ms),
          errors: result.errors,
          unsent: result.unsent,
        });
        say(`${where} · ${rate}/s: p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors, ${result.unsent} not sent`);
      }
    } finally {
      await system.stop();
    }
  }

  // The gateway at no load, then memory after a long mixed load, on one more microservices system.
  let noLoad: BenchSuite['gateway_no_load'] = null;
  let memory: BenchSuite['memory'] = null;
  const microservices = plans.find((p) => p.name === 'microservices');
  if (microservices && (args.noLoadRequests > 0 || args.memoryLoadSeconds > 0)) {
    const where = 'microservices · no load, then memory';
    say(`${where}: starting`);
    const system = await launchWithRetry(microservices, pinned, say, where);
    noteStart(microservices.name, system);
    try {
      const baseline = await idleBackground(system, say, where);
      if (args.noLoadRequests > 0) {
        say(`${where}: ${args.noLoadRequests} GET product each way, one at a time`);
        noLoad = await gatewayNoLoad(system, args.noLoadRequests);
      }
      const mixed = SCENARIOS.mixed;
      if (args.memoryLoadSeconds > 0 && mixed) {
        const load = await mixed.prepare(system);
        await runLoad({
          ...load,
          connections: args.connections,
          durationSeconds: args.memoryLoadSeconds,
          onTick: (s) => say(`${where}: mixed load ${s}/${args.memoryLoadSeconds} s`),
        });
        const pids = await system.pids();
        await settle(Object.values(pids), args.settleSeconds * 1000, { baseline });
        const byProcess: Record<string, number> = {};
        for (const [id, pid] of Object.entries(pids)) {
          const name = id.replace(/-\d+$/, '');
          byProcess[name] = Math.round(((byProcess[name] ?? 0) + sampleProcess(pid).rssBytes / 1024 / 1024) * 10) / 10;
        }
        const services = FIVE_SERVICES.reduce((sum, name) => sum + (byProcess[name] ?? 0), 0);
        const heaps = await readHeaps(Object.fromEntries(FIVE_SERVICES.map((name) => [name, system.url(name)])));
        memory = {
          load_s: args.memoryLoadSeconds,
          scenario: 'mixed',
          rss_mib_by_process: byProcess,
          services_rss_mib: Math.round(services * 10) / 10,
          ...(Object.keys(heaps).length > 0 ? { heap_mib_by_process: heaps } : {}),
        };
      }
    } finally {
      await system.stop();
    }
  }

  return buildSuiteReport({
    runs,
    plans,
    openLoop,
    noLoad,
    memory,
    meta: {
      command,
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, pinned },
      settings: {
        duration_s: args.durationSeconds,
        warmup_s: args.warmupSeconds,
        rounds: args.rounds,
        connections: args.connections,
        memory_load_s: args.memoryLoadSeconds,
      },
    },
  });
}
