import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where the development admin credential lives, relative to the repository root. */
export const ADMIN_TOKEN_FILE = '.microshop/admin-token';

/**
 * The admin credential: `configured` (ADMIN_TOKEN) when set, otherwise the machine's development
 * one in the git-ignored `.microshop/admin-token`, created at random on first use — the same file
 * the gateway reads (the chassis' `developmentSecret('admin-token')`).
 */
export function resolveAdminToken(rootDir: string, configured: string | undefined): string {
  if (configured) return configured;
  const file = path.join(rootDir, ADMIN_TOKEN_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = randomBytes(24).toString('base64url');
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      return readFileSync(file, 'utf8').trim();
    }
  }
}

/** Constant-time comparison of a presented credential with the expected one. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
