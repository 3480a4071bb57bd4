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
      only: ['user-service', 'product-service', 'order-service', 'payment-service', 'gateway'],
      logFormat: 'pretty',
    });
  });

  test('When --only lists processes in any order, then exactly those start, in start order', () => {
    expect(run(['--only', 'gateway,user-service']).only).toEqual(['user-service', 'gateway']);
    expect(run(['--only=order-service']).only).toEqual(['order-service']);
  });

  test('When --database-dir is relative, then it resolves against the working directory', () => {
    expect(run(['--database-dir', '../tmp/db']).databaseDir).toBe('/home/ann/microshop/tmp/db');
    expect(run(['--database-dir=/srv/data']).databaseDir).toBe('/srv/data');
  });

  test('When --log-format json is given, then lines pass through as JSON', () => {
    expect(run(['--log-format', 'json']).logFormat).toBe('json');
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
