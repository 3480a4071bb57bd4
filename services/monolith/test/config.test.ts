import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadConfig, moduleEnvironment, MODULES, portOf, type ModuleName } from '../src/config.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const DATA_MODULES = ['user-service', 'product-service', 'order-service', 'payment-service'] as const;
const SHARED_PG = 'postgres://pg@127.0.0.1:5432/microshop';

describe('Monolith: configuration', () => {
  test('When nothing is set, then the gateway on 5000, every module on its spec port, SQLite files in database/, the provider on its spec port', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 5000, MODULE_PORTS: 'spec', DATABASE_DIR: 'database', PAYMENT_PROVIDER_URL: 'http://127.0.0.1:5011', HOST: '127.0.0.1' });
    expect(MODULES.map((module) => [module, portOf(module, config)])).toEqual([
      ['user-service', 5001],
      ['product-service', 5002],
      ['order-service', 5003],
      ['payment-service', 5004],
      ['gateway', 5000],
    ]);
    expect(moduleEnvironment('user-service', config, {}).DATABASE_FILE).toBe(path.join(ROOT, 'database', 'users.db'));
  });

  test("When a module's port or the gateway's is set, then portOf gives it; port 0 is allowed", () => {
    const config = loadConfig({ PORT: '0', ORDER_SERVICE_PORT: '0', USER_SERVICE_PORT: '41001', MODULE_PORTS: 'none' });
    expect(config.MODULE_PORTS).toBe('none');
    expect(portOf('gateway', config)).toBe(0);
    expect(portOf('order-service', config)).toBe(0);
    expect(portOf('user-service', config)).toBe(41001);
    expect(portOf('product-service', config)).toBe(5002);
    expect(moduleEnvironment('user-service', config, {}).PORT).toBe('41001');
    expect(moduleEnvironment('gateway', config, {}).PORT).toBe('0');
  });

  test('When DATABASE_DIR is given, then each module gets its own SQLite file there, and nothing of PostgreSQL', () => {
    const config = loadConfig({ DATABASE_DIR: '/srv/shop' });
    const files = Object.fromEntries(DATA_MODULES.map((module) => [module, moduleEnvironment(module, config, {})]));
    expect(Object.fromEntries(Object.entries(files).map(([module, env]) => [module, env.DATABASE_FILE]))).toEqual({
      'user-service': '/srv/shop/users.db',
      'product-service': '/srv/shop/products.db',
      'order-service': '/srv/shop/orders.db',
      'payment-service': '/srv/shop/payments.db',
    });
    for (const env of Object.values(files)) {
      expect(env).not.toHaveProperty('DATABASE_URL');
      expect(env).not.toHaveProperty('DATABASE_SCHEMA');
    }
    const gateway = moduleEnvironment('gateway', config, {});
    expect(Object.keys(gateway).filter((key) => key.startsWith('DATABASE'))).toEqual([]);
  });

  test('When DATABASE_URL is set, then every module gets a schema of its own in it, and no SQLite file', () => {
    const config = loadConfig({ DATABASE_URL: SHARED_PG, DATABASE_DIR: '/srv/shop' });
    const schemas = DATA_MODULES.map((module) => {
      const env = moduleEnvironment(module, config, {});
      expect(env).not.toHaveProperty('DATABASE_FILE');
      return [module, env.DATABASE_URL, env.DATABASE_SCHEMA];
    });
    expect(schemas).toEqual([
      ['user-service', SHARED_PG, 'users'],
      ['product-service', SHARED_PG, 'products'],
      ['order-service', SHARED_PG, 'orders'],
      ['payment-service', SHARED_PG, 'payments'],
    ]);
    expect(Object.keys(moduleEnvironment('gateway', config, {})).filter((key) => key.startsWith('DATABASE'))).toEqual([]);
  });

  test("When ORDER_SERVICE_DATABASE_URL is set beside DATABASE_URL, then it is the Order module's whole database, and only Order's", () => {
    const own = 'postgres://pg@127.0.0.1:5432/orders';
    const config = loadConfig({ DATABASE_URL: SHARED_PG, ORDER_SERVICE_DATABASE_URL: own });
    const order = moduleEnvironment('order-service', config, {});
    expect(order.DATABASE_URL).toBe(own);
    expect(order).not.toHaveProperty('DATABASE_SCHEMA');
    expect(order).not.toHaveProperty('DATABASE_FILE');
    for (const module of ['user-service', 'product-service', 'payment-service'] as const) {
      expect(moduleEnvironment(module, config, {})).toMatchObject({ DATABASE_URL: SHARED_PG });
    }
    // Without a shared URL, the others keep their SQLite files.
    const alone = loadConfig({ ORDER_SERVICE_DATABASE_URL: own, DATABASE_DIR: '/srv/shop' });
    expect(moduleEnvironment('order-service', alone, {}).DATABASE_URL).toBe(own);
    expect(moduleEnvironment('product-service', alone, {})).toMatchObject({ DATABASE_FILE: '/srv/shop/products.db' });
    expect(moduleEnvironment('product-service', alone, {})).not.toHaveProperty('DATABASE_URL');
  });

  test('When the shell has PORT, DATABASE_FILE, REGISTRY_URL or *_SERVICE_URL set, then no module inherits them; the rest passes through', () => {
    const inherited = {
      PATH: '/usr/bin',
      SERVICE_KEYS_FILE: '/srv/shop/service-keys.json',
      LOG_LEVEL: 'warn',
      PORT: '9999',
      DATABASE_FILE: '/tmp/elsewhere.db',
      DATABASE_URL: 'postgres://pg@elsewhere/x',
      DATABASE_SCHEMA: 'elsewhere',
      REGISTRY_URL: 'http://127.0.0.1:5010',
      INSTANCE_ID: 'shell-1',
      OTEL_SERVICE_NAME: 'shell',
      ORDER_SERVICE_PORT: '7003',
      USER_SERVICE_URL: 'http://elsewhere:1',
      PRODUCT_SERVICE_URL: 'http://elsewhere:2',
      ORDER_SERVICE_URL: 'http://elsewhere:3',
      PAYMENT_SERVICE_URL: 'http://elsewhere:4',
      DATABASE_DIR: '/srv/shop',
    };
    const config = loadConfig({ DATABASE_DIR: '/srv/shop' });
    const order = moduleEnvironment('order-service', config, inherited);
    expect(order).toEqual({
      PATH: '/usr/bin',
      SERVICE_KEYS_FILE: '/srv/shop/service-keys.json',
      LOG_LEVEL: 'warn',
      DATABASE_DIR: '/srv/shop',
      PORT: '5003',
      INSTANCE_ID: 'order-service-monolith',
      OTEL_SERVICE_NAME: 'order-service',
      DATABASE_FILE: '/srv/shop/orders.db',
    });
    const gateway = moduleEnvironment('gateway', config, inherited);
    expect(gateway).toEqual({ PATH: '/usr/bin', SERVICE_KEYS_FILE: '/srv/shop/service-keys.json', LOG_LEVEL: 'warn', DATABASE_DIR: '/srv/shop', PORT: '5000', INSTANCE_ID: 'gateway-monolith', OTEL_SERVICE_NAME: 'gateway' });
  });

  test('When the environment is read for every module, then each gets its own instance id and tracing name', () => {
    const config = loadConfig({});
    const ids = MODULES.map((module: ModuleName) => {
      const env = moduleEnvironment(module, config, {});
      return [env.INSTANCE_ID, env.OTEL_SERVICE_NAME];
    });
    expect(ids).toEqual(MODULES.map((module) => [`${module}-monolith`, module]));
  });

  test.each([
    ['MODULE_PORTS', 'all'],
    ['MODULE_PORTS', 'true'],
    ['PORT', '70000'],
    ['ORDER_SERVICE_PORT', '-1'],
    ['DATABASE_URL', 'mysql://db/shop'],
    ['ORDER_SERVICE_DATABASE_URL', 'sqlite:orders.db'],
    ['PAYMENT_PROVIDER_URL', 'ftp://127.0.0.1:5011'],
  ])('When %s is %j, then loading stops naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });
});
