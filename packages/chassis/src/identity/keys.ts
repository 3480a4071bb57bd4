import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fromRoot } from '../paths.js';

/**
 * Every principal of the system: each holds its own signing key. The development key set has one
 * pair for each; a cluster gives each process only its own private key (`SERVICE_KEY`) and every
 * public key (`SERVICE_PUBLIC_KEYS`).
 */
export const PRINCIPALS = [
  'user-service',
  'product-service',
  'order-service',
  'payment-service',
  'payment-provider',
  'registry',
  'gateway',
  'supervisor',
] as const;
export type Principal = (typeof PRINCIPALS)[number];

/** Where the development key set lives unless `SERVICE_KEYS_FILE` says otherwise (git-ignored). */
export const DEVELOPMENT_KEYS_FILE = '.microshop/service-keys.json';

/** One principal's Ed25519 pair, each half as base64url of its raw 32 bytes. */
export interface KeyPairText {
  /** Absent in a file that only lists public keys. */
  private?: string;
  public: string;
}

/** The keys a key set file holds: principal → pair. */
export type KeySetFile = Record<string, KeyPairText>;

/** What a process needs: its own private key and the public keys of everyone it accepts calls from. */
export interface KeyMaterial {
  privateKey: KeyObject;
  publicKeys: ReadonlyMap<string, KeyObject>;
}

// The fixed DER prefixes of an Ed25519 key (RFC 8410): raw 32 bytes ↔ PKCS#8 / SPKI.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A base64url string of exactly 32 bytes, or an error naming `what`. */
function rawKey(text: string, what: string): Buffer {
  const bytes = Buffer.from(text.trim(), 'base64url');
  if (bytes.length !== 32 || bytes.toString('base64url') !== text.trim()) throw new Error(`${what} must be an Ed25519 key: 32 bytes in base64url (43 characters)`);
  return bytes;
}

/** An Ed25519 private key from its 32 raw bytes in base64url. */
export function privateKeyOf(text: string, what = 'SERVICE_KEY'): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, rawKey(text, what)]), format: 'der', type: 'pkcs8' });
}

/** An Ed25519 public key from its 32 raw bytes in base64url. */
export function publicKeyOf(text: string, what = 'SERVICE_PUBLIC_KEYS'): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, rawKey(text, what)]), format: 'der', type: 'spki' });
}

/** A new Ed25519 pair as text. */
export function generateKeyPairText(): Required<KeyPairText> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = (der: Buffer, prefix: Buffer) => der.subarray(prefix.length).toString('base64url');
  return {
    private: raw(privateKey.export({ format: 'der', type: 'pkcs8' }), PKCS8_PREFIX),
    public: raw(publicKey.export({ format: 'der', type: 'spki' }), SPKI_PREFIX),
  };
}

/** A fresh key set with a pair for each principal given. */
export function generateKeySet(principals: readonly string[] = PRINCIPALS): Record<string, Required<KeyPairText>> {
  return Object.fromEntries(principals.map((principal) => [principal, generateKeyPairText()]));
}

/** `user-service=<key>,order-service=<key>` → a map (the form of `SERVICE_PUBLIC_KEYS`). */
export function parsePublicKeys(text: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const entry of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [principal, key, ...rest] = entry.split('=');
    if (!principal || !key || rest.length > 0) throw new Error(`SERVICE_PUBLIC_KEYS: "${entry.slice(0, 40)}" is not principal=key`);
    // A principal listed twice would have one of its keys silently ignored: refused instead.
    if (keys.has(principal.trim())) throw new Error(`SERVICE_PUBLIC_KEYS lists ${principal.trim()} twice`);
    keys.set(principal.trim(), publicKeyOf(key, `SERVICE_PUBLIC_KEYS (${principal.trim()})`));
  }
  return keys;
}

/** The map back to its `SERVICE_PUBLIC_KEYS` form. */
export function formatPublicKeys(set: KeySetFile): string {
  return Object.entries(set)
    .map(([principal, pair]) => `${principal}=${pair.public}`)
    .join(',');
}

/**
 * Reads a key set file, creating it first when it is the development one and missing: a pair for
 * every principal, written once (mode 0600, `wx`: when several processes start together, the first
 * one's file wins and the others read it).
 */
export function readKeySetFile(file: string, { create }: { create: boolean }): KeySetFile {
  const location = fromRoot(file);
  try {
    return JSON.parse(readFileSync(location, 'utf8')) as KeySetFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !create) throw new Error(`the service key set ${location} cannot be read: ${(error as Error).message}`);
  }
  mkdirSync(path.dirname(location), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(location, `${JSON.stringify(generateKeySet(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Read back what is on disk: ours, or the one another process wrote first.
  return readWhenComplete(location);
}

/** A file another process is writing may be seen empty for an instant: read it until it parses. */
function readWhenComplete(location: string): KeySetFile {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return JSON.parse(readFileSync(location, 'utf8')) as KeySetFile;
    } catch (error) {
      if (attempt >= 50) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** The settings a process's keys come from (`BaseConfig`). */
export interface KeyConfig {
  SERVICE_KEY?: string | undefined;
  SERVICE_PUBLIC_KEYS?: string | undefined;
  SERVICE_KEYS_FILE?: string | undefined;
}

/**
 * The keys of `principal`: `SERVICE_KEY` and `SERVICE_PUBLIC_KEYS` when set (a cluster: each
 * process holds only its own private key), else the key set file (`SERVICE_KEYS_FILE`, default the
 * development one, created on first use).
 */
export function keyMaterialFor(principal: string, config: KeyConfig): KeyMaterial {
  if (config.SERVICE_KEY !== undefined || config.SERVICE_PUBLIC_KEYS !== undefined) {
    if (config.SERVICE_KEY === undefined || config.SERVICE_PUBLIC_KEYS === undefined) throw new Error('SERVICE_KEY and SERVICE_PUBLIC_KEYS are set together, or neither');
    return { privateKey: privateKeyOf(config.SERVICE_KEY), publicKeys: parsePublicKeys(config.SERVICE_PUBLIC_KEYS) };
  }
  const file = config.SERVICE_KEYS_FILE ?? DEVELOPMENT_KEYS_FILE;
  const set = readKeySetFile(file, { create: config.SERVICE_KEYS_FILE === undefined });
  const own = set[principal]?.private;
  if (own === undefined) throw new Error(`the service key set ${file} holds no private key for ${principal}`);
  const publicKeys = new Map(Object.entries(set).map(([name, pair]) => [name, publicKeyOf(pair.public, `${file} (${name})`)]));
  return { privateKey: privateKeyOf(own, `${file} (${principal})`), publicKeys };
}
