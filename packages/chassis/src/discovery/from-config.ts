import type { Static, TObject } from 'typebox';
import type { DiscoveryConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { ServiceIdentity } from '../identity/identity.js';
import { createDiscovery, type Discovery } from './discovery.js';

type DiscoveryValues = Static<TObject<typeof DiscoveryConfig>>;

export interface DiscoveryFromConfigOptions {
  /** The process itself, for its log lines. */
  service: string;
  identity: ServiceIdentity;
  /** Each neighbour's explicit address from config (`PRODUCT_SERVICE_URL`…); undefined ones go through the registry. */
  targets: Record<string, string | undefined>;
  logLevel: string;
}

/**
 * The discovery a process's config asks for, with its first lists fetched: the registry at
 * `REGISTRY_URL` for every neighbour without an explicit address.
 *
 * @example
 * const discovery = await discoveryFrom(config, { service: 'order-service', identity, targets: { 'user-service': config.USER_SERVICE_URL }, logLevel: config.LOG_LEVEL })
 */
export async function discoveryFrom(config: DiscoveryValues, { service, identity, targets, logLevel }: DiscoveryFromConfigOptions): Promise<Discovery> {
  const log = createLogger(service, logLevel).child({ component: 'discovery' });
  const discovery = createDiscovery({
    registryUrl: config.REGISTRY_URL,
    identity,
    refreshMs: config.DISCOVERY_REFRESH_MS,
    targets,
    log: { info: (details, message) => log.info(details, message), warn: (details, message) => log.warn(details, message) },
  });
  for (const neighbour of Object.keys(targets)) discovery.resolver(neighbour);
  await discovery.refresh();
  return discovery;
}
