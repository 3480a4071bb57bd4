import { Type, type Static } from 'typebox';

/** The two ways one codebase runs: a process per service, or every module in one process. */
export const TOPOLOGIES = ['microservices', 'monolith'] as const;
export type TopologyName = (typeof TOPOLOGIES)[number];

const Ms = (description: string) => Type.Number({ minimum: 0, description });
const Ratio = (description: string) => Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: `${description}; null when the microservices figure is 0` });

/** One round of one measurement, as the load generator saw it. */
export const TopologyRound = Type.Object({
  requests_per_s: Type.Number({ minimum: 0 }),
  p50_ms: Ms('Median latency of the round'),
  p99_ms: Ms('99th percentile latency of the round'),
  errors: Type.Integer({ minimum: 0 }),
});
export type TopologyRound = Static<typeof TopologyRound>;

/** What one topology did under one load: medians over the rounds, CPU and memory summed over every process of the system. */
export const TopologyFigures = Type.Object({
  requests_per_s: Type.Number({ minimum: 0, description: 'Requests answered with a 2xx per second, median of the rounds: a refusal (an open breaker answers 503 in a millisecond) is not throughput' }),
  p50_ms: Ms('Median latency, median of the rounds'),
  p99_ms: Ms('99th percentile latency, median of the rounds'),
  errors: Type.Integer({ minimum: 0, description: 'Answers other than 2xx, socket errors and timeouts, summed over the rounds' }),
  unsent: Type.Integer({ minimum: 0, description: 'Open loop: requests not sent because more than a second of them was still waiting (the system fell behind the rate), summed over the rounds; closed loop: 0' }),
  requests: Type.Integer({ minimum: 0, description: 'Requests answered with a 2xx, summed over the rounds' }),
  cpu_ms_per_request: Type.Number({
    minimum: 0,
    description: "CPU time (user + system) of all the system's processes from the start of the load until the system had settled after it (the events the requests set off, relayed and applied, included), per request answered with a 2xx",
  }),
  cpu_percent: Type.Number({ minimum: 0, description: "CPU time of all the system's processes per second while the load ran, in % of one core (100 = one core busy), median of the rounds" }),
  rss_mib: Type.Number({ minimum: 0, description: "Resident memory of all the system's processes at the end, summed, median of the rounds" }),
  cpu_ms_per_request_by_process: Type.Record(Type.String(), Type.Number(), { description: 'The same CPU per request, per process (its instances summed): where the CPU goes' }),
  processes: Type.Array(Type.String(), { description: 'The processes measured, by instance id' }),
  rounds: Type.Array(TopologyRound),
});
export type TopologyFigures = Static<typeof TopologyFigures>;

/** How the load was offered. */
export const TopologyLoad = Type.Object({
  mode: Type.Union([Type.Literal('closed'), Type.Literal('open')], {
    description: 'closed: each connection sends its next request when the last is answered; open: requests start on a fixed schedule, whether or not earlier ones were answered',
  }),
  connections: Type.Integer({ minimum: 1, description: 'closed: the connections; open: the most connections the generator may open' }),
  rate_per_s: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'open: the requests offered per second; closed: null' }),
});
export type TopologyLoad = Static<typeof TopologyLoad>;

/** One scenario under one load, in both topologies, and how the monolith compares. */
export const TopologyResult = Type.Object({
  scenario: Type.String(),
  description: Type.String({ description: 'What one request (or one flow of requests) of the scenario does' }),
  load: TopologyLoad,
  microservices: TopologyFigures,
  monolith: TopologyFigures,
  ratio: Type.Object(
    {
      requests_per_s: Ratio('Monolith / microservices requests per second: above 1, the monolith answers more'),
      p50_ms: Ratio('Monolith / microservices median latency: below 1, the monolith answers sooner'),
      p99_ms: Ratio('Monolith / microservices 99th percentile latency'),
      cpu_ms_per_request: Ratio('Monolith / microservices CPU per request: below 1, the monolith spends less'),
      cpu_percent: Ratio('Monolith / microservices CPU share'),
      rss_mib: Ratio('Monolith / microservices resident memory'),
    },
    { description: 'Monolith divided by microservices, figure by figure' },
  ),
});
export type TopologyResult = Static<typeof TopologyResult>;

/** Who made a benchmark report, when, and on what: the fields every report opens with. */
const RunHeader = {
  command: Type.String({ description: 'The command that produced it' }),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.String({ format: 'date-time' }),
  machine: Type.Object({
    cpus: Type.Integer({ minimum: 1 }),
    node: Type.String(),
    pinned: Type.Boolean({ description: 'The system ran on CPU 1, the load generator (and the supervisor relaying the logs) on CPU 0' }),
  }),
};

/** How long each measurement ran and at what load. */
const RunSettings = {
  duration_s: Type.Integer({ minimum: 1 }),
  warmup_s: Type.Integer({ minimum: 0 }),
  rounds: Type.Integer({ minimum: 1 }),
  connections: Type.Integer({ minimum: 1 }),
};

/**
 * `GET /api/bench/topologies`: the latest comparison of the two topologies, as
 * `npm run bench -- --compare-topologies` wrote it to `docs/bench/topologies.json`.
 */
export const TopologyComparison = Type.Object({
  comparison: Type.Literal('topologies'),
  ...RunHeader,
  settings: Type.Object({
    ...RunSettings,
    rate_per_s: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'The open-loop rate; null when only the closed loop ran' }),
  }),
  topologies: Type.Array(
    Type.Object({
      name: Type.Union([Type.Literal('microservices'), Type.Literal('monolith')]),
      description: Type.String(),
      start: Type.String({ description: 'How it is started' }),
    }),
  ),
  results: Type.Array(TopologyResult),
});
export type TopologyComparison = Static<typeof TopologyComparison>;

/** The configurations the performance suite measures: Microshop in its topologies and settings, and the bare-bones references. */
export const SUITE_SYSTEMS = [
  'microservices',
  'microservices-tracing-off',
  'microservices-sampled',
  'microservices-logging-off',
  'microservices-resilience-off',
  'monolith',
  'bare-chain',
  'bare-chain-traced',
  'bare-chain-logged',
  'bare-inprocess',
] as const;
export type SuiteSystemName = (typeof SUITE_SYSTEMS)[number];

/** A system of the suite, by name (the literals spelled out, so the static type is the union). */
export const SuiteSystemNameSchema = Type.Union([
  Type.Literal('microservices'),
  Type.Literal('microservices-tracing-off'),
  Type.Literal('microservices-sampled'),
  Type.Literal('microservices-logging-off'),
  Type.Literal('microservices-resilience-off'),
  Type.Literal('monolith'),
  Type.Literal('bare-chain'),
  Type.Literal('bare-chain-traced'),
  Type.Literal('bare-chain-logged'),
  Type.Literal('bare-inprocess'),
]);

/** One system the suite started, and how. */
export const SuiteSystem = Type.Object({
  name: SuiteSystemNameSchema,
  description: Type.String(),
  start: Type.String({ description: 'How it is started' }),
  startup_ms: Type.Array(Type.Number({ minimum: 0 }), { description: 'From spawning the first process to every process healthy, each time it was started in the run' }),
});
export type SuiteSystem = Static<typeof SuiteSystem>;

/**
 * What the calls between a system's processes met while it was measured, from the counters on each
 * process's `/metrics` read before and after, summed over the rounds: where a measurement's errors
 * came from. Only Microshop's systems have them.
 */
export const CallFailures = Type.Object({
  timed_out: Type.Integer({ minimum: 0, description: 'Calls to another service that got no answer in time (microshop_http_client_requests_total, outcome timeout)' }),
  refused_breaker_open: Type.Integer({ minimum: 0, description: 'Calls refused without being sent because the breaker to their target was open' }),
  refused_bulkhead_full: Type.Integer({ minimum: 0, description: 'Calls refused without being sent because their target already had its most calls in flight and waiting' }),
  breakers_opened: Type.Integer({ minimum: 0, description: 'Times a circuit breaker opened' }),
  refused_budget_spent: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "Calls not sent because the request's time budget was spent, waiting for a bulkhead's slot included (outcome not_sent, less the refusals above); absent in reports written before it was counted",
    }),
  ),
});
export type CallFailures = Static<typeof CallFailures>;

/** Figures of one scenario on one system, closed loop: the topology comparison's figures without the open loop's and the CPU share. */
export const SuiteFigures = Type.Object({
  ...Type.Pick(TopologyFigures, ['requests_per_s', 'p50_ms', 'p99_ms', 'errors', 'requests', 'cpu_ms_per_request', 'rss_mib', 'cpu_ms_per_request_by_process', 'rounds']).properties,
  calls: Type.Optional(CallFailures),
});
export type SuiteFigures = Static<typeof SuiteFigures>;

/** One scenario measured on one system. */
export const SuiteMeasurement = Type.Object({
  system: SuiteSystemNameSchema,
  scenario: Type.String({ description: 'The scenario name, e.g. create-order, get-product-direct' }),
  figures: SuiteFigures,
});
export type SuiteMeasurement = Static<typeof SuiteMeasurement>;

/** Two measurements side by side, and what the second costs against the first. */
export const SuitePairing = Type.Object({
  name: Type.String({ description: 'Short name, e.g. features, gateway, tracing' }),
  question: Type.String({ description: 'What the pairing answers' }),
  scenario: Type.String(),
  description: Type.String({ description: 'What one request (or flow) of the scenario does' }),
  baseline: Type.Object({ label: Type.String(), system: Type.String(), scenario: Type.String() }),
  subject: Type.Object({ label: Type.String(), system: Type.String(), scenario: Type.String() }),
  ratio: Type.Object({
    requests_per_s: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Subject / baseline requests per second; null when the baseline is 0' }),
    p50_ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    p99_ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    cpu_ms_per_request: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  }),
});
export type SuitePairing = Static<typeof SuitePairing>;

/** One open-loop run: a fixed arrival rate, latency from each request's due time (no coordinated omission). */
export const SuiteOpenLoop = Type.Object({
  system: Type.String(),
  scenario: Type.String(),
  max_requests_per_s: Type.Number({ minimum: 0, description: 'The closed-loop throughput of the same system and scenario in this run, the 100 % the shares are of' }),
  share: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'The offered rate as a share of the maximum' }),
  rate_per_s: Type.Integer({ minimum: 1 }),
  requests_per_s: Type.Number({ minimum: 0 }),
  p50_ms: Ms('Median latency from the due time'),
  p90_ms: Ms('90th percentile'),
  p99_ms: Ms('99th percentile'),
  p999_ms: Ms('99.9th percentile'),
  errors: Type.Integer({ minimum: 0 }),
  unsent: Type.Integer({ minimum: 0, description: 'Requests not sent because more than a second of them was still waiting' }),
});
export type SuiteOpenLoop = Static<typeof SuiteOpenLoop>;

/** One goal of the performance issue, checked against the run's figures. */
export const SuiteGoal = Type.Object({
  id: Type.String({ description: 'The goal number and letter, e.g. 1, 2a, 6b' }),
  goal: Type.String({ description: 'The goal, as a sentence' }),
  measured: Type.Union([Type.Number(), Type.Null()], { description: 'The figure the run measured; null when the run did not measure it' }),
  target: Type.Number(),
  comparison: Type.Union([Type.Literal('>='), Type.Literal('<=')]),
  unit: Type.String({ description: '×, ms, MiB, s or a count' }),
  met: Type.Boolean(),
  evidence: Type.String({ description: 'Which figures the measured value comes from' }),
});
export type SuiteGoal = Static<typeof SuiteGoal>;

/**
 * `GET /api/bench/suite`: the latest run of the performance suite (`npm run bench`), as it wrote it
 * to `docs/bench/suite.json`: every scenario on every system, the pairings, the open-loop runs, the
 * gateway at no load, memory after a mixed load, start-up times, and the goals checked.
 */
export const BenchSuite = Type.Object({
  suite: Type.Literal('performance'),
  ...RunHeader,
  settings: Type.Object({
    ...RunSettings,
    memory_load_s: Type.Integer({ minimum: 0 }),
  }),
  systems: Type.Array(SuiteSystem),
  measurements: Type.Array(SuiteMeasurement),
  pairings: Type.Array(SuitePairing),
  open_loop: Type.Array(SuiteOpenLoop),
  gateway_no_load: Type.Union([
    Type.Object({
      requests: Type.Integer({ minimum: 1, description: 'Requests sent each way, one at a time on one keep-alive connection, interleaved' }),
      direct_p50_ms: Ms('GET product on the Product service'),
      gateway_p50_ms: Ms('The same through the gateway'),
      added_p50_ms: Type.Number({ description: 'gateway − direct' }),
    }),
    Type.Null(),
  ]),
  memory: Type.Union([
    Type.Object({
      load_s: Type.Integer({ minimum: 1 }),
      scenario: Type.String(),
      rss_mib_by_process: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
      services_rss_mib: Type.Number({ minimum: 0, description: 'The gateway and the four services together' }),
      heap_mib_by_process: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Object({
            committed: Type.Number({ minimum: 0, description: 'What V8 has taken from the system for the heap (nodejs_heap_size_total_bytes), in MiB' }),
            used: Type.Number({ minimum: 0, description: 'What objects fill of it (nodejs_heap_size_used_bytes), live or not yet collected, in MiB' }),
          }),
          { description: "The V8 heap of each of the five, read from its /metrics when RSS was read; absent in runs before it was recorded" },
        ),
      ),
    }),
    Type.Null(),
  ]),
  goals: Type.Array(SuiteGoal),
});
export type BenchSuite = Static<typeof BenchSuite>;
