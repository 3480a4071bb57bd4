import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { composeSchemaErrors, environmentOf, interpolate, loadCompose, type ComposeFile } from './support/compose.js';
import { composeEnvironmentProblems, composePrometheusProblems, composeStructureProblems } from './support/compose-checks.js';
import { clone, DEPLOY, readText, type JsonObject } from './support/files.js';
import { closeConfigReader } from './support/service-config.js';


afterAll(closeConfigReader);
const COMPOSE = path.join(DEPLOY, 'compose.yaml');

const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('deploy/compose.yaml', () => {
  let compose: ComposeFile;
  beforeAll(() => {
    compose = loadCompose(readText(COMPOSE), 'deploy/compose.yaml');
  });

  test('validates against the compose-spec JSON schema', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  test('the six processes built from deploy/Dockerfile with their SERVICE and PORT, the infrastructure beside them; every reference defined; only the gateway, Jaeger and Prometheus published', () => {
    expect(composeStructureProblems(compose)).toEqual([]);
  });

  test('every environment variable is one the service reads, with a value its config accepts; every URL names a service of the file on its port', async () => {
    expect(await composeEnvironmentProblems(compose)).toEqual([]);
  });

  test('Prometheus scrapes every service, found by Docker\'s DNS, on its port', () => {
    expect(composePrometheusProblems(compose, readText(path.join(DEPLOY, 'prometheus/compose.yml')))).toEqual([]);
  });

  test.skipIf(!promtool)('promtool accepts the compose and Kubernetes Prometheus configurations (when promtool is installed)', () => {
    for (const file of ['prometheus/compose.yml', 'prometheus/kubernetes.yml', 'prometheus/prometheus.yml']) {
      expect(execFileSync('promtool', ['check', 'config', '--syntax-only', path.join(DEPLOY, file)], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    }
  });

  test('the credentials it falls back to are development-only, and each can be set from the environment', () => {
    const raw = readText(COMPOSE);
    for (const variable of ['MICROSHOP_SERVICE_TOKEN', 'MICROSHOP_ADMIN_TOKEN', 'MICROSHOP_POSTGRES_PASSWORD', 'MICROSHOP_USERS_DB_PASSWORD']) expect(raw).toContain(`\${${variable}:-`);
    for (const [, fallback] of raw.matchAll(/\$\{MICROSHOP_[A-Z_]+:-([^}]*)\}/g)) expect(fallback).toMatch(/dev-only/);
    expect(environmentOf(compose.services.gateway as JsonObject).ADMIN_TOKEN).toBe('dev-only-admin-token-replace-me');
  });
});

describe('the compose checks fail on broken copies', () => {
  let compose: ComposeFile;
  beforeAll(() => {
    compose = loadCompose(readText(COMPOSE), 'deploy/compose.yaml');
  });
  const broken = (change: (c: ComposeFile) => void) => {
    const copy = clone(compose);
    change(copy);
    return copy;
  };
  const service = (c: ComposeFile, name: string) => c.services[name] as JsonObject;
  const env = (c: ComposeFile, name: string) => service(c, name).environment as JsonObject;

  test('schema: a misspelt key, a bad depends_on condition, a bad duration', () => {
    expect(composeSchemaErrors(broken((c) => (service(c, 'nats').helthcheck = {})))).not.toEqual([]);
    expect(composeSchemaErrors(broken((c) => (service(c, 'gateway').depends_on = { jaeger: { condition: 'started' } })))).not.toEqual([]);
    expect(composeSchemaErrors(broken((c) => ((service(c, 'postgres').healthcheck as JsonObject).interval = 'five seconds')))).not.toEqual([]);
  });

  test('structure: an undefined dependency, a wrong PORT, a published backend, a cycle, a missing mount', () => {
    expect(composeStructureProblems(broken((c) => (service(c, 'gateway').depends_on = { 'user-servce': { condition: 'service_healthy' } })))).toEqual(['gateway: depends on user-servce, which is not defined']);
    expect(composeStructureProblems(broken((c) => (((service(c, 'order-service').build as JsonObject).args as JsonObject).PORT = '5030')))).toEqual(['order-service: built with PORT=5030, it listens on 5003']);
    expect(composeStructureProblems(broken((c) => (service(c, 'order-service').ports = ['5003:5003'])))).toEqual([
      "order-service: publishes 0.0.0.0:5003 → 5003; only the gateway, Jaeger's UI and Prometheus' UI are published",
    ]);
    expect(composeStructureProblems(broken((c) => (service(c, 'user-service').depends_on = { gateway: { condition: 'service_started' } })))).toContainEqual(expect.stringMatching(/^depends_on cycle: /));
    expect(composeStructureProblems(broken((c) => (service(c, 'prometheus').volumes = ['./prometheus/compose.yaml:/etc/prometheus/prometheus.yml:ro'])))).toContain(
      'prometheus: mounts ./prometheus/compose.yaml, which does not exist',
    );
    expect(composeStructureProblems(broken((c) => (service(c, 'jaeger').depends_on = { nats: { condition: 'service_healthy' } })))).toEqual([]);
    expect(composeStructureProblems(broken((c) => delete service(c, 'nats').healthcheck))).toEqual([
      'product-service: waits for nats to be healthy, which has no healthcheck',
      'order-service: waits for nats to be healthy, which has no healthcheck',
      'payment-service: waits for nats to be healthy, which has no healthcheck',
    ]);
  });

  test('environment: a variable nobody reads, an unknown host, a wrong port, a missing neighbour, a shared database', async () => {
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'user-service').PRODUCT_SERVICE_URL = 'http://product-service:5002')))).toEqual([
      'user-service: PRODUCT_SERVICE_URL is set but user-service never reads it',
    ]);
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'order-service').USER_SERVICE_URL = 'http://users:5001')))).toEqual(['order-service: USER_SERVICE_URL=http://users:5001 names no service of compose.yaml']);
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'gateway').ORDER_SERVICE_URL = 'http://order-service:5004')))).toEqual([
      'gateway: ORDER_SERVICE_URL uses order-service:5004, which listens on 5003',
      'gateway: ORDER_SERVICE_URL uses port 5004, order-service listens on 5003',
    ]);
    expect(await composeEnvironmentProblems(broken((c) => delete env(c, 'payment-service').ORDER_SERVICE_URL))).toEqual([
      'payment-service: ORDER_SERVICE_URL is not set: it would look for order-service on 127.0.0.1',
    ]);
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'payment-service').BROKER_URL = 'http://nats:4222')))).toContainEqual(expect.stringMatching(/payment-service: .*BROKER_URL/));
    const shared = await composeEnvironmentProblems(broken((c) => (env(c, 'payment-provider').DATABASE_URL = env(c, 'payment-service').DATABASE_URL as string)));
    expect(shared).toContain('payment-provider and payment-service share the database payments: each service has its own');
  });

  test('Prometheus: a job on the wrong port, a job for nothing', () => {
    const config = readText(path.join(DEPLOY, 'prometheus/compose.yml'));
    expect(composePrometheusProblems(compose, config.replace('port: 5011', 'port: 5010'))).toEqual(['prometheus: payment-provider scraped on 5010, it listens on 5011']);
    expect(composePrometheusProblems(compose, config.replace("names: ['gateway']", "names: ['gw']"))).toEqual(['prometheus: gateway is looked up as ["gw"]']);
  });

  test('interpolation: a variable without a default is refused, $$ is a dollar', () => {
    expect(() => interpolate({ a: '${NOPE}' })).toThrow(/\$NOPE has no default/);
    expect(interpolate({ a: '${A:-x}-$$' })).toEqual({ a: 'x-$' });
  });
});
