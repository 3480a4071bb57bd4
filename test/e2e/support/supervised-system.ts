import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BACKENDS, type BackendName, type ServiceName } from '@microshop/contracts';
import { createReporter, createSupervisor, startControlServer, type ControlServer, type OutputOptions, type ProcessPlan, type Supervisor } from '@microshop/supervisor';
import { freePort } from '@microshop/testkit';
import { ROOT_DIR } from './system.js';

const URL_VARIABLE: Record<BackendName, string> = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
};

/** The whole system under the real supervisor code, in this test process, on free ports. */
export interface SupervisedSystem {
  /** The gateway's base URL. */
  url: string;
  adminToken: string;
  baseUrl(service: ServiceName): string;
  /** Every line the processes and the supervisor printed so far. */
  output(): string;
  supervisor: Supervisor;
  stop(): Promise<void>;
}

export interface SupervisedSystemOptions {
  /** Extra environment for the gateway (e.g. CALL_TIMEOUT_MS). */
  gatewayEnv?: Record<string, string>;
  /** The built web UI is served when true (the gateway always looks for web/dist). */
  logLevel?: string;
}

/**
 * Starts the four services and the gateway as separate OS processes under `createSupervisor` (the
 * code behind `npm start`) and its control endpoint, on free loopback ports, with a fresh database
 * directory and test credentials. Unlike `startSystem`, it never needs the spec's fixed ports.
 *
 * @example
 * const system = await startSupervisedSystem()
 * await fetch(`${system.url}/api/admin/services`, { headers: { 'x-admin-token': system.adminToken } })
 */
export async function startSupervisedSystem({ gatewayEnv = {}, logLevel = 'warn' }: SupervisedSystemOptions = {}): Promise<SupervisedSystem> {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-supervised-'));
  const adminToken = `e2e-admin-${Math.random().toString(36).slice(2)}-token`;
  const serviceToken = `e2e-service-${Math.random().toString(36).slice(2)}-token`;
  const names: ServiceName[] = [...BACKENDS, 'gateway'];
  const ports = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await freePort()] as const))) as Record<ServiceName, number>;
  const inherited = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string' && !e[0].endsWith('DATABASE_URL')));
  const urls = Object.fromEntries(BACKENDS.map((s) => [URL_VARIABLE[s], `http://127.0.0.1:${ports[s]}`]));
  let lines = '';
  const output: OutputOptions = { format: 'json', colour: false, nameWidth: 16, sink: { write: (_stream, line) => void (lines += `${line}\n`) } };
  let control: ControlServer | undefined;
  const controlPort = await freePort();
  const plans: ProcessPlan[] = names.map((name) => ({
    name,
    command: process.execPath,
    args: [path.join(ROOT_DIR, 'services', name, 'dist/main.js')],
    env: {
      ...inherited,
      ...urls,
      LOG_LEVEL: logLevel,
      PORT: String(ports[name]),
      SERVICE_TOKEN: serviceToken,
      ...(name === 'gateway' ? { ADMIN_TOKEN: adminToken, SUPERVISOR_URL: `http://127.0.0.1:${controlPort}`, ...gatewayEnv } : { DATABASE_FILE: path.join(dir, `${name}.db`) }),
    },
    port: ports[name],
    baseUrl: `http://127.0.0.1:${ports[name]}`,
    stage: name === 'gateway' ? 2 : 1,
    database: null,
  }));
  const supervisor = createSupervisor({ plans, cwd: ROOT_DIR, output, reporter: createReporter(output, process.pid) });
  control = await startControlServer({ supervisor, adminToken, port: controlPort });
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop();
    await control.close();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`The supervised system did not start: ${error instanceof Error ? error.message : String(error)}\n${lines}`);
  }
  return {
    url: `http://127.0.0.1:${ports.gateway}`,
    adminToken,
    baseUrl: (service) => `http://127.0.0.1:${ports[service]}`,
    output: () => lines,
    supervisor,
    stop: async () => {
      await supervisor.stop();
      await control?.close();
      control = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
