import { AppError, defineGauge, type App } from '@microshop/chassis';
import { clientKey, type RateLimiter } from '../domain/rate-limiter.js';

/** The routes no client is limited on: health checks and scrapes, which orchestrators and Prometheus send all the time. */
export const RATE_LIMIT_EXEMPT: ReadonlySet<string> = new Set(['/health', '/metrics']);

/** The limiters of the gateways of this process (one, but in tests), for the gauge. */
const limiters = new Set<RateLimiter>();

/**
 * Limits every request but those of {@link RATE_LIMIT_EXEMPT} by its client, the socket's remote
 * address (never a header a client could set): over the limit, a 429 problem with `Retry-After`
 * in whole seconds. The number of clients tracked is the gauge `microshop_gateway_rate_limit_clients`.
 */
export function registerRateLimit(app: App, limiter: RateLimiter): void {
  const { ratePerS, burst } = limiter.settings;
  limiters.add(limiter);
  defineGauge({
    name: 'gateway_rate_limit_clients',
    help: "Clients (IPv4 addresses, IPv6 /64 prefixes) the gateway's rate limiter tracks now; at most RATE_LIMIT_MAX_CLIENTS",
    collect: (gauge) => gauge.set([...limiters].reduce((sum, each) => sum + each.size(), 0)),
  });
  app.addHook('onClose', async () => void limiters.delete(limiter));
  // A callback hook: it runs on every request, and a promise each would be pure overhead.
  app.addHook('onRequest', (request, _reply, done) => {
    if (RATE_LIMIT_EXEMPT.has(request.routeOptions.url ?? '')) return done();
    const client = clientKey(request.socket.remoteAddress);
    const decision = limiter.take(client);
    if (decision.allowed) return done();
    done(new AppError({
      status: 429,
      code: 'rate-limited',
      title: 'Too many requests',
      detail: `${client} sent more than ${ratePerS} requests/s (bursts of ${burst}); retry in ${decision.retryAfterS} s`,
      headers: { 'retry-after': String(decision.retryAfterS) },
    }));
  });
}
