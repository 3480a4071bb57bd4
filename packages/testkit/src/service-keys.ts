import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServiceIdentity, generateKeySet, PRINCIPALS, privateKeyOf, publicKeyOf, signServiceToken, type ServiceIdentity } from '@microshop/chassis';

/** A key set made for one test run: every principal's pair, never the development one. */
export interface TestKeys {
  /** The key set file, written once (`SERVICE_KEYS_FILE` for processes). */
  file: string;
  /** `{ SERVICE_KEYS_FILE: file }`, for a process's environment. */
  env: Record<string, string>;
  /** The identity of `principal`, trusting every principal of the set. */
  identity(principal: string): ServiceIdentity;
  /**
   * A token signed by `issuer` for `audience`, as the service itself would make it; `ageS` signs it
   * that many seconds ago (an expired token: more than its lifetime), `lifetimeS` sets its lifetime.
   */
  token(issuer: string, audience: string, options?: { ageS?: number; lifetimeS?: number }): string;
  /** `{ 'x-service-token': token(issuer, audience) }`. */
  headers(issuer: string, audience: string): Record<string, string>;
}

/**
 * A fresh key set for a test: a pair for every principal (plus `extra` ones, e.g. an impostor the
 * services do not know about is made by leaving it out of another set), written to a temporary file.
 *
 * @example
 * const keys = testKeys()
 * const app = await buildApp({ identity: keys.identity('order-service'), … })
 * await app.inject({ method: 'PUT', url: '/api/orders/1/status', headers: keys.headers('payment-service', 'order-service'), … })
 */
export function testKeys(extra: readonly string[] = []): TestKeys {
  const set = generateKeySet([...PRINCIPALS, ...extra]);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'microshop-keys-')), 'service-keys.json');
  writeFileSync(file, JSON.stringify(set), { mode: 0o600 });
  const publicKeys = new Map(Object.entries(set).map(([principal, pair]) => [principal, publicKeyOf(pair.public)]));
  const privateOf = (principal: string) => {
    const pair = set[principal];
    if (!pair) throw new Error(`the test key set has no key for ${principal}`);
    return privateKeyOf(pair.private);
  };
  const token = (issuer: string, audience: string, { ageS = 0, lifetimeS = 60 }: { ageS?: number; lifetimeS?: number } = {}) => {
    const iat = Math.floor(Date.now() / 1000) - ageS;
    return signServiceToken(privateOf(issuer), { iss: issuer, sub: `${issuer}-test`, aud: audience, iat, exp: iat + lifetimeS });
  };
  return {
    file,
    env: { SERVICE_KEYS_FILE: file },
    identity: (principal) => createServiceIdentity({ principal, keys: { privateKey: privateOf(principal), publicKeys } }),
    token,
    headers: (issuer, audience) => ({ 'x-service-token': token(issuer, audience) }),
  };
}

/**
 * Who sent a request, as the service behind `identity` would see it: the issuer of the valid token
 * in its `x-service-token` header, `undefined` when there is none or it is refused (forged, expired,
 * for another service). For fakes of a neighbour, which must check the token the real one checks.
 *
 * @example
 * orders.on('PUT', '/api/orders/:id/status', (call) => (callerIn(keys.identity('order-service'), call.headers) === 'payment-service' ? { body: order } : { status: 401 }))
 */
export function callerIn(identity: ServiceIdentity, headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const token = headers['x-service-token'];
  if (typeof token !== 'string' || token === '') return undefined;
  try {
    return identity.verify(token).iss;
  } catch {
    return undefined;
  }
}
