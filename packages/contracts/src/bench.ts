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
  requests_per_s: Type.Number({ minimum: 0, description: 'Requests answered per second (any status), median of the rounds' }),
  p50_ms: Ms('Median latency, median of the rounds'),
  p99_ms: Ms('99th percentile latency, median of the rounds'),
  errors: Type.Integer({ minimum: 0, description: 'Answers other than 2xx, socket errors and timeouts, summed over the rounds' }),
  unsent: Type.Integer({ minimum: 0, description: 'Open loop: requests not sent because more than a second of them was still waiting (the system fell behind the rate), summed over the rounds; closed loop: 0' }),
  requests: Type.Integer({ minimum: 0, description: 'Requests answered, summed over the rounds' }),
  cpu_ms_per_request: Type.Number({
    minimum: 0,
    description: "CPU time (user + system) of all the system's processes from the start of the load until the system had settled after it (the events the requests set off, relayed and applied, included), per request answered",
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

/**
 * `GET /api/bench/topologies`: the latest comparison of the two topologies, as
 * `npm run bench -- --compare-topologies` wrote it to `docs/bench/topologies.json`.
 */
export const TopologyComparison = Type.Object({
  comparison: Type.Literal('topologies'),
  command: Type.String({ description: 'The command that produced it' }),
  started_at: Type.String({ format: 'date-time' }),
  finished_at: Type.String({ format: 'date-time' }),
  machine: Type.Object({
    cpus: Type.Integer({ minimum: 1 }),
    node: Type.String(),
    pinned: Type.Boolean({ description: 'The system ran on CPU 1 and the load generator on CPU 0' }),
  }),
  settings: Type.Object({
    duration_s: Type.Integer({ minimum: 1 }),
    warmup_s: Type.Integer({ minimum: 0 }),
    rounds: Type.Integer({ minimum: 1 }),
    connections: Type.Integer({ minimum: 1 }),
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
