import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICES, type ServiceName } from '@microshop/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_SERVICES, isAlive, isPortFree, pidsOf, runSupervisor, startSystem, waitFor, type System } from './support/system.js';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The summary row of one process's replica 1: instance id, URL, pid and database, as `npm start` prints them. */
const summaryRow = (name: ServiceName, pid: number, database: string) =>
  new RegExp(`^ +${escape(`${name}-1`)} +${escape(`http://localhost:${SERVICES[name].port}`)} +${pid} +${escape(database)}$`, 'm');

/** `kill(pid, 0)` fails with ESRCH: no such process. */
const expectGone = (pid: number) => {
  let code: string | undefined;
  try {
    process.kill(pid, 0);
  } catch (error) {
    code = (error as NodeJS.ErrnoException).code;
  }
  expect(code, `pid ${pid} should be gone`).toBe('ESRCH');
};

describe('npm start: the whole system under the supervisor', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system.stop();
  });

  test('When the system starts, then all six answer /health on their spec ports, and the summary names every port, pid, database file, the registry and the docs URL', async () => {
    const pids = await pidsOf(system);
    expect(Object.keys(pids).sort()).toEqual([...ALL_SERVICES].sort());
    expect(new Set(Object.values(pids)).size).toBe(ALL_SERVICES.length);

    const output = system.output();
    expect(output).toContain('http://localhost:5000/docs');
    expect(output).toMatch(/^ +Registry +http:\/\/localhost:5010$/m);
    expect(output).toContain('Ctrl-C stops everything.');
    for (const name of ALL_SERVICES) {
      const file = SERVICES[name].database;
      const database = file === null ? '-' : path.join(system.databaseDir, path.basename(file));
      expect(output).toMatch(summaryRow(name, pids[name], database));
      if (file !== null) expect(existsSync(database), `${database} exists`).toBe(true);
    }
    // Each process's lines carry its name. A process writes its log lines in batches (every 200 ms),
    // so its first ones may reach the supervisor after the summary: wait for them, briefly.
    for (const name of ALL_SERVICES) {
      const prefixed = new RegExp(`^${escape(name)} +\\| `, 'm');
      await waitFor(() => prefixed.test(system.output()), 5000).catch(() => undefined);
      expect(system.output()).toMatch(prefixed);
    }
  });

  test('When a service process is killed (SIGKILL), then the supervisor restarts it with a new pid, and the others keep theirs', async () => {
    const before = await pidsOf(system);
    const victim = before['order-service'];
    process.kill(victim, 'SIGKILL');

    const restarted = await waitFor(async () => {
      const { 'order-service': pid } = await pidsOf(system, ['order-service']);
      return pid !== victim ? pid : undefined;
    }, 20_000);

    const after = await pidsOf(system);
    expect(after['order-service']).toBe(restarted);
    for (const name of ALL_SERVICES.filter((n) => n !== 'order-service')) expect(after[name], name).toBe(before[name]);
    expect(isAlive(victim)).toBe(false);
    expect(system.output()).toContain(`order-service (pid ${victim}) exited by signal SIGKILL`);
    expect(system.output()).toContain(`order-service restarted as pid ${restarted}`);
  });

  test('When Ctrl-C (SIGINT) is sent, then every child process is gone and the supervisor exits 0', async () => {
    const pids = Object.values(await pidsOf(system));
    expect(await system.stop()).toBe(0);
    for (const pid of pids) expectGone(pid);
    expect(system.output()).toContain('Everything stopped.');
    for (const name of ALL_SERVICES) expect(await isPortFree(SERVICES[name].port), `port ${SERVICES[name].port}`).toBe(true);
  });
});

describe('npm start when something goes wrong', () => {
  test('When a port is taken, then the supervisor exits 1 naming the port and the service, and starts nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(5003, '127.0.0.1', resolve);
    });
    const databaseDir = mkdtempSync(path.join(tmpdir(), 'microshop-e2e-'));
    try {
      const run = runSupervisor(['--database-dir', databaseDir]);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain('Port 5003 (order-service) is already in use');
      expect(run.output()).not.toMatch(/^(user|product|payment)-service +\|/m);
      expect(await isPortFree(5001)).toBe(true);
      expect(readdirSync(databaseDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(databaseDir, { recursive: true, force: true });
    }
  });

  test('When the supervisor itself is killed (SIGKILL), then its children notice and stop on their own, the registry too', async () => {
    const system = await startSystem({ only: ['user-service', 'product-service'] });
    let pids: number[] = [];
    try {
      // The registry, too: its last log lines meet a pipe with no reader (EPIPE), and must not hold its exit.
      pids = Object.values(await pidsOf(system, ['user-service', 'product-service', 'registry']));
      expect(pids).toHaveLength(3);
      process.kill(system.pid, 'SIGKILL');
      await system.exited;
      await waitFor(() => pids.every((pid) => !isAlive(pid)), 15_000);
      expect(await isPortFree(5001)).toBe(true);
      expect(await isPortFree(5002)).toBe(true);
    } finally {
      await system.stop();
      // Should this fail, end the orphans here rather than leave them holding the ports.
      for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    }
  });

  test('When --only names one service, then only it starts (with the registry it registers with), and the summary promises no web UI', async () => {
    const system = await startSystem({ only: ['user-service'] });
    try {
      expect(Object.keys(await pidsOf(system, ['user-service']))).toEqual(['user-service']);
      for (const name of ['gateway', 'product-service', 'order-service', 'payment-service'] as const) {
        expect(await isPortFree(SERVICES[name].port), name).toBe(true);
      }
      expect(await isPortFree(SERVICES.registry.port)).toBe(false);
      expect(system.output()).not.toContain('/docs');
    } finally {
      expect(await system.stop()).toBe(0);
    }
  });
});
