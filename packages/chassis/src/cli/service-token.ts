/**
 * `npm run -s token -- <issuer> <audience>`: prints a service token signed by `issuer` for calls to
 * `audience`, from the key set of this machine (`SERVICE_KEYS_FILE`, or the development one), for
 * trying an internal route by hand:
 *
 *   curl -s localhost:5003/internal/resilience -H "x-service-token: $(npm run -s token -- gateway order-service)"
 *
 * It lives `SERVICE_TOKEN_TTL_S` seconds (default 60), like the services' own.
 */
import path from 'node:path';
import { loadKeyToolConfig } from '../config.js';
import { identityFrom } from '../identity/identity.js';
import { PRINCIPALS } from '../identity/keys.js';

function main(): void {
  const [issuer, audience] = process.argv.slice(2);
  const known = PRINCIPALS as readonly string[];
  if (!issuer || !audience || !known.includes(issuer) || !known.includes(audience)) {
    process.stderr.write(`usage: npm run -s token -- <issuer> <audience>, each one of: ${PRINCIPALS.join(', ')}\n`);
    process.exit(2);
  }
  const { SERVICE_KEYS_FILE, SERVICE_TOKEN_TTL_S } = loadKeyToolConfig();
  process.stdout.write(`${identityFrom(issuer, { SERVICE_KEYS_FILE, SERVICE_TOKEN_TTL_S }).tokenFor(audience)}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${path.resolve(process.argv[1])}`).href) main();
