import { SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import type { FastifyRequest } from 'fastify';
import { loadKeyToolConfig } from '../config.js';
import { AppError } from '../errors.js';
import { keyMaterialFor, type KeyConfig, type KeyMaterial } from './keys.js';
import { signServiceToken, TokenError, verifyServiceToken, type ServiceClaims } from './tokens.js';

/**
 * Who this process is to its neighbours, and how it checks who they are. Each principal signs its
 * own short-lived tokens (`tokenFor`), one per audience, so a token taken from one service's
 * traffic cannot be replayed at another, and a service holding its own key cannot speak as another.
 */
export interface ServiceIdentity {
  /** `order-service`, `gateway`, … */
  readonly principal: string;
  /** A token for calls to `audience`, re-signed once half its lifetime has passed. */
  tokenFor(audience: string): string;
  /** `{ 'x-service-token': tokenFor(audience) }`. */
  headersFor(audience: string): Record<string, string>;
  /** The claims of a token presented to this principal, or a {@link TokenError}. */
  verify(token: string): ServiceClaims;
}

export interface IdentityOptions {
  principal: string;
  /** The instance, in each token's `sub` (for the logs of whoever receives it). */
  instance?: string | undefined;
  keys: KeyMaterial;
  /** Lifetime of the tokens this principal signs (default 60 s). */
  ttlS?: number;
  /** Clock difference tolerated when verifying (default 5 s). */
  skewS?: number;
  /** Longest lifetime accepted from anyone (default 300 s). */
  maxLifetimeS?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

// Verified tokens, kept until they expire: a caller presents the same token for half a minute, and
// an Ed25519 verification costs far more than a map lookup. Bounded: the oldest entry goes first.
const VERIFIED_CACHE_SIZE = 1024;

export function createServiceIdentity({ principal, instance = principal, keys, ttlS = 60, skewS = 5, maxLifetimeS = 300, now = Date.now }: IdentityOptions): ServiceIdentity {
  const signed = new Map<string, { token: string; renewAtS: number }>();
  const verified = new Map<string, ServiceClaims>();
  const nowS = () => Math.floor(now() / 1000);
  const tokenFor = (audience: string): string => {
    const current = signed.get(audience);
    const at = nowS();
    if (current && at < current.renewAtS) return current.token;
    const token = signServiceToken(keys.privateKey, { iss: principal, sub: instance, aud: audience, iat: at, exp: at + ttlS });
    signed.set(audience, { token, renewAtS: at + Math.floor(ttlS / 2) });
    return token;
  };
  return {
    principal,
    tokenFor,
    headersFor: (audience) => ({ [SERVICE_TOKEN_HEADER]: tokenFor(audience) }),
    verify(token) {
      const at = nowS();
      const known = verified.get(token);
      if (known) {
        if (known.exp > at - skewS) return known;
        verified.delete(token);
      }
      const claims = verifyServiceToken(token, { audience: principal, publicKeys: keys.publicKeys, nowS: at, skewS, maxLifetimeS });
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
      verified.set(token, claims);
      return claims;
    },
  };
}

/** The settings an identity reads (`BaseConfig`). */
export interface IdentityConfig extends KeyConfig {
  SERVICE_TOKEN_TTL_S?: number | undefined;
  INSTANCE_ID?: string | undefined;
}

/** The identity of `principal` from its config: its keys (see {@link keyMaterialFor}) and token lifetime. */
export function identityFrom(principal: string, config: IdentityConfig): ServiceIdentity {
  return createServiceIdentity({ principal, instance: config.INSTANCE_ID ?? principal, keys: keyMaterialFor(principal, config), ...(config.SERVICE_TOKEN_TTL_S ? { ttlS: config.SERVICE_TOKEN_TTL_S } : {}) });
}

/**
 * The development identity of `principal`, made on first use: from the key set file named by
 * `SERVICE_KEYS_FILE`, or `.microshop/service-keys.json` (created when missing). Lazy, so an app
 * that never signs nor checks a token (a test's) never touches the file.
 */
export function developmentIdentity(principal: string): ServiceIdentity {
  let identity: ServiceIdentity | undefined;
  const real = () => (identity ??= identityFrom(principal, { SERVICE_KEYS_FILE: loadKeyToolConfig().SERVICE_KEYS_FILE }));
  return { principal, tokenFor: (audience) => real().tokenFor(audience), headersFor: (audience) => real().headersFor(audience), verify: (token) => real().verify(token) };
}

/**
 * Who may run operations on a service's own machinery (`/internal/chaos`, `/internal/resilience`,
 * the outbox, the test hooks): the gateway, which has checked the admin credential first.
 */
export const OPERATORS: readonly string[] = ['gateway'];

const callers = new WeakMap<FastifyRequest, ServiceClaims>();

/** The verified caller of a request that passed {@link requireService}. */
export function callerOf(request: FastifyRequest): ServiceClaims | undefined {
  return callers.get(request);
}

export interface RequireServiceOptions {
  /** The principals allowed to call; absent: any principal with a valid token for this service. */
  from?: readonly string[];
}

/**
 * An `onRequest` hook for an internal route: 401 without a valid token meant for this service
 * (missing, forged, expired, for another audience), 403 for a valid caller that is not in `from`.
 * The problem names the header and why; it never echoes the token.
 *
 * @example
 * app.put('/api/orders/:id/status', { onRequest: requireService(identity, { from: ['payment-service'] }) }, …)
 */
export function requireService(identity: ServiceIdentity, { from }: RequireServiceOptions = {}) {
  const allowed = from ? new Set(from) : undefined;
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers[SERVICE_TOKEN_HEADER];
    if (typeof given !== 'string' || given.length === 0) {
      throw new AppError({
        status: 401,
        code: 'unauthenticated',
        title: 'Service token required',
        detail: `This operation is internal: it needs a service token in the ${SERVICE_TOKEN_HEADER} header`,
        field: SERVICE_TOKEN_HEADER,
      });
    }
    let claims: ServiceClaims;
    try {
      claims = identity.verify(given);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      throw new AppError({ status: 401, code: 'unauthenticated', title: 'Service token refused', detail: `The ${SERVICE_TOKEN_HEADER} header was refused (${error.fault}): ${error.message}`, field: SERVICE_TOKEN_HEADER });
    }
    if (allowed && !allowed.has(claims.iss)) {
      throw new AppError({ status: 403, code: 'forbidden', title: 'Caller not allowed', detail: `${claims.iss} may not call ${request.method} ${request.routeOptions.url ?? request.url} on ${identity.principal}`, field: SERVICE_TOKEN_HEADER });
    }
    callers.set(request, claims);
  };
}
