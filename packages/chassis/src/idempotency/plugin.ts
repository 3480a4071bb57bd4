import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '@microshop/contracts';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { AppError } from '../errors.js';
import type { App } from '../server.js';
import { createIdempotencyStore, type IdempotencyTables } from './store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route honours `Idempotency-Key`: the first answer to a key is stored and replayed to
     * every retry (see `registerIdempotency`).
     */
    idempotent?: boolean;
  }
}

export interface IdempotencyOptions<DB extends IdempotencyTables> {
  /** The service's database, holding `idempotency_keys` (see `idempotencyMigration`). */
  db: Kysely<DB>;
  /** How long a key is kept, replaying its answer. At least 24 h by default. */
  ttlMs?: number;
  /** How long a request that claimed a key owns it; past that (its process died), a retry takes it over. */
  leaseMs?: number;
  now?: () => number;
}

/** The OpenAPI description of an idempotent route. */
export const IDEMPOTENCY_NOTE =
  'Send an `Idempotency-Key` header (1 to 255 characters) to make retries safe: the first answer is stored for 24 h and replayed byte for byte, with `Idempotent-Replayed: true`; a retry while the first still runs gets 409; the same key with another body gets 422.';

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** Longer than any request may run (the server's request timeout is 30 s). */
export const DEFAULT_IDEMPOTENCY_LEASE_MS = 60_000;

/** JSON with object keys sorted at every level: `{b:1,a:2}` and `{a:2,b:1}` are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests "the same": method, route, parameters, query and body. */
export function fingerprintOf(request: Pick<FastifyRequest, 'method' | 'params' | 'query' | 'body'> & { routeUrl: string }): string {
  const text = [request.method, request.routeUrl, canonicalJson(request.params ?? {}), canonicalJson(request.query ?? {}), canonicalJson(request.body ?? null)].join('\n');
  return createHash('sha256').update(text).digest('hex');
}

/**
 * `Idempotency-Key` on the routes marked `config: { idempotent: true }`, with Stripe's semantics
 * (and the IETF draft's): the key is claimed by a unique insert once the request is valid; the
 * first answer (2xx or 4xx) is stored as sent and replayed byte for byte, with
 * `Idempotent-Replayed: true`, to every retry for `ttlMs`; a retry while the first still runs gets
 * 409; the same key with another request gets 422; a key longer than 255 characters is 400. A 5xx
 * answer releases the key (these services store nothing when they answer 5xx), so a retry runs
 * again. A request without the header is not affected.
 *
 * @example
 * registerIdempotency(app, { db: database.db })
 * app.post('/api/orders', { config: { idempotent: true }, schema }, handler)
 */
export function registerIdempotency<DB extends IdempotencyTables>(app: App, { db, ttlMs = DEFAULT_IDEMPOTENCY_TTL_MS, leaseMs = DEFAULT_IDEMPOTENCY_LEASE_MS, now = Date.now }: IdempotencyOptions<DB>): void {
  const store = createIdempotencyStore(db);
  const claimed = new WeakMap<FastifyRequest, string>();

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (Array.isArray(header) && header.length > 1) throw AppError.invalid('Idempotency-Key', 'must be given once');
    if (!key || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw AppError.invalid('Idempotency-Key', `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    const fingerprint = fingerprintOf({ method: request.method, routeUrl: request.routeOptions.url ?? request.url, params: request.params, query: request.query, body: request.body });
    const claim = await store.claim(key, fingerprint, now(), leaseMs);
    switch (claim.kind) {
      case 'claimed':
        claimed.set(request, key);
        return;
      case 'replay': {
        const { statusCode, contentType, body } = claim.answer;
        if (contentType) void reply.header('content-type', contentType);
        return reply.code(statusCode).header(IDEMPOTENT_REPLAYED_HEADER, 'true').send(body);
      }
      case 'mismatch':
        throw AppError.unprocessable('Idempotency-Key', 'was already used for a different request: use a new key for a new request');
      case 'running':
        throw new AppError({
          status: 409,
          code: 'idempotency-key-in-use',
          title: 'Request in progress',
          detail: 'A request with this Idempotency-Key is still being processed: retry after it has finished',
          field: 'Idempotency-Key',
          headers: { 'retry-after': '1' },
        });
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const key = claimed.get(request);
    if (key === undefined) return payload;
    claimed.delete(request);
    if (reply.statusCode >= 500) {
      await store.release(key);
      return payload;
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === null || payload === undefined ? '' : undefined;
    if (body === undefined) {
      // A streamed answer cannot be stored: the key is released rather than replaying something else.
      await store.release(key);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    await store.finish(key, { statusCode: reply.statusCode, contentType: typeof contentType === 'string' ? contentType : null, body });
    return payload;
  });

  // Keys older than the TTL are forgotten: at start and then every hour.
  const sweep = () => void store.expire(now() - ttlMs).catch((error: unknown) => app.log.warn({ err: error }, 'could not delete expired idempotency keys'));
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    sweep();
    timer = setInterval(sweep, Math.min(ttlMs, 60 * 60 * 1000));
    timer.unref();
  });
  app.addHook('onClose', async () => clearInterval(timer));
}
