import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keyVariableOf } from '@microshop/chassis';
import { composeSchemaErrors, environmentOf, interpolate, loadCompose, parseCompose, type ComposeFile } from './support/compose.js';
import { composeEnvironmentProblems, composeKeyProblems, composePrometheusProblems, composeStructureProblems } from './support/compose-checks.js';
import { clone, DEPLOY, readText, type JsonObject } from './support/files.js';
import { composeKeyEnvironment } from './support/keys.js';
import { closeConfigReader, DEPLOYED } from './support/service-config.js';


afterAll(closeConfigReader);
const COMPOSE = path.join(DEPLOY, 'compose.yaml');
/**
 * What `npm run keys -- --compose deploy/.env` writes, for a key set generated for this run: the file
 * is per-installation and git-ignored, so the tests interpolate with their own, as Compose would with
 * deploy/.env.
 */
const KEYS = composeKeyEnvironment();
const MAKE_KEYS = 'run npm run keys -- --compose deploy/.env';

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
    compose = loadCompose(readText(COMPOSE), 'deploy/compose.yaml', KEYS);
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
    for (const variable of ['MICROSHOP_ADMIN_TOKEN', 'MICROSHOP_POSTGRES_PASSWORD', 'MICROSHOP_USERS_DB_PASSWORD']) expect(raw).toContain(`\${${variable}:-`);
    for (const [, fallback] of raw.matchAll(/\$\{MICROSHOP_[A-Z_]+:-([^}]*)\}/g)) expect(fallback).toMatch(/dev-only/);
    expect(environmentOf(compose.services.gateway as JsonObject).ADMIN_TOKEN).toBe('dev-only-admin-token-replace-me');
  });

  test('each service\'s SERVICE_KEY is its own principal\'s variable of deploy/.env, and SERVICE_PUBLIC_KEYS too, required (`:?`) with nothing to fall back to; SERVICE_TOKEN is gone', () => {
    expect(composeKeyProblems(parseCompose(readText(COMPOSE), 'deploy/compose.yaml'))).toEqual([]);
    for (const service of DEPLOYED) {
      const env = environmentOf(compose.services[service] as JsonObject);
      expect(env.SERVICE_KEY, service).toBe(KEYS[keyVariableOf(service)]);
      expect(env.SERVICE_PUBLIC_KEYS, service).toBe(KEYS.SERVICE_PUBLIC_KEYS);
    }
  });

  test('without deploy/.env (or with a key missing or empty) Compose stops and says how to make it', () => {
    const raw = readText(COMPOSE);
    expect(() => loadCompose(raw, 'deploy/compose.yaml')).toThrow(`is required: ${MAKE_KEYS}`);
    const withoutOrder = Object.fromEntries(Object.entries(KEYS).filter(([name]) => name !== 'ORDER_SERVICE_KEY'));
    expect(() => loadCompose(raw, 'deploy/compose.yaml', withoutOrder)).toThrow(`deploy/compose.yaml.services.order-service.environment.SERVICE_KEY: $ORDER_SERVICE_KEY is required: ${MAKE_KEYS}`);
    expect(() => loadCompose(raw, 'deploy/compose.yaml', { ...KEYS, SERVICE_PUBLIC_KEYS: '' })).toThrow(`$SERVICE_PUBLIC_KEYS is required: ${MAKE_KEYS}`);
  });
});

describe('the compose checks fail on broken copies', () => {
  let compose: ComposeFile;
  let raw: ComposeFile;
  beforeAll(() => {
    compose = loadCompose(readText(COMPOSE), 'deploy/compose.yaml', KEYS);
    raw = parseCompose(readText(COMPOSE), 'deploy/compose.yaml');
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

  test('service keys: another principal\'s key, a key missing, different or incomplete public keys', async () => {
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'order-service').SERVICE_KEY = KEYS.PAYMENT_SERVICE_KEY as string)))).toEqual([
      "order-service: SERVICE_KEY is not the private half of order-service's key in SERVICE_PUBLIC_KEYS (it is payment-service's: it could speak as payment-service): every neighbour would refuse its calls",
    ]);
    expect(await composeEnvironmentProblems(broken((c) => delete env(c, 'gateway').SERVICE_KEY))).toEqual([
      'gateway: SERVICE_KEY and SERVICE_PUBLIC_KEYS are not both set: it would make up its own key set in .microshop/, whose tokens no other process believes',
    ]);
    const incomplete = (KEYS.SERVICE_PUBLIC_KEYS as string).split(',').filter((entry) => !entry.startsWith('payment-provider=')).join(',');
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'gateway').SERVICE_PUBLIC_KEYS = incomplete)))).toEqual([
      'the services are given different SERVICE_PUBLIC_KEYS: some would refuse calls others accept',
      'SERVICE_PUBLIC_KEYS has no key for payment-provider, which runs: every neighbour would refuse its calls',
    ]);
    expect(await composeEnvironmentProblems(broken((c) => (env(c, 'gateway').SERVICE_KEY = 'not-a-key')))).toEqual([
      'gateway: services/gateway/dist/config.js: Invalid configuration: SERVICE_KEY must match pattern "^[A-Za-z0-9_-]{43}$"',
      'gateway: its keys do not load: SERVICE_KEY must be an Ed25519 key: 32 bytes in base64url (43 characters)',
    ]);
  });

  test('service keys as written: a fallback, another principal\'s variable, an empty key accepted, a literal key, a key for PostgreSQL, SERVICE_TOKEN back', () => {
    const rawBroken = (change: (c: ComposeFile) => void) => {
      const copy = clone(raw);
      change(copy);
      return copy;
    };
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'order-service').SERVICE_KEY = '${ORDER_SERVICE_KEY:-dev-only-order-key}')))).toEqual([
      'order-service: SERVICE_KEY falls back to a value (${ORDER_SERVICE_KEY:-…}): it must be required (${ORDER_SERVICE_KEY:?…}) from deploy/.env',
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'gateway').SERVICE_PUBLIC_KEYS = '${SERVICE_PUBLIC_KEYS-}')))).toEqual([
      'gateway: SERVICE_PUBLIC_KEYS falls back to a value (${SERVICE_PUBLIC_KEYS-…}): it must be required (${SERVICE_PUBLIC_KEYS:?…}) from deploy/.env',
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'order-service').SERVICE_KEY = `\${PAYMENT_SERVICE_KEY:?${MAKE_KEYS}}`)))).toEqual([
      "order-service: SERVICE_KEY is ${PAYMENT_SERVICE_KEY}, not ${ORDER_SERVICE_KEY}: another principal's key (ORDER_SERVICE_KEY is order-service's)",
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'user-service').SERVICE_KEY = '${USER_SERVICE_KEY?no key}')))).toEqual([
      'user-service: SERVICE_KEY accepts an empty USER_SERVICE_KEY (${…?…}): it must be ${USER_SERVICE_KEY:?…}',
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'user-service').SERVICE_KEY = KEYS.USER_SERVICE_KEY as string)))).toEqual([
      'user-service: SERVICE_KEY is not ${USER_SERVICE_KEY:?…}, read from deploy/.env: a value written here would be a committed key',
    ]);
    expect(composeKeyProblems(rawBroken((c) => delete env(c, 'payment-provider').SERVICE_KEY))).toEqual(['payment-provider: SERVICE_KEY is not set']);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'postgres').KEYS = `\${SERVICE_PUBLIC_KEYS:?${MAKE_KEYS}}`)))).toEqual([
      'postgres: KEYS gives it service keys (SERVICE_PUBLIC_KEYS), and it is no Microshop service',
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'product-service').SERVICE_TOKEN = '${MICROSHOP_SERVICE_TOKEN:-dev-only-service-token-replace-me}')))).toEqual([
      'product-service: SERVICE_TOKEN is the retired shared SERVICE_TOKEN: each service signs its calls with its own SERVICE_KEY',
    ]);
    expect(composeKeyProblems(rawBroken((c) => (env(c, 'product-service').SERVICE_TOKEN_TTL_S = '60')))).toEqual([]);
  });

  test('Prometheus: a job on the wrong port, a job for nothing', () => {
    const config = readText(path.join(DEPLOY, 'prometheus/compose.yml'));
    expect(composePrometheusProblems(compose, config.replace('port: 5011', 'port: 5010'))).toEqual(['prometheus: payment-provider scraped on 5010, it listens on 5011']);
    expect(composePrometheusProblems(compose, config.replace("names: ['gateway']", "names: ['gw']"))).toEqual(['prometheus: gateway is looked up as ["gw"]']);
  });

  test('interpolation: a variable without a default is refused, $$ is a dollar, `:?` and `?` require a value', () => {
    expect(() => interpolate({ a: '${NOPE}' })).toThrow(/\$NOPE has no default/);
    expect(interpolate({ a: '${A:-x}-$$' })).toEqual({ a: 'x-$' });
    expect(interpolate({ a: '${A:-x}', b: '${A-x}', c: '${A:?m}', d: '$A', e: '${B-y}', f: '${B:-y}' }, 'c', { A: 'set', B: '' })).toEqual({ a: 'set', b: 'set', c: 'set', d: 'set', e: '', f: 'y' });
    expect(() => interpolate({ a: '${A:?make it}' }, 'c', { A: '' })).toThrow('c.a: $A is required: make it');
    expect(interpolate({ a: '${A?make it}' }, 'c', { A: '' })).toEqual({ a: '' });
    expect(() => interpolate({ a: '${A?make it}' })).toThrow('$A is required: make it');
  });
});
