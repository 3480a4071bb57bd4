import { describe, expect, test } from 'vitest';
import { SERVICES } from '@microshop/contracts';
import { missingEntries, planSystem } from '../src/plan.js';
import { childEnvironment, environmentOf, SYSTEM } from '../src/topology.js';

const byName = (name: string) => {
  const found = SYSTEM.find((p) => p.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('Topology', () => {
  test('When the system is declared, then it has the spec ports and database files, the services first and the gateway last', () => {
    expect(SYSTEM.map((p) => [p.name, p.port, p.database, p.stage, p.entry])).toEqual([
      ['user-service', 5001, 'users.db', 1, 'services/user-service/dist/main.js'],
      ['product-service', 5002, 'products.db', 1, 'services/product-service/dist/main.js'],
      ['order-service', 5003, 'orders.db', 1, 'services/order-service/dist/main.js'],
      ['payment-service', 5004, 'payments.db', 1, 'services/payment-service/dist/main.js'],
      ['gateway', 5000, null, 2, 'services/gateway/dist/main.js'],
    ]);
    for (const p of SYSTEM) expect(p.port).toBe(SERVICES[p.name].port);
  });

  test('When the order service starts, then it gets its port, its name for tracing, its own database file, and the URLs of the user and product services', () => {
    expect(environmentOf(byName('order-service'), { databaseDir: '/data', logLevel: 'debug' })).toEqual({
      PORT: '5003',
      OTEL_SERVICE_NAME: 'order-service',
      LOG_LEVEL: 'debug',
      DATABASE_FILE: '/data/orders.db',
      USER_SERVICE_URL: 'http://127.0.0.1:5001',
      PRODUCT_SERVICE_URL: 'http://127.0.0.1:5002',
    });
  });

  test('When the gateway starts, then it gets every service URL and no database', () => {
    expect(environmentOf(byName('gateway'), { databaseDir: '/data', logLevel: 'info' })).toEqual({
      PORT: '5000',
      OTEL_SERVICE_NAME: 'gateway',
      LOG_LEVEL: 'info',
      USER_SERVICE_URL: 'http://127.0.0.1:5001',
      PRODUCT_SERVICE_URL: 'http://127.0.0.1:5002',
      ORDER_SERVICE_URL: 'http://127.0.0.1:5003',
      PAYMENT_SERVICE_URL: 'http://127.0.0.1:5004',
    });
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

  test('When the shell has PORT, OTEL_SERVICE_NAME or DATABASE_URL set, then no child inherits them, but other variables pass through', () => {
    const env = childEnvironment(
      { PATH: '/usr/bin', PORT: '9999', OTEL_SERVICE_NAME: 'shell', DATABASE_SCHEMA: 'shared', ORDER_SERVICE_URL: 'http://elsewhere', NO_COLOR: '1', OTEL_SDK_DISABLED: 'true' },
      { PORT: '5001', OTEL_SERVICE_NAME: 'user-service' },
    );
    expect(env).toEqual({ PATH: '/usr/bin', NO_COLOR: '1', OTEL_SDK_DISABLED: 'true', PORT: '5001', OTEL_SERVICE_NAME: 'user-service' });
  });

  test('When a subset is planned, then only those processes run, each as node with the guard, then telemetry, then its compiled entry', () => {
    const plans = planSystem(
      { databaseDir: '/data', only: ['user-service', 'gateway'], logFormat: 'pretty' },
      { rootDir: '/repo', env: { HOME: '/home/ann' }, nodePath: '/usr/bin/node', guardFile: 'file:///repo/guard.js', telemetryModule: 'telemetry/register', logLevel: 'info' },
    );
    const preloads = ['--import', 'file:///repo/guard.js', '--import', 'telemetry/register'];
    expect(plans.map((p) => [p.name, p.command, p.args, p.baseUrl, p.database, p.stage])).toEqual([
      ['user-service', '/usr/bin/node', [...preloads, '/repo/services/user-service/dist/main.js'], 'http://127.0.0.1:5001', '/data/users.db', 1],
      ['gateway', '/usr/bin/node', [...preloads, '/repo/services/gateway/dist/main.js'], 'http://127.0.0.1:5000', null, 2],
    ]);
    expect(plans[0]?.env).toMatchObject({ HOME: '/home/ann', PORT: '5001', OTEL_SERVICE_NAME: 'user-service', DATABASE_FILE: '/data/users.db' });
  });

  test('When an entry file has not been built, then it is reported missing', () => {
    expect(missingEntries({ only: ['user-service', 'gateway'] }, '/nowhere')).toEqual(['services/user-service/dist/main.js', 'services/gateway/dist/main.js']);
  });
});
