import type { SuiteSystemName } from '@microshop/contracts';

/**
 * The performance suite's plan: which systems it starts, which scenarios it measures on each, and
 * which pairs of measurements it sets side by side. Data only; suite.ts runs it, suite-report.ts
 * checks the goals against what it measured.
 */

/** One system of the suite: Microshop in one topology and setting, or a bare-bones reference. */
export interface SuiteSystemPlan {
  name: SuiteSystemName;
  description: string;
  /** How a person starts the same thing. */
  start: string;
  /** Microshop's supervisor arguments and environment; absent for the bare references. */
  microshop?: { args: readonly string[]; env: Record<string, string>; resilience?: boolean };
  /** The bare reference to start instead, and what of the standard tooling it runs with. */
  bare?: 'bare-chain' | 'bare-inprocess';
  bareOptions?: { tracing?: boolean; logLevel?: string };
  /** The scenarios measured on it, in this order, on one started system. */
  scenarios: readonly string[];
}

/** Every request a person can make of the shop, in the order they run: reads first, so a list shows its own seeded page. */
const SHOP = ['health', 'get-product-direct', 'get-product', 'list-orders', 'create-order', 'pay-order', 'mixed'] as const;

/** The same system at its defaults: info logging, tracing on, every resilience mechanism on. */
const FULL_ENV = { LOG_LEVEL: 'info' };

export const SUITE_SYSTEM_PLANS: readonly SuiteSystemPlan[] = [
  {
    name: 'microservices',
    description: 'npm start at its defaults: every feature on (validation, tracing, metrics, info logs, timeouts, retries, breakers, idempotency, outbox and events)',
    start: 'npm start',
    microshop: { args: [], env: FULL_ENV },
    scenarios: SHOP,
  },
  {
    name: 'microservices-tracing-off',
    description: 'The same with OpenTelemetry off (OTEL_SDK_DISABLED=true)',
    start: 'OTEL_SDK_DISABLED=true npm start',
    microshop: { args: [], env: { ...FULL_ENV, OTEL_SDK_DISABLED: 'true' } },
    scenarios: ['create-order'],
  },
  {
    name: 'microservices-sampled',
    description: 'The same with 10 % of traces kept (a parent-based ratio sampler): every request still carries its trace context, only one trace in ten is recorded and exported',
    start: 'OTEL_TRACES_SAMPLER=parentbased_traceidratio OTEL_TRACES_SAMPLER_ARG=0.1 npm start',
    microshop: { args: [], env: { ...FULL_ENV, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
    scenarios: ['create-order'],
  },
  {
    name: 'microservices-logging-off',
    description: 'The same with logging off (LOG_LEVEL=silent)',
    start: 'LOG_LEVEL=silent npm start',
    microshop: { args: [], env: { LOG_LEVEL: 'silent' } },
    scenarios: ['create-order'],
  },
  {
    name: 'microservices-resilience-off',
    description: 'The same with timeouts, retries, breakers and bulkheads switched off in the gateway and every service (admin API)',
    start: 'npm start, then PUT /api/admin/services/:name/resilience {all false} for each',
    microshop: { args: [], env: FULL_ENV, resilience: false },
    scenarios: ['create-order'],
  },
  {
    name: 'monolith',
    description: 'npm start -- --monolith at its defaults: the gateway and the four modules in one process, the payment provider beside it',
    start: 'npm start -- --monolith',
    microshop: { args: ['--monolith'], env: FULL_ENV },
    scenarios: ['get-product', 'list-orders', 'create-order', 'pay-order', 'mixed'],
  },
  {
    name: 'bare-chain',
    description: 'Bare-bones processes of the same shape: fastify, an undici Pool per hop, better-sqlite3; no validation beyond ids, no tracing, metrics, logs, breakers, idempotency or events',
    start: 'tools/bench/src/bare (started by the suite)',
    bare: 'bare-chain',
    scenarios: ['health', 'get-product-direct', 'get-product', 'create-order'],
  },
  {
    name: 'bare-chain-traced',
    description: "The bare chain with OpenTelemetry's Node SDK as documented (http and undici instrumentations, every span kept, batched OTLP/JSON export to the bare gateway, which parses it): what tracing costs before any of Microshop's own code",
    start: 'tools/bench/src/bare with --import tools/bench/dist/bare/tracing.js (started by the suite)',
    bare: 'bare-chain',
    bareOptions: { tracing: true },
    scenarios: ['create-order'],
  },
  {
    name: 'bare-chain-logged',
    description: "The bare chain with fastify's own request log at info level (pino: a line when a request comes in, one when it is answered), written to a pipe",
    start: 'tools/bench/src/bare with BARE_LOG_LEVEL=info (started by the suite)',
    bare: 'bare-chain',
    bareOptions: { logLevel: 'info' },
    scenarios: ['create-order'],
  },
  {
    name: 'bare-inprocess',
    description: 'The bare-bones create-order logic in one fastify process: the user and product lookups as function calls, one insert',
    start: 'tools/bench/src/bare (started by the suite)',
    bare: 'bare-inprocess',
    scenarios: ['create-order'],
  },
];

/** Which measurement a side of a pairing is. */
export interface Side {
  label: string;
  system: SuiteSystemName;
  scenario: string;
}

/** Two measurements side by side: the subject's figures over the baseline's. */
export interface PairingPlan {
  name: string;
  question: string;
  scenario: string;
  baseline: Side;
  subject: Side;
}

const side = (label: string, system: SuiteSystemName, scenario: string): Side => ({ label, system, scenario });

export const SUITE_PAIRINGS: readonly PairingPlan[] = [
  {
    name: 'features',
    question: 'What do all the features together cost on order creation?',
    scenario: 'create-order',
    baseline: side('bare chain', 'bare-chain', 'create-order'),
    subject: side('Microshop, microservices', 'microservices', 'create-order'),
  },
  {
    name: 'framework-floor',
    question: 'What does the chassis cost on the cheapest route?',
    scenario: 'health',
    baseline: side('bare fastify', 'bare-chain', 'health'),
    subject: side('Microshop Product service', 'microservices', 'health'),
  },
  {
    name: 'gateway',
    question: 'What does the gateway hop cost a read?',
    scenario: 'get-product',
    baseline: side('Product service directly', 'microservices', 'get-product-direct'),
    subject: side('through the gateway', 'microservices', 'get-product'),
  },
  {
    name: 'bare-gateway',
    question: 'What does a bare proxy hop cost the same read (the reference)?',
    scenario: 'get-product',
    baseline: side('bare product directly', 'bare-chain', 'get-product-direct'),
    subject: side('through a bare undici gateway', 'bare-chain', 'get-product'),
  },
  {
    name: 'ceiling',
    question: 'How close is the monolith to the bare in-process ceiling?',
    scenario: 'create-order',
    baseline: side('bare, one process', 'bare-inprocess', 'create-order'),
    subject: side('Microshop, monolith', 'monolith', 'create-order'),
  },
  {
    name: 'topology',
    question: 'What does the network cost order creation (microservices against the monolith)?',
    scenario: 'create-order',
    baseline: side('monolith', 'monolith', 'create-order'),
    subject: side('microservices', 'microservices', 'create-order'),
  },
  {
    name: 'bare-topology',
    question: 'What does the network cost the bare references (the floor the topology ratio is held to)?',
    scenario: 'create-order',
    baseline: side('bare, one process', 'bare-inprocess', 'create-order'),
    subject: side('bare chain', 'bare-chain', 'create-order'),
  },
  ...(['get-product', 'list-orders', 'pay-order', 'mixed'] as const).map(
    (scenario): PairingPlan => ({
      name: `topology-${scenario}`,
      question: `What does the network cost ${scenario}?`,
      scenario,
      baseline: side('monolith', 'monolith', scenario),
      subject: side('microservices', 'microservices', scenario),
    }),
  ),
  {
    name: 'tracing',
    question: 'What does tracing every request cost?',
    scenario: 'create-order',
    baseline: side('tracing off', 'microservices-tracing-off', 'create-order'),
    subject: side('tracing on', 'microservices', 'create-order'),
  },
  {
    name: 'tracing-sampled',
    question: 'What does tracing cost when one trace in ten is kept?',
    scenario: 'create-order',
    baseline: side('tracing off', 'microservices-tracing-off', 'create-order'),
    subject: side('10 % of traces kept', 'microservices-sampled', 'create-order'),
  },
  {
    name: 'bare-tracing',
    question: "What does tracing every request with OpenTelemetry's SDK cost the bare chain (the floor Microshop's tracing is held to)?",
    scenario: 'create-order',
    baseline: side('bare chain', 'bare-chain', 'create-order'),
    subject: side('bare chain, traced', 'bare-chain-traced', 'create-order'),
  },
  {
    name: 'logging',
    question: 'What does structured logging at info level cost?',
    scenario: 'create-order',
    baseline: side('logging off', 'microservices-logging-off', 'create-order'),
    subject: side('info level', 'microservices', 'create-order'),
  },
  {
    name: 'bare-logging',
    question: "What does fastify's request log at info level cost the bare chain (the floor Microshop's logging is held to)?",
    scenario: 'create-order',
    baseline: side('bare chain', 'bare-chain', 'create-order'),
    subject: side('bare chain, logged', 'bare-chain-logged', 'create-order'),
  },
  {
    name: 'resilience',
    question: 'What do timeouts, retries, breakers and bulkheads cost when nothing fails?',
    scenario: 'create-order',
    baseline: side('resilience off', 'microservices-resilience-off', 'create-order'),
    subject: side('resilience on', 'microservices', 'create-order'),
  },
];

/** The open-loop runs: these systems and scenarios at these shares of the closed-loop maximum the same run measured. */
export const OPEN_LOOP_PLAN = {
  targets: [
    { system: 'microservices', scenario: 'create-order' },
    { system: 'monolith', scenario: 'create-order' },
  ] as const satisfies readonly { system: SuiteSystemName; scenario: string }[],
  shares: [0.5, 0.8] as const,
};

/** Which processes are "the five services" of the memory goal. */
export const FIVE_SERVICES = ['gateway', 'user-service', 'product-service', 'order-service', 'payment-service'] as const;
