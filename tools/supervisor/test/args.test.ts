import { describe, expect, test } from 'vitest';
import { parseArgs } from '../src/args.js';

const context = { cwd: '/home/ann/microshop/services', defaultDatabaseDir: '/home/ann/microshop/database' };
const run = (argv: string[]) => {
  const parsed = parseArgs(argv, context);
  if (parsed.kind !== 'run') throw new Error(`expected options, got ${JSON.stringify(parsed)}`);
  return parsed.options;
};
const error = (argv: string[]) => {
  const parsed = parseArgs(argv, context);
  if (parsed.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.message;
};

describe('Command line', () => {
  test('When no option is given, then every process starts, in start order, with pretty logs and the default database directory', () => {
    expect(run([])).toEqual({
      databaseDir: '/home/ann/microshop/database',
      only: ['registry', 'user-service', 'product-service', 'payment-provider', 'order-service', 'payment-service', 'gateway'],
      logFormat: 'pretty',
      replicas: {},
      topology: 'microservices',
    });
  });

  test('When --only lists processes in any order, then exactly those start, in start order, with the registry they need', () => {
    expect(run(['--only', 'gateway,user-service']).only).toEqual(['registry', 'user-service', 'gateway']);
    expect(run(['--only=order-service']).only).toEqual(['registry', 'order-service']);
    expect(run(['--only=registry']).only).toEqual(['registry']);
  });

  test('When --database-dir is relative, then it resolves against the working directory', () => {
    expect(run(['--database-dir', '../tmp/db']).databaseDir).toBe('/home/ann/microshop/tmp/db');
    expect(run(['--database-dir=/srv/data']).databaseDir).toBe('/srv/data');
  });

  test('When --log-format json is given, then lines pass through as JSON', () => {
    expect(run(['--log-format', 'json']).logFormat).toBe('json');
  });

  test('When --replicas names services with counts, then those run that many instances', () => {
    expect(run(['--replicas', 'order-service=3']).replicas).toEqual({ 'order-service': 3 });
    expect(run(['--replicas=order-service=3,product-service=2']).replicas).toEqual({ 'order-service': 3, 'product-service': 2 });
    expect(run(['--replicas', ' user-service = 1 ']).replicas).toEqual({ 'user-service': 1 });
    expect(run(['--only', 'order-service', '--replicas', 'order-service=6']).replicas).toEqual({ 'order-service': 6 });
  });

  test.each([
    [['--replicas'], '--replicas needs a value.'],
    [['--replicas', 'order-service'], '--replicas: "order-service" needs a service and a count, as in order-service=3.'],
    [['--replicas', 'cart-service=2'], '--replicas: unknown service "cart-service"; choose from user-service, product-service, order-service, payment-service.'],
    [['--replicas', 'gateway=2'], '--replicas: gateway cannot be scaled; choose from user-service, product-service, order-service, payment-service.'],
    [['--replicas', 'registry=2'], '--replicas: registry cannot be scaled'],
    [['--replicas', 'order-service=0'], '--replicas: the count for order-service must be a whole number from 1 to 6, not "0".'],
    [['--replicas', 'order-service=7'], 'not "7"'],
    [['--replicas', 'order-service=two'], 'not "two"'],
    [['--replicas', 'order-service=1.5'], 'not "1.5"'],
    [['--replicas', 'order-service=2,order-service=3'], '--replicas: order-service is given twice.'],
    [['--only', 'user-service', '--replicas', 'order-service=2'], '--replicas: order-service is not started (see --only).'],
    [['--replicas', 'order-service=2', '--replicas', 'user-service=2'], '--replicas is given twice.'],
  ])('When the arguments are %j, then the error says %s', (argv, message) => {
    expect(error(argv)).toContain(message);
  });

  test('When --help is given, then help is asked for', () => {
    expect(parseArgs(['--only', 'gateway', '--help'], context)).toEqual({ kind: 'help' });
  });

  test.each([
    [['--port', '1'], '--port'],
    [['-v'], '-v'],
    [['start'], 'start'],
    [['--only', 'user-service,cart-service'], 'cart-service'],
    [['--only'], '--only'],
    [['--only', '--log-format', 'json'], '--only'],
    [['--only='], '--only'],
    [['--log-format', 'xml'], 'xml'],
    [['--database-dir'], '--database-dir'],
    [['--log-format', 'json', '--log-format', 'pretty'], '--log-format'],
    [['--help=yes'], '--help'],
  ])('When the arguments are %j, then an error names %s', (argv, named) => {
    expect(error(argv)).toContain(named);
  });
});
