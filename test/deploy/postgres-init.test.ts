import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { environmentOf, loadCompose } from './support/compose.js';
import { DEPLOY, readText, type JsonObject } from './support/files.js';
import { composeKeyEnvironment } from './support/keys.js';
import { parseEnvFile } from './support/kustomize.js';

const run = promisify(execFile);
const SCRIPT = path.join(DEPLOY, 'postgres/init-databases.sh');

/** The machine's PostgreSQL, as the component tests use it (trust authentication on 127.0.0.1). */
const postgres = (() => {
  try {
    execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-tAc', 'select 1'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

const sql = (query: string) => execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-tAc', query], { encoding: 'utf8' }).trim();

/** Runs the init script as the image's entrypoint would, against the machine's PostgreSQL (or a stand-in psql). */
const init = (env: Record<string, string>, extraPath = '') =>
  run('bash', [SCRIPT], { env: { PATH: `${extraPath}${process.env.PATH ?? ''}`, PGHOST: '127.0.0.1', ...env } });

describe('deploy/postgres/init-databases.sh', () => {
  let fake: string;
  beforeAll(() => {
    // A psql that only writes down its arguments: the real URLs are parsed without touching a server.
    fake = mkdtempSync(path.join(tmpdir(), 'fake-psql-'));
    writeFileSync(path.join(fake, 'psql'), `#!/usr/bin/env bash\necho "$@" >> "${fake}/calls"\ncat > /dev/null\n`);
    chmodSync(path.join(fake, 'psql'), 0o755);
  });
  afterAll(() => rmSync(fake, { recursive: true, force: true }));

  test('reads every URL compose.yaml and the Kubernetes secret give PostgreSQL: one role and one database per service', async () => {
    const compose = environmentOf(loadCompose(readText(path.join(DEPLOY, 'compose.yaml')), 'compose.yaml', composeKeyEnvironment()).services.postgres as JsonObject);
    const secret = Object.fromEntries(parseEnvFile(readText(path.join(DEPLOY, 'k8s/base/secrets/databases.env')), 'databases.env'));
    for (const env of [compose, secret]) {
      rmSync(path.join(fake, 'calls'), { force: true });
      const { stdout } = await init(env, `${fake}:`);
      expect(stdout).toContain('5 service databases ready');
      const calls = readFileSync(path.join(fake, 'calls'), 'utf8').trim().split('\n');
      expect(calls.map((call) => /-v role=(\S+) -v password=\S+ -v database=(\S+)/.exec(call)?.slice(1).join('/'))).toEqual([
        'orders/orders',
        'provider/provider',
        'payments/payments',
        'products/products',
        'users/users',
      ]);
    }
  });

  test('refuses a URL it cannot read, and an environment without any', async () => {
    await expect(init({ USER_SERVICE_DATABASE_URL: 'postgres://users:p@ss word@postgres:5432/users' }, `${fake}:`)).rejects.toMatchObject({
      stderr: expect.stringContaining('USER_SERVICE_DATABASE_URL is not postgres://<role>:<password>@<host>[:port]/<database>') as unknown,
    });
    await expect(init({}, `${fake}:`)).rejects.toMatchObject({ stderr: expect.stringContaining('no <SERVICE>_DATABASE_URL variable') as unknown });
  });

  describe.skipIf(!postgres)('against the machine\'s PostgreSQL', () => {
    const suffix = `${process.pid}_${Date.now() % 100000}`;
    const names = [`deploytest_users_${suffix}`, `deploytest_orders_${suffix}`];
    const env = {
      USER_SERVICE_DATABASE_URL: `postgres://${names[0]}:users-dev-only@postgres:5432/${names[0]}`,
      ORDER_SERVICE_DATABASE_URL: `postgres://${names[1]}:orders-dev-only@postgres:5432/${names[1]}`,
    };
    afterAll(() => {
      for (const name of names) {
        sql(`drop database if exists "${name}"`);
        sql(`drop role if exists "${name}"`);
      }
    });

    test('creates each role with its password, owning its database, which nobody else may connect to; a second run changes nothing', async () => {
      await init(env);
      await init(env);
      for (const name of names) {
        expect(sql(`select pg_get_userbyid(datdba) from pg_database where datname = '${name}'`)).toBe(name);
        expect(sql(`select rolcanlogin and rolpassword is not null from pg_authid where rolname = '${name}'`)).toBe('t');
        expect(sql(`select has_database_privilege('${names[0] === name ? names[1] : names[0]}', '${name}', 'CONNECT')`)).toBe('f');
        expect(sql(`select has_database_privilege('${name}', '${name}', 'CONNECT')`)).toBe('t');
      }
    });
  });
});
