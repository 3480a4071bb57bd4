import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServer,
  createServiceIdentity,
  formatPublicKeys,
  generateKeySet,
  identityFrom,
  keyMaterialFor,
  parsePublicKeys,
  privateKeyOf,
  publicKeyOf,
  readKeySetFile,
  requireService,
  signServiceToken,
  TokenError,
  verifyServiceToken,
  type App,
  type TokenFault,
} from '../src/index.js';

const set = generateKeySet();
const publicKeys = parsePublicKeys(formatPublicKeys(set));
const privateOf = (principal: string) => privateKeyOf(set[principal]?.private ?? '');
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (overrides: Record<string, unknown> = {}) => ({ iss: 'payment-service', sub: 'payment-service-1', aud: 'order-service', iat: NOW, exp: NOW + 60, jti: 'j1', ...overrides });
const verifyAt = (token: string, nowS = NOW) => verifyServiceToken(token, { audience: 'order-service', publicKeys, nowS, skewS: 5, maxLifetimeS: 300 });
const faultOf = (token: string, nowS = NOW): TokenFault | 'accepted' => {
  try {
    verifyAt(token, nowS);
    return 'accepted';
  } catch (error) {
    if (error instanceof TokenError) return error.fault;
    throw error;
  }
};

describe('service tokens', () => {
  it('When a service signs a token for a neighbour, then the neighbour reads who sent it', () => {
    const token = signServiceToken(privateOf('payment-service'), claims());
    expect(verifyAt(token)).toMatchObject({ iss: 'payment-service', sub: 'payment-service-1', aud: 'order-service', exp: NOW + 60 });
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'payment-service' });
  });

  it.each<[string, () => string, TokenFault]>([
    ['it claims another issuer than the key that signed it', () => signServiceToken(privateOf('order-service'), claims({ iss: 'payment-service' })), 'bad-signature'],
    ['its payload was changed after signing', () => {
      const [header, , signature] = signServiceToken(privateOf('payment-service'), claims()).split('.');
      return `${header}.${b64(claims({ iss: 'payment-service', aud: 'order-service', exp: NOW + 100_000 }))}.${signature}`;
    }, 'bad-signature'],
    ['its header names another kid than its iss', () => {
      const [, payload] = signServiceToken(privateOf('order-service'), claims({ iss: 'payment-service' })).split('.');
      const header = b64({ alg: 'EdDSA', typ: 'JWT', kid: 'order-service' });
      const input = `${header}.${payload}`;
      // Signed correctly by order-service, but saying it is payment-service.
      return `${input}.${sign(null, Buffer.from(input), privateOf('order-service')).toString('base64url')}`;
    }, 'malformed'],
    ['it is unsigned (alg none)', () => `${b64({ alg: 'none', typ: 'JWT', kid: 'payment-service' })}.${b64(claims())}.`, 'algorithm'],
    ['it is an HMAC keyed with the public key (algorithm confusion)', () => {
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'payment-service' })}.${b64(claims())}`;
      return `${input}.${createHmac('sha256', set['payment-service']?.public ?? '').update(input).digest('base64url')}`;
    }, 'algorithm'],
    ['its issuer is not in the key set', () => {
      const { privateKey } = generateKeyPairSync('ed25519');
      return signServiceToken(privateKey, claims({ iss: 'intruder' }));
    }, 'unknown-issuer'],
    ['it is signed by a key outside the set under a known name', () => signServiceToken(generateKeyPairSync('ed25519').privateKey, claims()), 'bad-signature'],
    ['it is for another service', () => signServiceToken(privateOf('payment-service'), claims({ aud: 'product-service' })), 'wrong-audience'],
    ['it expired', () => signServiceToken(privateOf('payment-service'), claims({ iat: NOW - 120, exp: NOW - 60 })), 'expired'],
    ['it is issued in the future', () => signServiceToken(privateOf('payment-service'), claims({ iat: NOW + 60, exp: NOW + 120 })), 'not-yet-valid'],
    ['it lives longer than any token may', () => signServiceToken(privateOf('payment-service'), claims({ exp: NOW + 86_400 })), 'too-long-lived'],
    ['it has two parts', () => 'abc.def', 'malformed'],
    ['its parts are not base64url JSON', () => 'a+b.c.d', 'malformed'],
    ['it is huge', () => 'a'.repeat(5000), 'malformed'],
  ])('When %s, then it is refused', (_name, make, fault) => {
    expect(faultOf(make())).toBe(fault);
  });

  it('When the clocks of two processes differ by a few seconds, then a fresh token is still accepted', () => {
    const token = signServiceToken(privateOf('payment-service'), claims({ iat: NOW + 3, exp: NOW + 63 }));
    expect(faultOf(token)).toBe('accepted');
    expect(faultOf(token, NOW + 66)).toBe('accepted');
    expect(faultOf(token, NOW + 69)).toBe('expired');
  });
});

describe('service identity', () => {
  it('When a service calls the same neighbour again, then it reuses its token until half its lifetime has passed', () => {
    let now = NOW * 1000;
    const identity = createServiceIdentity({ principal: 'payment-service', keys: { privateKey: privateOf('payment-service'), publicKeys }, ttlS: 60, now: () => now });
    const first = identity.tokenFor('order-service');
    now += 29_000;
    expect(identity.tokenFor('order-service')).toBe(first);
    expect(identity.tokenFor('product-service')).not.toBe(first);
    now += 2_000;
    const renewed = identity.tokenFor('order-service');
    expect(renewed).not.toBe(first);
    const receiver = createServiceIdentity({ principal: 'order-service', keys: { privateKey: privateOf('order-service'), publicKeys }, now: () => now });
    expect(receiver.verify(renewed).iss).toBe('payment-service');
  });

  it('When a verified token expires, then the cache of verified tokens does not keep accepting it', () => {
    let now = NOW * 1000;
    const sender = createServiceIdentity({ principal: 'payment-service', keys: { privateKey: privateOf('payment-service'), publicKeys }, ttlS: 10, now: () => now });
    const receiver = createServiceIdentity({ principal: 'order-service', keys: { privateKey: privateOf('order-service'), publicKeys }, skewS: 0, now: () => now });
    const token = sender.tokenFor('order-service');
    expect(receiver.verify(token).iss).toBe('payment-service');
    now += 11_000;
    expect(() => receiver.verify(token)).toThrow(TokenError);
  });

  it('When keys come from SERVICE_KEY and SERVICE_PUBLIC_KEYS, then the process signs with its own and believes the listed ones', () => {
    const keys = keyMaterialFor('order-service', { SERVICE_KEY: set['order-service']?.private, SERVICE_PUBLIC_KEYS: formatPublicKeys(set) });
    expect([...keys.publicKeys.keys()].sort()).toEqual(Object.keys(set).sort());
    expect(() => keyMaterialFor('order-service', { SERVICE_KEY: set['order-service']?.private })).toThrow(/set together/);
    expect(() => privateKeyOf('not-a-key')).toThrow(/32 bytes/);
    expect(() => parsePublicKeys('order-service')).toThrow(/principal=key/);
    expect(() => parsePublicKeys(`order-service=${set['order-service']?.public},order-service=${set['user-service']?.public}`)).toThrow(/twice/);
    expect(publicKeyOf(set['order-service']?.public ?? '').asymmetricKeyType).toBe('ed25519');
  });

  it('When several processes create the development key set at once, then they all end up with the same one, private to its owner', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'microshop-keyset-')), 'nested', 'service-keys.json');
    const sets = await Promise.all(Array.from({ length: 4 }, async () => readKeySetFile(file, { create: true })));
    for (const each of sets) expect(each).toEqual(sets[0]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(sets[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(() => readKeySetFile(`${file}.missing`, { create: false })).toThrow(/cannot be read/);
    expect(identityFrom('gateway', { SERVICE_KEYS_FILE: file }).principal).toBe('gateway');
    expect(() => identityFrom('intruder', { SERVICE_KEYS_FILE: file })).toThrow(/no private key for intruder/);
  });
});

describe('requireService', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const identityOf = (principal: string) => createServiceIdentity({ principal, keys: { privateKey: privateOf(principal), publicKeys } });

  it('When callers call an internal route, then only the allowed one gets in, and no answer echoes the token', async () => {
    app = await createServer({ name: 'order-service', logLevel: false, docs: false, chaos: false, identity: identityOf('order-service') });
    app.put('/internal/thing', { onRequest: requireService(identityOf('order-service'), { from: ['payment-service'] }) }, async () => ({ ok: true }));
    const call = async (headers: Record<string, string>) => app?.inject({ method: 'PUT', url: '/internal/thing', headers, payload: {} });
    const payment = identityOf('payment-service').tokenFor('order-service');
    expect((await call({ [SERVICE_TOKEN_HEADER]: payment }))?.statusCode).toBe(200);
    const product = identityOf('product-service').tokenFor('order-service');
    const refused = await call({ [SERVICE_TOKEN_HEADER]: product });
    expect(refused?.statusCode).toBe(403);
    expect(refused?.json()).toMatchObject({ field: SERVICE_TOKEN_HEADER, detail: expect.stringContaining('product-service may not call PUT /internal/thing') });
    expect(refused?.body).not.toContain(product);
    const missing = await call({});
    expect(missing?.statusCode).toBe(401);
    expect(missing?.headers['content-type']).toContain('application/problem+json');
    const forged = `${product.slice(0, -4)}AAAA`;
    const bad = await call({ [SERVICE_TOKEN_HEADER]: forged });
    expect(bad?.statusCode).toBe(401);
    expect(bad?.body).not.toContain(forged);
  });
});
