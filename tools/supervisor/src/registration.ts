import { identityFrom, type ServiceIdentity } from '@microshop/chassis/identity';
import type { RegistryInstanceStatus, ServiceInstances } from '@microshop/contracts';

/** Where one instance registers and how to ask the registry about it. */
export interface RegistrySpot {
  registryUrl: string;
  /** The supervisor's own identity: the registry answers its reads with its token. */
  identity: ServiceIdentity;
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

// One identity per key set file: the key set is read once, and its tokens are reused.
const identities = new Map<string, ServiceIdentity | undefined>();

/**
 * The supervisor's identity from the key set file its processes use (`SERVICE_KEYS_FILE`, or the
 * development one, created if missing). `undefined` when that file holds no key for the
 * supervisor, or the processes use `SERVICE_KEY` instead (a key set it has no part in).
 */
function supervisorIdentity(env: Readonly<Record<string, string>>): ServiceIdentity | undefined {
  if (env.SERVICE_KEY !== undefined) return undefined;
  const file = env.SERVICE_KEYS_FILE ?? '';
  if (!identities.has(file)) {
    let identity: ServiceIdentity | undefined;
    try {
      identity = identityFrom('supervisor', { SERVICE_KEYS_FILE: env.SERVICE_KEYS_FILE });
    } catch {
      identity = undefined;
    }
    identities.set(file, identity);
  }
  return identities.get(file);
}

/**
 * Where the process of a plan registers: its `REGISTRY_URL` and `INSTANCE_ID`, asked about with the
 * supervisor's own service token. `undefined` when it does not register (no `REGISTRY_URL`) or the
 * supervisor has no key to ask with: its health check is then all there is to wait for.
 */
export function registrySpotOf(plan: { name: string; instanceId: string; env: Readonly<Record<string, string>> }): RegistrySpot | undefined {
  const registryUrl = plan.env.REGISTRY_URL;
  if (!registryUrl) return undefined;
  const identity = supervisorIdentity(plan.env);
  if (!identity) return undefined;
  return { registryUrl: registryUrl.replace(/\/+$/, ''), identity, service: plan.name, instanceId: plan.env.INSTANCE_ID ?? plan.instanceId };
}

/**
 * Asks the registry for every instance of the spot's service (`?status=all`) and reports this one's
 * status, provided the registry holds it for the process `pid` (an instance that registers its pid
 * under an id another process used before is told apart by it). Never throws.
 */
export async function registryStatus(spot: RegistrySpot, pid: number, timeoutMs = 1000): Promise<RegistryAnswer> {
  try {
    const response = await fetch(`${spot.registryUrl}/v1/services/${encodeURIComponent(spot.service)}/instances?status=all`, {
      headers: { accept: 'application/json', ...spot.identity.headersFor('registry') },
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
