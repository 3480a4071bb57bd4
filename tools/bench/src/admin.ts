import { ADMIN_TOKEN_HEADER, BACKENDS, type BackendName, type SetChaos, type SetResilienceSwitches } from '@microshop/contracts';
import type { BenchSystem } from './system.js';

async function put(system: BenchSystem, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${system.url('gateway')}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', [ADMIN_TOKEN_HEADER]: system.adminToken() },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`PUT ${path} answered ${response.status}: ${await response.text()}`);
}

/** Sets the same resilience switches on the gateway and every service, through the gateway's admin API. */
export async function setResilience(system: BenchSystem, switches: SetResilienceSwitches): Promise<void> {
  for (const service of ['gateway', ...BACKENDS]) await put(system, `/api/admin/services/${service}/resilience`, switches);
}

/** Injects faults into one service through the gateway's admin API. */
export async function injectFault(system: BenchSystem, service: BackendName, faults: SetChaos): Promise<void> {
  await put(system, `/api/admin/services/${service}/chaos`, faults);
}
