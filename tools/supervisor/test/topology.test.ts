import { describe, expect, test } from 'vitest';
import { SERVICES } from '@microshop/contracts';
import { missingEntries, planSystem, replicaPlanner, type PlanContext } from '../src/plan.js';
import { childEnvironment, environmentOf, SYSTEM } from '../src/topology.js';

const CONTEXT: PlanContext = { rootDir: '/repo', env: {}, nodePath: '/usr/bin/node', guardFile: 'file:///repo/guard.js', telemetryModule: 'telemetry/register', logLevel: 'info' };

const byName = (name: string) => {
  const found = SYSTEM.find((p) => p.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('Topology', () => {
  test('When the system is declared, then it has the spec ports and database files: the registry first, then the services, the payment provider and the gateway together', () => {
    expect(SYSTEM.map((p) => [p.name, p.port, p.database, p.stage, p.entry])).toEqual([
      ['registry', 5010, null, 0, 'services/registry/dist/main.js'],
      ['user-service', 5001, 'users.db', 1, 'services/user-service/dist/main.js'],
      ['product-service', 5002, 'products.db', 1, 'services/product-service/dist/main.js'],
      ['payment-provider', 5011, 'provider.db', 1, 'services/payment-provider/dist/main.js'],
      ['order-service', 5003, 'orders.db', 1, 'services/order-service/dist/main.js'],
      ['payment-service', 5004, 'payments.db', 1, 'services/payment-service/dist/main.js'],
      ['gateway', 5000, null, 1, 'services/gateway/dist/main.js'],
    ]);
    for (const p of SYSTEM) expect(p.port).toBe(SERVICES[p.name].port);
  });

  test('When the order service starts, then it gets its port, its name for tracing, its own database file, the registry and its instance id, and no neighbour URL', () => {
    expect(environmentOf(byName('order-service'), { databaseDir: '/data', logLevel: 'debug' })).toEqual({
      PORT: '5003',
      OTEL_SERVICE_NAME: 'order-service',
      LOG_LEVEL: 'debug',
      DATABASE_FILE: '/data/orders.db',
      REGISTRY_URL: 'http://127.0.0.1:5010',
      INSTANCE_ID: 'order-service-1',
    });
  });

  test('When the payment provider starts, then it is set up as a service: its port, its own database file, the registry and its instance id', () => {
    expect(environmentOf(byName('payment-provider'), { databaseDir: '/data', logLevel: 'info' })).toEqual({
      PORT: '5011',
      OTEL_SERVICE_NAME: 'payment-provider',
      LOG_LEVEL: 'info',
      DATABASE_FILE: '/data/provider.db',
      REGISTRY_URL: 'http://127.0.0.1:5010',
      INSTANCE_ID: 'payment-provider-1',
    });
    expect(environmentOf(byName('payment-provider'), { databaseDir: '/data', logLevel: 'info', env: { DATABASE_URL: 'postgres://pg@127.0.0.1:5432/microshop' } })).toMatchObject({
      DATABASE_URL: 'postgres://pg@127.0.0.1:5432/microshop',
      DATABASE_SCHEMA: 'provider',
    });
  });

  test('When the gateway starts, then it gets the registry and its instance id and no database; the registry gets neither', () => {
    expect(environmentOf(byName('gateway'), { databaseDir: '/data', logLevel: 'info' })).toEqual({
      PORT: '5000',
      OTEL_SERVICE_NAME: 'gateway',
      LOG_LEVEL: 'info',
      REGISTRY_URL: 'http://127.0.0.1:5010',
      INSTANCE_ID: 'gateway-1',
    });
    expect(environmentOf(byName('registry'), { databaseDir: '/data', logLevel: 'info' })).toEqual({ PORT: '5010', OTEL_SERVICE_NAME: 'registry', LOG_LEVEL: 'info' });
  });

  test('When DATABASE_URL is set, then each service gets a schema of its own in it; a per-service URL gives one service its own database', () => {
    const env = { DATABASE_URL: 'postgres://pg@127.0.0.1:5432/microshop', PAYMENT_SERVICE_DATABASE_URL: 'postgres://pg@127.0.0.1:5432/payments' };
    expect(environmentOf(byName('user-service'), { databaseDir: '/data', logLevel: 'info', env })).toMatchObject({
      DATABASE_URL: 'postgres://pg@127.0.0.1:5432/microshop',
      DATABASE_SCHEMA: 'users',
    });
    const payment = environmentOf(byName('payment-service'), { databaseDir: '/data', logLevel: 'info', env });
    expect(payment).toMatchObject({ DATABASE_URL: 'postgres://pg@127.0.0.1:5432/payments' });
    expect(payment).not.toHaveProperty('DATABASE_SCHEMA');
    expect(payment).not.toHaveProperty('DATABASE_FILE');
  });

  test('When the shell has PORT, OTEL_SERVICE_NAME, DATABASE_URL, REGISTRY_URL, INSTANCE_ID or a service URL set, then no child inherits them, but other variables pass through', () => {
    const env = childEnvironment(
      {
        PATH: '/usr/bin',
        PORT: '9999',
        OTEL_SERVICE_NAME: 'shell',
        DATABASE_SCHEMA: 'shared',
        ORDER_SERVICE_URL: 'http://elsewhere',
        PAYMENT_PROVIDER_URL: 'http://elsewhere',
        PAYMENT_PROVIDER_DATABASE_URL: 'postgres://pg@elsewhere/provider',
        REGISTRY_URL: 'http://elsewhere:5010',
        INSTANCE_ID: 'shell-1',
        NO_COLOR: '1',
        OTEL_SDK_DISABLED: 'true',
      },
      { PORT: '5001', OTEL_SERVICE_NAME: 'user-service' },
    );
    expect(env).toEqual({ PATH: '/usr/bin', NO_COLOR: '1', OTEL_SDK_DISABLED: 'true', PORT: '5001', OTEL_SERVICE_NAME: 'user-service' });
  });

  test('When a subset is planned, then only those processes run, each as node with the guard, then telemetry, then its compiled entry', () => {
    const plans = planSystem(
      { databaseDir: '/data', only: ['user-service', 'gateway'], logFormat: 'pretty', replicas: {} },
      { rootDir: '/repo', env: { HOME: '/home/ann' }, nodePath: '/usr/bin/node', guardFile: 'file:///repo/guard.js', telemetryModule: 'telemetry/register', logLevel: 'info' },
    );
    const preloads = ['--import', 'file:///repo/guard.js', '--import', 'telemetry/register'];
    expect(plans.map((p) => [p.name, p.command, p.args, p.baseUrl, p.database, p.stage])).toEqual([
      ['user-service', '/usr/bin/node', [...preloads, '/repo/services/user-service/dist/main.js'], 'http://127.0.0.1:5001', '/data/users.db', 1],
      ['gateway', '/usr/bin/node', [...preloads, '/repo/services/gateway/dist/main.js'], 'http://127.0.0.1:5000', null, 1],
    ]);
    expect(plans[0]?.env).toMatchObject({ HOME: '/home/ann', PORT: '5001', OTEL_SERVICE_NAME: 'user-service', DATABASE_FILE: '/data/users.db' });
  });

  test('When a service runs 3 replicas, then replica 1 keeps the spec port, the others take the given ports, each with its own INSTANCE_ID, all sharing the database', () => {
    const plans = planSystem(
      { databaseDir: '/data', only: ['registry', 'order-service', 'gateway'], logFormat: 'json', replicas: { 'order-service': 3 } },
      { ...CONTEXT, replicaPorts: { 'order-service': [41001, 41002] } },
    );
    expect(plans.map((p) => [p.instanceId, p.name, p.replica, p.port, p.baseUrl, p.stage])).toEqual([
      ['registry-1', 'registry', 1, 5010, 'http://127.0.0.1:5010', 0],
      ['order-service-1', 'order-service', 1, 5003, 'http://127.0.0.1:5003', 1],
      ['order-service-2', 'order-service', 2, 41001, 'http://127.0.0.1:41001', 1],
      ['order-service-3', 'order-service', 3, 41002, 'http://127.0.0.1:41002', 1],
      ['gateway-1', 'gateway', 1, 5000, 'http://127.0.0.1:5000', 1],
    ]);
    for (const plan of plans.filter((p) => p.name === 'order-service')) {
      expect(plan.env).toMatchObject({ PORT: String(plan.port), INSTANCE_ID: plan.instanceId, REGISTRY_URL: 'http://127.0.0.1:5010', DATABASE_FILE: '/data/orders.db' });
      expect(plan.database).toBe('/data/orders.db');
    }
    for (const plan of plans) expect(Object.keys(plan.env).filter((key) => key.endsWith('_SERVICE_URL'))).toEqual([]);
    expect(plans[0]?.env).not.toHaveProperty('REGISTRY_URL');
    expect(plans[0]?.env).not.toHaveProperty('INSTANCE_ID');
  });

  test('When replicas share PostgreSQL, then every one gets the same schema', () => {
    const env = { DATABASE_URL: 'postgres://pg@127.0.0.1:5432/microshop' };
    const plans = planSystem({ databaseDir: '/data', only: ['product-service'], logFormat: 'json', replicas: { 'product-service': 2 } }, { ...CONTEXT, env, replicaPorts: { 'product-service': [41003] } });
    expect(plans.map((p) => [p.env.DATABASE_URL, p.env.DATABASE_SCHEMA])).toEqual([
      ['postgres://pg@127.0.0.1:5432/microshop', 'products'],
      ['postgres://pg@127.0.0.1:5432/microshop', 'products'],
    ]);
  });

  test('When a port map is given, then each first replica listens there and everyone is told the registry on its port; the replica planner makes the same plan for a slot added later', () => {
    const ports = { registry: 42010, 'user-service': 42001, gateway: 42000 };
    const options = { databaseDir: '/data', only: ['registry', 'user-service', 'gateway'] as const, logFormat: 'json' as const, replicas: {} };
    const plans = planSystem(options, { ...CONTEXT, ports });
    expect(plans.map((p) => p.port)).toEqual([42010, 42001, 42000]);
    expect(plans[1]?.env.REGISTRY_URL).toBe('http://127.0.0.1:42010');
    const later = replicaPlanner(options, { ...CONTEXT, ports })('user-service', 2, 43002);
    expect(later).toMatchObject({ name: 'user-service', replica: 2, instanceId: 'user-service-2', port: 43002, database: '/data/users.db' });
    expect(later.env).toMatchObject({ PORT: '43002', INSTANCE_ID: 'user-service-2', REGISTRY_URL: 'http://127.0.0.1:42010', DATABASE_FILE: '/data/users.db' });
  });

  test('When a service has more replicas than ports, then planning fails naming it', () => {
    expect(() => planSystem({ databaseDir: '/data', only: ['user-service'], logFormat: 'json', replicas: { 'user-service': 2 } }, CONTEXT)).toThrow(/user-service has 2 replicas/);
  });

  test('When the telemetry preload is left out, then the children load only the guard', () => {
    const [plan] = planSystem({ databaseDir: '/data', only: ['registry'], logFormat: 'json', replicas: {} }, { ...CONTEXT, telemetryModule: null });
    expect(plan?.args).toEqual(['--import', 'file:///repo/guard.js', '/repo/services/registry/dist/main.js']);
  });

  test('When an entry file has not been built, then it is reported missing', () => {
    expect(missingEntries({ only: ['user-service', 'gateway'] }, '/nowhere')).toEqual(['services/user-service/dist/main.js', 'services/gateway/dist/main.js']);
  });
});
