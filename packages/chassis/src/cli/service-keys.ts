/**
 * `npm run keys`: makes a new set of service keys, one Ed25519 pair per principal, in the form a
 * deployment needs. Nothing is printed but where the files went; private keys never reach stdout.
 *
 *   npm run keys -- --file <path>            a key set file, for SERVICE_KEYS_FILE (mode 0600)
 *   npm run keys -- --compose deploy/.env    <SERVICE>_KEY=… per principal and SERVICE_PUBLIC_KEYS=…,
 *                                            the variables deploy/compose.yaml reads
 *   npm run keys -- --kubernetes <dir>       service-keys.env (<principal>=<private key>, for a Secret)
 *                                            and public-keys.env (SERVICE_PUBLIC_KEYS=…, for a ConfigMap),
 *                                            the files deploy/k8s/base generates them from
 *
 * An existing file is never overwritten (`--force` does): replacing keys is a rotation, which every
 * process must take part in (docs/security.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadKeyToolConfig } from '../config.js';
import { formatPublicKeys, generateKeySet, PRINCIPALS } from '../identity/keys.js';

/** `order-service` → `ORDER_SERVICE_KEY`: each principal's private key variable in compose's `.env`. */
export const keyVariableOf = (principal: string): string => `${principal.toUpperCase().replace(/-/g, '_')}_KEY`;

/** The files a key set is written as, by name, for each target. */
export function keyFiles(target: 'file' | 'compose' | 'kubernetes', set = generateKeySet()): Record<string, string> {
  const publicLine = `SERVICE_PUBLIC_KEYS=${formatPublicKeys(set)}\n`;
  switch (target) {
    case 'file':
      return { '': `${JSON.stringify(set, null, 2)}\n` };
    case 'compose':
      return { '': `# Service keys (npm run keys): one private key per principal, and every public key.\n${PRINCIPALS.map((p) => `${keyVariableOf(p)}=${set[p]?.private ?? ''}\n`).join('')}${publicLine}` };
    case 'kubernetes':
      return {
        'service-keys.env': `${PRINCIPALS.map((p) => `${p}=${set[p]?.private ?? ''}\n`).join('')}`,
        'public-keys.env': publicLine,
      };
  }
}

function main(): void {
  const { values } = parseArgs({ options: { file: { type: 'string' }, compose: { type: 'string' }, kubernetes: { type: 'string' }, force: { type: 'boolean', default: false } } });
  const targets = (['file', 'compose', 'kubernetes'] as const).filter((t) => values[t] !== undefined);
  if (targets.length !== 1) {
    process.stderr.write('usage: npm run keys -- --file <path> | --compose <path> | --kubernetes <dir> [--force]\n');
    process.exit(2);
  }
  const target = targets[0] as 'file' | 'compose' | 'kubernetes';
  const where = path.resolve(loadKeyToolConfig().INIT_CWD ?? process.cwd(), values[target] as string);
  for (const [name, content] of Object.entries(keyFiles(target))) {
    const file = name === '' ? where : path.join(where, name);
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, content, { mode: 0o600, flag: values.force ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      process.stderr.write(`${file} exists: keys are not replaced without --force (a rotation: see docs/security.md)\n`);
      process.exit(1);
    }
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) main();
