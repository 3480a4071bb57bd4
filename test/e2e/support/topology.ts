/**
 * Which topology the end-to-end suite runs against: `microservices` (a process per service, the
 * default) or `monolith` (`MICROSHOP_TOPOLOGY=monolith`: the same modules in one process, as
 * `npm start -- --monolith`). The `e2e-monolith` project of vitest.config.ts sets it; the support
 * code starts the chosen topology, so the same test files run against both.
 */
export type Topology = 'microservices' | 'monolith';

export const TOPOLOGY: Topology = process.env.MICROSHOP_TOPOLOGY === 'monolith' ? 'monolith' : 'microservices';

/** True when the suite runs against the modular monolith. */
export const onMonolith = TOPOLOGY === 'monolith';
