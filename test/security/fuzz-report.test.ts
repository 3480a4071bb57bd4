import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from '../e2e/support/supervised-system.js';
import { TOPOLOGY } from '../e2e/support/topology.js';
import { apiRows, createFuzzer, databaseRows, publicEndpoints, type EndpointReport, type Fuzzer, type RowCounter } from './fuzz.js';
import { formatTable, saveReport, summarise } from './report.js';

/**
 * `npm run fuzz`: every public endpoint fuzzed through the gateway, 10,000 cases each, the table
 * printed and saved as JSON. Run by its own vitest configuration (test/security/vitest.config.ts),
 * never by the suite. Settings, from the environment:
 *
 * - `FUZZ_RUNS`: cases per endpoint (default 10,000);
 * - `FUZZ_SEED`: a fixed fast-check seed, to replay a run (default a new one per endpoint);
 * - `FUZZ_OUT`: where the JSON goes (default docs/security/fuzz.json);
 * - `FUZZ_URL`: fuzz a running system's gateway instead of starting one (it gets rows of its own);
 *   rows are then counted through the API, per endpoint, unless `FUZZ_DATABASE_DIR` names its
 *   SQLite directory (per case);
 * - `MICROSHOP_TOPOLOGY=monolith`: start the modular monolith instead of the microservices.
 */
const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.FUZZ_RUNS || 10_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const OUT = path.resolve(ROOT_DIR, process.env.FUZZ_OUT || 'docs/security/fuzz.json');
const URL_GIVEN = process.env.FUZZ_URL?.replace(/\/+$/, '');
const DATABASE_DIR = process.env.FUZZ_DATABASE_DIR;

let system: SupervisedSystem | undefined;
let rows: RowCounter;
let fuzzer: Fuzzer;
let target: string;

beforeAll(async () => {
  let url = URL_GIVEN;
  if (url === undefined) {
    // One client sending tens of thousands of requests: no per-client rate limit.
    system = await startSupervisedSystem({ gatewayEnv: { RATE_LIMIT_RPS: '0' } });
    url = system.url;
  }
  const databaseDir = system?.databaseDir ?? DATABASE_DIR;
  rows = databaseDir === undefined ? apiRows(url) : databaseRows(databaseDir);
  fuzzer = await createFuzzer({ url, rows });
  target = URL_GIVEN ?? TOPOLOGY;
}, 120_000);

afterAll(async () => {
  await fuzzer?.close();
  rows?.close();
  await system?.stop();
});

test(`When every public endpoint is fuzzed with ${RUNS} cases, then never a 5xx, every 4xx is a problem naming a field the request carried, and refused input stores nothing`, async () => {
  const reports: EndpointReport[] = [];
  for (const endpoint of publicEndpoints()) {
    const report = await fuzzer.fuzz(endpoint, { runs: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) });
    reports.push(report);
    console.log(`${endpoint.name}: ${report.cases} cases in ${(report.timeMs / 1000).toFixed(1)} s${report.failure ? ' FAILED' : ''}`);
  }
  const summary = summarise(reports, target, RUNS, rows.perCase);
  saveReport(summary, OUT);
  console.log(`${formatTable(summary)}\n\nSaved to ${path.relative(ROOT_DIR, OUT)}`);
  expect(summary.totals.failures).toBe(0);
});
