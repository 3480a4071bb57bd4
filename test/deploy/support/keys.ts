import { execFileSync } from 'node:child_process';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeySet, keyFiles, parsePublicKeys, PRINCIPALS, privateKeyOf, type KeyPairText } from '@microshop/chassis';
import { DEPLOY, readText, ROOT } from './files.js';
import { parseEnvFile } from './kustomize.js';

/**
 * The service keys in the deployments. They are per-cluster secrets, never committed: a fresh clone
 * has no deploy/k8s/base/secrets/service-keys.env, public-keys.env nor deploy/.env (`npm run keys`
 * writes them, git-ignored). So the tests render the manifests from a temporary copy of deploy/k8s
 * into which they write a key set generated for the run, and interpolate compose.yaml with one, as
 * `npm run keys` would; they never write into the repository.
 */

/** The files `npm run keys -- --kubernetes deploy/k8s/base/secrets` writes (git-ignored). */
export const KUBERNETES_KEY_FILES = ['service-keys.env', 'public-keys.env'] as const;
/** The Secret of every principal's private key (key = principal) and the ConfigMap of the public keys. */
export const SERVICE_KEYS_SECRET = 'microshop-service-keys';
export const PUBLIC_KEYS_CONFIG_MAP = 'microshop-public-keys';
/** Where `npm run keys -- --compose` writes for Compose: the .env of its project directory. */
export const COMPOSE_KEY_FILE = 'deploy/.env';

export type KeySet = Record<string, Required<KeyPairText>>;

export interface KubernetesCopy {
  /** The copy of deploy/k8s. */
  root: string;
  base: string;
  local: string;
  /** The keys written into base/secrets (none when made `withKeys: false`). */
  keys: KeySet;
  remove(): void;
}

/**
 * A temporary copy of deploy/k8s with `keyFiles('kubernetes')` of a fresh key set in base/secrets, as
 * `npm run keys -- --kubernetes` writes them. Key files a developer generated in the working tree are
 * not copied (nor read): the copy has the run's keys, or none.
 */
export function kubernetesCopy({ withKeys = true, keys = generateKeySet() }: { withKeys?: boolean; keys?: KeySet } = {}): KubernetesCopy {
  const root = mkdtempSync(path.join(tmpdir(), 'microshop-k8s-'));
  const secrets = path.join(DEPLOY, 'k8s/base/secrets');
  cpSync(path.join(DEPLOY, 'k8s'), root, { recursive: true, filter: (source) => !(path.dirname(source) === secrets && (KUBERNETES_KEY_FILES as readonly string[]).includes(path.basename(source))) });
  if (withKeys) for (const [name, content] of Object.entries(keyFiles('kubernetes', keys))) writeFileSync(path.join(root, 'base/secrets', name), content, { mode: 0o600 });
  return { root, base: path.join(root, 'base'), local: path.join(root, 'overlays/local'), keys: withKeys ? keys : {}, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** The variables `npm run keys -- --compose deploy/.env` writes, as Compose reads them from that file. */
export function composeKeyEnvironment(keys: KeySet = generateKeySet()): Record<string, string> {
  return Object.fromEntries(parseEnvFile(keyFiles('compose', keys)[''] ?? '', COMPOSE_KEY_FILE));
}

const spki = (key: KeyObject) => key.export({ format: 'der', type: 'spki' });

/**
 * Whether `env` gives `principal` a usable identity: its SERVICE_KEY and SERVICE_PUBLIC_KEYS parse as
 * the chassis parses them, and SERVICE_KEY is the private half of the principal's own public key
 * there (anyone else's key would make every neighbour refuse its calls, and let it speak as another).
 * Never reads a key set file: without both variables it only says so.
 */
export function keyPairProblems(principal: string, env: Record<string, string | undefined>): string[] {
  const { SERVICE_KEY, SERVICE_PUBLIC_KEYS } = env;
  if (!SERVICE_KEY || !SERVICE_PUBLIC_KEYS) return ['SERVICE_KEY and SERVICE_PUBLIC_KEYS are not both set: it would make up its own key set in .microshop/, whose tokens no other process believes'];
  let derived: Buffer;
  let publicKeys: Map<string, KeyObject>;
  try {
    derived = spki(createPublicKey(privateKeyOf(SERVICE_KEY)));
    publicKeys = parsePublicKeys(SERVICE_PUBLIC_KEYS);
  } catch (error) {
    return [`its keys do not load: ${error instanceof Error ? error.message : String(error)}`];
  }
  const own = publicKeys.get(principal);
  if (!own) return [`SERVICE_PUBLIC_KEYS has no key for ${principal}: no process can verify its calls`];
  if (spki(own).equals(derived)) return [];
  const whose = [...publicKeys].find(([, key]) => spki(key).equals(derived))?.[0];
  return [`SERVICE_KEY is not the private half of ${principal}'s key in SERVICE_PUBLIC_KEYS${whose ? ` (it is ${whose}'s: it could speak as ${whose})` : ''}: every neighbour would refuse its calls`];
}

/** SERVICE_PUBLIC_KEYS (`principal=key,…`): parses, names principals only, each once, and has a key for every principal that runs. */
export function publicKeysProblems(text: string | undefined, running: readonly string[]): string[] {
  if (!text) return ['SERVICE_PUBLIC_KEYS is empty'];
  const problems: string[] = [];
  try {
    parsePublicKeys(text);
  } catch (error) {
    return [error instanceof Error ? error.message : String(error)];
  }
  const listed = text.split(',').map((entry) => entry.split('=')[0]?.trim() ?? '').filter(Boolean);
  for (const name of new Set(listed)) {
    if (!(PRINCIPALS as readonly string[]).includes(name)) problems.push(`SERVICE_PUBLIC_KEYS names ${name}, which is no principal`);
    if (listed.filter((n) => n === name).length > 1) problems.push(`SERVICE_PUBLIC_KEYS lists ${name} twice: the chassis keeps one key per principal (the last)`);
  }
  for (const principal of running) if (!listed.includes(principal)) problems.push(`SERVICE_PUBLIC_KEYS has no key for ${principal}, which runs: every neighbour would refuse its calls`);
  return problems;
}

/** `SERVICE_TOKEN` (and `MICROSHOP_SERVICE_TOKEN`), the retired shared credential; not `SERVICE_TOKEN_TTL_S`, which the chassis reads. */
export const RETIRED_CREDENTIAL = /SERVICE_TOKEN(?![A-Z0-9_])/;

const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}$/;

/**
 * Private key material in a file's text, as each form a key takes when it is written down: a
 * 43-character base64url value (32 raw bytes, as keys.ts writes them) assigned to a `*_KEY` name
 * (`ORDER_SERVICE_KEY=…`, `SERVICE_KEY: …`, `- name: SERVICE_KEY` followed by `value: …`), or to a
 * principal's name at the start of a line (`order-service=…`, the Secret's env file or a Secret's
 * `stringData`), or the same in base64 (a Secret's `data`). Public keys in `SERVICE_PUBLIC_KEYS=…`
 * are not reported. Returns `file:line: name` for each.
 */
export function keyMaterialIn(file: string, text: string): string[] {
  const found: string[] = [];
  const lines = text.split(/\r?\n/);
  const principal = new RegExp(`^\\s*(?:-\\s*)?["']?(${PRINCIPALS.join('|')})["']?\\s*[:=]\\s*["']?([A-Za-z0-9+/_=-]+)`);
  lines.forEach((line, index) => {
    const at = `${file}:${index + 1}`;
    for (const match of line.matchAll(/(?:^|[^A-Za-z0-9_])([A-Z][A-Z0-9_]*_KEY)["']?\s*[:=]\s*["']?([A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/g)) found.push(`${at}: ${match[1] as string}`);
    const named = principal.exec(line);
    if (named) {
      const value = named[2] as string;
      if (BASE64URL_KEY.test(value) || BASE64URL_KEY.test(Buffer.from(value, 'base64').toString('latin1'))) found.push(`${at}: ${named[1] as string}`);
    }
    const previous = lines[index - 1] ?? '';
    const variable = /name:\s*["']?([A-Z][A-Z0-9_]*_KEY)["']?\s*$/.exec(previous);
    if (variable && /^\s*value:\s*["']?[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/.test(line)) found.push(`${at}: ${variable[1] as string}`);
  });
  return found;
}

/**
 * The files under deploy/ that a commit would hold: tracked, or untracked and not ignored (so
 * `git add -A` would take them). Without git: every file but the ones `npm run keys` writes.
 */
export function committableDeployFiles(): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', 'deploy'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return listed.split('\0').filter(Boolean).filter((file) => existsSync(path.join(ROOT, file)) && statSync(path.join(ROOT, file)).isFile());
  } catch {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const relative = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(relative);
        else if (relative !== COMPOSE_KEY_FILE && !KUBERNETES_KEY_FILES.some((name) => relative === `deploy/k8s/base/secrets/${name}`)) found.push(relative);
      }
    };
    walk('deploy');
    return found;
  }
}

/** Private key material in the files under deploy/ a commit would hold: none. */
export function committedKeyMaterial(files = committableDeployFiles()): string[] {
  return files.flatMap((file) => keyMaterialIn(file, readText(path.join(ROOT, file))));
}

/** Whether git ignores `file` (relative to the root); undefined without git. */
export function gitIgnores(file: string): boolean | undefined {
  try {
    execFileSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    return status === 1 ? false : undefined;
  }
}
