import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Pool, type Dispatcher } from 'undici';
import { registerHealth, registerOrderRoutes, registerProductRoutes, registerUserRoutes, type Find } from './routes.js';
import { openOrders, openProducts, openUsers } from './store.js';

/** The part of an OTLP/JSON export the trace sink reads: how many spans it holds. */
interface OtlpBatch {
  resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
}

/** The processes the bare systems are made of: the chain's four, or the one in-process server. */
export type BareRole = 'gateway' | 'user-service' | 'product-service' | 'order-service' | 'inprocess';

export const BARE_ROLES: readonly BareRole[] = ['gateway', 'user-service', 'product-service', 'order-service', 'inprocess'];

export interface BareServerConfig {
  /** Where the process keeps its SQLite files (`users.db`, `products.db`, `orders.db`). */
  databaseDir: string;
  /** Base URLs of the chain's services, for the gateway and the Order service. */
  userUrl: string;
  productUrl: string;
  orderUrl: string;
  /** pino's level for fastify's request log (`incoming request`, `request completed`) on stdout; none: no logger. */
  logLevel?: string | undefined;
}

/** Keep-alive connections per neighbour: more than the load's 50 concurrent requests, so none waits for a socket. */
const CONNECTIONS = 64;

/** A neighbour's answer other than 200 or 404 (or none at all) is the gateway's error: 502. */
function badGateway(message: string, cause?: unknown): Error {
  return Object.assign(new Error(message, { cause }), { statusCode: 502 });
}

function bareFastify({ logLevel }: BareServerConfig): FastifyInstance {
  return fastify({ logger: logLevel === undefined ? false : { level: logLevel } });
}

/**
 * The gateway: forwards `/api/users*`, `/api/products*` and `/api/orders*` as they came (method, path
 * and query, body, content type) and streams the answer back. The body is never parsed, only passed on.
 * It also takes the traced chain's span exports at `POST /v1/traces`.
 */
function buildGateway(config: BareServerConfig): FastifyInstance {
  const { userUrl, productUrl, orderUrl } = config;
  const app = bareFastify(config);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const pools: Pool[] = [];
  for (const [plural, url] of [
    ['users', userUrl],
    ['products', productUrl],
    ['orders', orderUrl],
  ] as const) {
    const pool = new Pool(url, { connections: CONNECTIONS });
    pools.push(pool);
    const forward = async (request: FastifyRequest, reply: FastifyReply) => {
      const contentType = request.headers['content-type'];
      let answer: Dispatcher.ResponseData;
      try {
        answer = await pool.request({
          method: request.method as Dispatcher.HttpMethod,
          path: request.url,
          headers: contentType === undefined ? {} : { 'content-type': contentType },
          body: request.body as Buffer | undefined,
        });
      } catch (error) {
        throw badGateway(`${url} did not answer`, error);
      }
      reply.code(answer.statusCode);
      for (const header of ['content-type', 'content-length']) {
        const value = answer.headers[header];
        if (value !== undefined) reply.header(header, value);
      }
      return reply.send(answer.body);
    };
    app.all(`/api/${plural}`, forward);
    app.all(`/api/${plural}/*`, forward);
  }
  // Where the traced chain's processes export their spans (bare/tracing.ts): each OTLP/JSON batch is
  // parsed, as a collector would, counted, and dropped. `GET /v1/traces` says how many came.
  const received = { batches: 0, spans: 0 };
  app.post('/v1/traces', async (request, reply) => {
    const batch = JSON.parse((request.body as Buffer | undefined)?.toString('utf8') || '{}') as OtlpBatch;
    received.batches++;
    for (const resource of batch.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) received.spans += scope.spans?.length ?? 0;
    return reply.code(200).header('content-type', 'application/json').send('{}');
  });
  app.get('/v1/traces', async () => received);
  registerHealth(app);
  app.addHook('onClose', async () => {
    await Promise.all(pools.map((pool) => pool.close()));
  });
  return app;
}

function buildUserService(config: BareServerConfig): FastifyInstance {
  const app = bareFastify(config);
  const { databaseDir } = config;
  const users = openUsers(databaseDir);
  registerUserRoutes(app, users);
  registerHealth(app);
  app.addHook('onClose', async () => users.close());
  return app;
}

function buildProductService(config: BareServerConfig): FastifyInstance {
  const app = bareFastify(config);
  const { databaseDir } = config;
  const products = openProducts(databaseDir);
  registerProductRoutes(app, products);
  registerHealth(app);
  app.addHook('onClose', async () => products.close());
  return app;
}

/** `GET <plural>/:id` on a neighbour: the row, undefined on 404. */
function findOver<Row>(pool: Pool, plural: string): Find<Row> {
  return async (id) => {
    let answer: Dispatcher.ResponseData;
    try {
      answer = await pool.request({ method: 'GET', path: `/api/${plural}/${id}` });
    } catch (error) {
      throw badGateway(`the ${plural} service did not answer`, error);
    }
    if (answer.statusCode === 200) return (await answer.body.json()) as Row;
    await answer.body.dump();
    if (answer.statusCode === 404) return undefined;
    throw badGateway(`the ${plural} service answered ${answer.statusCode}`);
  };
}

/** The Order service: asks the User and Product services over HTTP, then inserts into its own database. */
function buildOrderService(config: BareServerConfig): FastifyInstance {
  const { databaseDir, userUrl, productUrl } = config;
  const app = bareFastify(config);
  const orders = openOrders(databaseDir);
  const userPool = new Pool(userUrl, { connections: CONNECTIONS });
  const productPool = new Pool(productUrl, { connections: CONNECTIONS });
  registerOrderRoutes(app, orders, { user: findOver(userPool, 'users'), product: findOver(productPool, 'products') });
  registerHealth(app);
  app.addHook('onClose', async () => {
    await Promise.all([userPool.close(), productPool.close()]);
    orders.close();
  });
  return app;
}

/**
 * The same routes in one process, a database per module as the modular monolith keeps them: placing
 * an order looks the user and the product up with plain function calls.
 */
function buildInProcess(config: BareServerConfig): FastifyInstance {
  const app = bareFastify(config);
  const { databaseDir } = config;
  const users = openUsers(databaseDir);
  const products = openProducts(databaseDir);
  const orders = openOrders(databaseDir);
  registerUserRoutes(app, users);
  registerProductRoutes(app, products);
  registerOrderRoutes(app, orders, { user: users.find, product: products.find });
  registerHealth(app);
  app.addHook('onClose', async () => {
    for (const table of [users, products, orders]) table.close();
  });
  return app;
}

/** The server of one bare process, not yet listening. */
export function buildBareServer(role: BareRole, config: BareServerConfig): FastifyInstance {
  const build = { gateway: buildGateway, 'user-service': buildUserService, 'product-service': buildProductService, 'order-service': buildOrderService, inprocess: buildInProcess };
  return build[role](config);
}
