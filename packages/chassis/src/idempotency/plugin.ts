import { createHash } from 'node:crypto';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH } from '@microshop/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

  /** Claims the key of a request that brings one: replays the stored answer, or refuses the request, or lets it run. */
  const claimKey = async (request: FastifyRequest, reply: FastifyReply, header: string | string[]): Promise<void> => {
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
        void reply.code(statusCode).header(IDEMPOTENT_REPLAYED_HEADER, 'true').send(body);
        return;
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
  };

  /** Stores the answer to a claimed key for its retries, or lets the key go. */
  const settleKey = async (key: string, reply: FastifyReply, payload: unknown): Promise<void> => {
    if (reply.statusCode >= 500) return store.release(key);
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : payload === null || payload === undefined ? '' : undefined;
    // A streamed answer cannot be stored: the key is released rather than replaying something else.
    if (body === undefined) return store.release(key);
    const contentType = reply.getHeader('content-type');
    return store.finish(key, { statusCode: reply.statusCode, contentType: typeof contentType === 'string' ? contentType : null, body });
  };

  // Callback hooks: every request of the service passes them, and most bring no key, so they cost
  // no promise unless there is a key to claim or settle.
  app.addHook('preHandler', (request, reply, done) => {
    const header = request.routeOptions.config.idempotent ? request.headers[IDEMPOTENCY_KEY_HEADER] : undefined;
    if (header === undefined) return done();
    claimKey(request, reply, header).then(() => done(), done);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const key = claimed.get(request);
    if (key === undefined) return done(null, payload);
    claimed.delete(request);
    settleKey(key, reply, payload).then(() => done(null, payload), done);
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
