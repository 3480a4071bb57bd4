import { fileURLToPath } from 'node:url';
import { loadConfig, moduleEnvironment } from '@microshop/monolith';
import { describe, expect, test } from 'vitest';
import { parseArgs } from '../src/args.js';
import { MONOLITH, MONOLITH_MODULES, missingEntries, planMonolith, type PlanContext } from '../src/plan.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const ARGS = { cwd: '/home/ann/microshop', defaultDatabaseDir: '/home/ann/microshop/database' };
const CONTEXT: PlanContext = { rootDir: '/repo', env: {}, nodePath: '/usr/bin/node', guardFile: 'file:///repo/guard.js', telemetryModule: 'telemetry/register', logLevel: 'info' };
const FIVE = ['user-service', 'product-service', 'order-service', 'payment-service', 'gateway'];

const errorOf = (argv: string[]) => {
  const parsed = parseArgs(argv, ARGS);
  if (parsed.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
};

/** The two plans of the monolith topology, by name. */
function plan(context: PlanContext = CONTEXT, databaseDir = '/data') {
  const plans = planMonolith({ databaseDir }, context);
  const provider = plans.find((p) => p.name === 'payment-provider');
  const monolith = plans.find((p) => p.name === 'monolith');
  if (!provider || !monolith) throw new Error(`unexpected plans ${plans.map((p) => p.name).join(', ')}`);
  return { plans, provider, monolith };
}

describe('Supervisor, monolith topology: command line', () => {
  test('When --monolith is given, then the topology is monolith; without it, microservices', () => {
    const parsed = parseArgs(['--monolith'], ARGS);
    expect(parsed).toMatchObject({ kind: 'run', options: { topology: 'monolith', databaseDir: '/home/ann/microshop/database', logFormat: 'pretty', replicas: {} } });
    expect(parseArgs(['--monolith', '--database-dir', 'tmp/db', '--log-format', 'json'], ARGS)).toMatchObject({ kind: 'run', options: { topology: 'monolith', databaseDir: '/home/ann/microshop/tmp/db', logFormat: 'json' } });
    expect(parseArgs([], ARGS)).toMatchObject({ kind: 'run', options: { topology: 'microservices' } });
  });

  test.each([
    [['--monolith', '--only', 'order-service'], '--monolith runs every module in one process: it cannot be combined with --only.'],
    [['--only=gateway', '--monolith'], 'cannot be combined with --only'],
    [['--monolith', '--replicas', 'order-service=2'], '--monolith runs every module in one process: it cannot be combined with --replicas.'],
    [['--replicas=product-service=3', '--monolith'], 'cannot be combined with --replicas'],
    [['--monolith=1'], '--monolith takes no value.'],
    [['--monolith=yes'], '--monolith takes no value.'],
    [['--monolith', '--monolith'], '--monolith is given twice.'],
  ])('When the arguments are %j, then the error says %s', (argv, message) => {
    expect(errorOf(argv)).toContain(message);
  });

  test('When --help is given beside --monolith, then help is asked for', () => {
    expect(parseArgs(['--monolith', '--help'], ARGS)).toEqual({ kind: 'help' });
  });
});

describe('Supervisor, monolith topology: plans', () => {
  test('When the monolith is planned, then the payment provider runs in its own process and, started with it, one monolith process on the gateway port', () => {
    const { plans } = plan();
    expect(plans.map((p) => [p.name, p.replica, p.instanceId, p.port, p.baseUrl, p.stage])).toEqual([
      ['payment-provider', 1, 'payment-provider-1', 5011, 'http://127.0.0.1:5011', 1],
      ['monolith', 1, 'monolith-1', 5000, 'http://127.0.0.1:5000', 1],
    ]);
  });

  test('When the payment provider is planned, then it has its port and database but no registry and no instance id: nothing runs a registry', () => {
    const { provider } = plan({ ...CONTEXT, env: { HOME: '/home/ann', REGISTRY_URL: 'http://127.0.0.1:5010', INSTANCE_ID: 'shell-1' } });
    expect(provider.env).toEqual({ HOME: '/home/ann', PORT: '5011', OTEL_SERVICE_NAME: 'payment-provider', LOG_LEVEL: 'info', DATABASE_FILE: '/data/provider.db' });
    expect(provider.args).toEqual(['--import', 'file:///repo/guard.js', '--import', 'telemetry/register', '/repo/services/payment-provider/dist/main.js']);
    expect(provider.database).toBe('/data/provider.db');
  });

  test('When the monolith process is planned, then it runs its entry with the preloads, gets the database directory and the provider, holds the five modules, and inherits no managed variable', () => {
    const env = { HOME: '/home/ann', PORT: '9999', REGISTRY_URL: 'http://127.0.0.1:5010', INSTANCE_ID: 'shell-1', ORDER_SERVICE_URL: 'http://elsewhere:1', DATABASE_FILE: '/tmp/x.db', OTEL_SERVICE_NAME: 'shell' };
    const { monolith } = plan({ ...CONTEXT, env });
    expect(monolith.command).toBe('/usr/bin/node');
    expect(monolith.args).toEqual(['--import', 'file:///repo/guard.js', '--import', 'telemetry/register', '/repo/services/monolith/dist/main.js']);
    expect(monolith.env).toEqual({
      HOME: '/home/ann',
      PORT: '5000',
      OTEL_SERVICE_NAME: 'monolith',
      LOG_LEVEL: 'info',
      DATABASE_DIR: '/data',
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:5011',
    });
    expect(monolith.modules).toEqual(FIVE);
    expect(MONOLITH_MODULES).toEqual(FIVE);
    expect(monolith.database).toBe('/data/users.db, /data/products.db, /data/orders.db, /data/payments.db');
  });

  test("When a port map is given, then the monolith listens on the gateway's, each module is told its own through <NAME>_PORT, and the provider's port is both its own and the monolith's provider URL", () => {
    const ports = { gateway: 42000, 'user-service': 42001, 'product-service': 42002, 'order-service': 42003, 'payment-service': 42004, 'payment-provider': 42011 };
    const { provider, monolith } = plan({ ...CONTEXT, ports });
    expect([provider.port, provider.env.PORT, provider.baseUrl]).toEqual([42011, '42011', 'http://127.0.0.1:42011']);
    expect([monolith.port, monolith.baseUrl]).toEqual([42000, 'http://127.0.0.1:42000']);
    expect(monolith.env).toMatchObject({
      PORT: '42000',
      USER_SERVICE_PORT: '42001',
      PRODUCT_SERVICE_PORT: '42002',
      ORDER_SERVICE_PORT: '42003',
      PAYMENT_SERVICE_PORT: '42004',
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:42011',
    });
    expect(monolith.env).not.toHaveProperty('GATEWAY_PORT');
    // Without a port map, no module port is set: the monolith's own defaults (the spec ports) apply.
    expect(Object.keys(plan().monolith.env).filter((key) => key.endsWith('_PORT'))).toEqual([]);
  });

  test('When DATABASE_URL is set, then the monolith gets it, and each of its modules a schema of its own in it', () => {
    const shared = 'postgres://pg:secret@127.0.0.1:5432/microshop';
    const { monolith } = plan({ ...CONTEXT, env: { DATABASE_URL: shared, DATABASE_SCHEMA: 'stray' } });
    expect(monolith.env.DATABASE_URL).toBe(shared);
    expect(monolith.env).not.toHaveProperty('DATABASE_SCHEMA');
    expect(monolith.database).toBe(['users', 'products', 'orders', 'payments'].map((schema) => `postgres://pg:***@127.0.0.1:5432/microshop (schema ${schema})`).join(', '));
    // What the monolith makes of that environment: one schema per module in the shared database.
    const config = loadConfig(monolith.env);
    expect((['user-service', 'product-service', 'order-service', 'payment-service'] as const).map((module) => moduleEnvironment(module, config, monolith.env))).toEqual(
      ['users', 'products', 'orders', 'payments'].map((schema) => expect.objectContaining({ DATABASE_URL: shared, DATABASE_SCHEMA: schema }) as unknown),
    );
  });

  test("When one service has a PostgreSQL database of its own, then only that module is given it; the others keep the shared schema or their SQLite file", () => {
    const own = 'postgres://pg@127.0.0.1:5432/orders';
    const mixed = plan({ ...CONTEXT, env: { ORDER_SERVICE_DATABASE_URL: own } }).monolith;
    expect(mixed.env).toMatchObject({ ORDER_SERVICE_DATABASE_URL: own, DATABASE_DIR: '/data' });
    expect(mixed.env).not.toHaveProperty('DATABASE_URL');
    const config = loadConfig(mixed.env);
    expect(moduleEnvironment('order-service', config, mixed.env)).toMatchObject({ DATABASE_URL: own });
    expect(moduleEnvironment('order-service', config, mixed.env)).not.toHaveProperty('DATABASE_SCHEMA');
    expect(moduleEnvironment('user-service', config, mixed.env)).toMatchObject({ DATABASE_FILE: '/data/users.db' });
    expect(moduleEnvironment('user-service', config, mixed.env)).not.toHaveProperty('DATABASE_URL');
  });
});

describe('Supervisor, monolith topology: entry files', () => {
  test('When nothing is built, then the monolith and the payment provider entries are reported missing, and only those', () => {
    expect(missingEntries({ only: ['user-service', 'gateway'], topology: 'monolith' }, '/nowhere')).toEqual(['services/monolith/dist/main.js', 'services/payment-provider/dist/main.js']);
    expect(MONOLITH.entry).toBe('services/monolith/dist/main.js');
  });

  test('When the repository is built, then nothing is missing for the monolith', () => {
    expect(missingEntries({ only: [], topology: 'monolith' }, ROOT)).toEqual([]);
  });

  test('When the topology is microservices, then the processes of --only are checked as before', () => {
    expect(missingEntries({ only: ['user-service'], topology: 'microservices' }, '/nowhere')).toEqual(['services/user-service/dist/main.js']);
  });
});
