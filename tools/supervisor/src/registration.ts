import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_TOKEN_HEADER, type RegistryInstanceStatus, type ServiceInstances } from '@microshop/contracts';

/** Where the services keep their development credential when `SERVICE_TOKEN` is not set, relative to the repository root. */
export const SERVICE_TOKEN_FILE = '.microshop/service-token';

/** Where one instance registers and how to ask the registry about it. */
export interface RegistrySpot {
  registryUrl: string;
  serviceToken: string;
  service: string;
  instanceId: string;
}

/** What the registry says about one instance now. */
export interface RegistryAnswer {
  /** Its status there; `absent` when the registry does not list it (or lists another process under its id); `null` when the registry did not answer. */
  status: RegistryInstanceStatus | 'absent' | null;
  /** Why the registry did not answer, for messages. */
  problem?: string;
}

/**
 * Where the process of a plan registers: its `REGISTRY_URL` and `INSTANCE_ID`, with the service
 * credential from its environment (`SERVICE_TOKEN`) or, like the services themselves, from the
 * development file under `rootDir`. `undefined` when it does not register (no `REGISTRY_URL`) or
 * no credential can be found: its health check is then all there is to wait for.
 */
export function registrySpotOf(plan: { name: string; instanceId: string; env: Readonly<Record<string, string>> }, rootDir: string): RegistrySpot | undefined {
  const registryUrl = plan.env.REGISTRY_URL;
  if (!registryUrl) return undefined;
  let serviceToken = plan.env.SERVICE_TOKEN;
  if (!serviceToken) {
    try {
      serviceToken = readFileSync(path.join(rootDir, SERVICE_TOKEN_FILE), 'utf8').trim();
    } catch {
      return undefined;
    }
  }
  if (!serviceToken) return undefined;
  return { registryUrl: registryUrl.replace(/\/+$/, ''), serviceToken, service: plan.name, instanceId: plan.env.INSTANCE_ID ?? plan.instanceId };
}

/**
 * Asks the registry for every instance of the spot's service (`?status=all`) and reports this one's
 * status, provided the registry holds it for the process `pid` (an instance that registers its pid
 * under an id another process used before is told apart by it). Never throws.
 */
export async function registryStatus(spot: RegistrySpot, pid: number, timeoutMs = 1000): Promise<RegistryAnswer> {
  try {
    const response = await fetch(`${spot.registryUrl}/v1/services/${encodeURIComponent(spot.service)}/instances?status=all`, {
      headers: { accept: 'application/json', [SERVICE_TOKEN_HEADER]: spot.serviceToken },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (response.status !== 200) return { status: null, problem: `the registry answered ${response.status}` };
    const listed = (JSON.parse(text) as ServiceInstances).instances.find((i) => i.instance_id === spot.instanceId && (i.pid === null || i.pid === pid));
    return { status: listed?.status ?? 'absent' };
  } catch (error) {
    return { status: null, problem: error instanceof Error ? ((error.cause as { code?: string } | undefined)?.code ?? error.name) : String(error) };
  }
}
