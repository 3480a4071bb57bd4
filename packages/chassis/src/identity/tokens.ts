import { randomUUID, sign, verify, type KeyObject } from 'node:crypto';

/**
 * What a service token says: who signed it (`iss`, also the header's `kid`), which instance
 * (`sub`), for which service (`aud`), and when it stops being valid (`exp`, seconds).
 */
export interface ServiceClaims {
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
}

/** Why a token was refused. `unknown-issuer`, `bad-signature`, `malformed` and `algorithm` cannot come from a correct peer. */
export type TokenFault = 'malformed' | 'algorithm' | 'unknown-issuer' | 'bad-signature' | 'wrong-audience' | 'expired' | 'not-yet-valid' | 'too-long-lived';

export class TokenError extends Error {
  constructor(
    readonly fault: TokenFault,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

// The one header every token has: the algorithm is fixed, never taken from the token.
const ALGORITHM = 'EdDSA';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a service token: a compact JWS (RFC 7515) with Ed25519 (`alg: EdDSA`), `kid` = the issuer.
 * Sync and a few microseconds: callers cache it for half its lifetime anyway.
 */
export function signServiceToken(privateKey: KeyObject, claims: Omit<ServiceClaims, 'jti'> & { jti?: string }): string {
  const input = `${b64({ alg: ALGORITHM, typ: 'JWT', kid: claims.iss })}.${b64({ ...claims, jti: claims.jti ?? randomUUID() })}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

export interface VerifyOptions {
  /** The service the token must be meant for: this one. */
  audience: string;
  /** The issuers this process trusts, each with its public key. */
  publicKeys: ReadonlyMap<string, KeyObject>;
  /** Now, in seconds. */
  nowS: number;
  /** Clock difference tolerated between processes. */
  skewS: number;
  /** Longest lifetime accepted (`exp - iat`): a token signed for a day is refused even before it expires. */
  maxLifetimeS: number;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function part(text: string, what: string): Record<string, unknown> {
  if (!BASE64URL.test(text)) throw new TokenError('malformed', `the token's ${what} is not base64url`);
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new TokenError('malformed', `the token's ${what} is not a JSON object`);
}

/**
 * Verifies a service token and returns its claims, or throws a {@link TokenError}. The order
 * matters: the algorithm is checked against the one accepted value, the key is looked up by
 * issuer in the configured set (a token cannot bring its own), the signature is checked before
 * any claim is believed, and then audience and times.
 */
export function verifyServiceToken(token: string, { audience, publicKeys, nowS, skewS, maxLifetimeS }: VerifyOptions): ServiceClaims {
  if (token.length > 4096) throw new TokenError('malformed', 'the token is too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenError('malformed', 'a token has three dot-separated parts');
  const [headerText = '', payloadText = '', signatureText = ''] = parts;
  const header = part(headerText, 'header');
  if (header.alg !== ALGORITHM) throw new TokenError('algorithm', `only ${ALGORITHM} tokens are accepted`);
  const kid = header.kid;
  const key = typeof kid === 'string' ? publicKeys.get(kid) : undefined;
  if (key === undefined || typeof kid !== 'string') throw new TokenError('unknown-issuer', `no key is known for issuer ${JSON.stringify(kid)}`);
  if (!BASE64URL.test(signatureText) || !verify(null, Buffer.from(`${headerText}.${payloadText}`), key, Buffer.from(signatureText, 'base64url'))) {
    throw new TokenError('bad-signature', 'the signature does not match the issuer key');
  }
  const claims = part(payloadText, 'payload');
  const { iss, sub, aud, iat, exp, jti } = claims;
  if (iss !== kid || typeof sub !== 'string' || typeof aud !== 'string' || typeof jti !== 'string' || !Number.isInteger(iat) || !Number.isInteger(exp)) {
    throw new TokenError('malformed', 'the claims iss (= kid), sub, aud, iat, exp and jti are required');
  }
  const issuedAt = iat as number;
  const expires = exp as number;
  if (aud !== audience) throw new TokenError('wrong-audience', `the token is for ${aud}, not ${audience}`);
  if (expires - issuedAt > maxLifetimeS) throw new TokenError('too-long-lived', `a token may live at most ${maxLifetimeS} s`);
  if (issuedAt > nowS + skewS) throw new TokenError('not-yet-valid', 'the token is issued in the future');
  if (expires <= nowS - skewS) throw new TokenError('expired', 'the token has expired');
  return { iss: kid, sub, aud, iat: issuedAt, exp: expires, jti };
}
