/**
 * One process of a bare reference system: `node tools/bench/dist/bare/main.js <role>`, the role one of
 * gateway, user-service, product-service, order-service (the chain) or inprocess (all in one).
 * Ports and neighbours come from BARE_PORT, BARE_USER_URL, BARE_PRODUCT_URL, BARE_ORDER_URL and the
 * SQLite directory from BARE_DATABASE_PATH; without them, the spec's ports 5000-5003. BARE_LOG_LEVEL
 * (e.g. `info`) turns on fastify's request log on stdout; tracing is a preload (bare/tracing.ts).
 */
import { BARE_ROLES, buildBareServer, type BareRole } from './servers.js';

const DEFAULT_PORTS: Record<BareRole, number> = { gateway: 5000, 'user-service': 5001, 'product-service': 5002, 'order-service': 5003, inprocess: 5000 };

const role = BARE_ROLES.find((name) => name === process.argv[2]);
if (role === undefined) {
  console.error(`usage: main.js <${BARE_ROLES.join('|')}>`);
  process.exit(2);
}

const env = process.env;
const app = buildBareServer(role, {
  databaseDir: env.BARE_DATABASE_PATH || 'database/bare',
  userUrl: env.BARE_USER_URL || 'http://127.0.0.1:5001',
  productUrl: env.BARE_PRODUCT_URL || 'http://127.0.0.1:5002',
  orderUrl: env.BARE_ORDER_URL || 'http://127.0.0.1:5003',
  logLevel: env.BARE_LOG_LEVEL || undefined,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    // Kept-alive sockets of the load generator would hold the event loop open: exit once closed.
    void app.close().then(() => process.exit(0));
  });
}

await app.listen({ host: '127.0.0.1', port: Number(env.BARE_PORT || DEFAULT_PORTS[role]) });
