import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: relative paths such as `database/users.db` resolve against it. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Resolves a path given in config against the repository root (absolute paths pass through). */
export function fromRoot(file: string): string {
  return path.isAbsolute(file) ? file : path.join(ROOT_DIR, file);
}

/**
 * A development secret shared by the services on this machine: read from `.microshop/<name>`
 * (git-ignored), created at random on first use. Production sets the variable instead.
 */
export function developmentSecret(name: string): string {
  const dir = fromRoot('.microshop');
  const file = path.join(dir, name);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const secret = randomBytes(24).toString('base64url');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process created it first: use theirs.
      return readFileSync(file, 'utf8').trim();
    }
  }
}
