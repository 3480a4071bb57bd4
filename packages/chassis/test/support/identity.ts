import type { TestKeys } from '@microshop/testkit';
import { createServiceIdentity, keyMaterialFor, type ServiceIdentity } from '../../src/identity/index.js';

/**
 * `keys.identity(principal)`, made from this package's sources: the chassis tests build apps from
 * `../src`, whose `requireService` tells a refused token by its own `TokenError` class, and the
 * testkit's identities throw the built package's.
 */
export function sourceIdentity(keys: TestKeys, principal: string): ServiceIdentity {
  return createServiceIdentity({ principal, keys: keyMaterialFor(principal, { SERVICE_KEYS_FILE: keys.file }) });
}
