import fastify, { type FastifyBaseLogger, type FastifyInstance, type RawReplyDefaultExpression, type RawRequestDefaultExpression, type RawServerDefault } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Problem } from '@microshop/contracts';
import { AppError, registerProblemHandler, sendProblem } from './errors.js';
import { clientErrorHandler, DEFAULT_SERVER_TIMEOUTS, httpServerOptions, type ServerTimeouts } from './client-limits.js';
import { serializersOncePerSchema, validatorsOncePerSchema } from './compile-once.js';
import { logDestination, loggerOptions, OneLinePerRequest } from './logger.js';
import { registerMetrics } from './metrics/http-server-metrics.js';
import { nameServerSpan } from './telemetry/route-span.js';
import { MAX_BODY_DEPTH, nestedDeeperThan, validatorCompiler } from './validation.js';
import { registerChaos } from './chaos.js';
import { developmentIdentity, type ServiceIdentity } from './identity/identity.js';
import type { ResilienceSettings } from '@microshop/contracts';
import { registerResilience } from './resilience/routes.js';

/** The Fastify instance every service builds on: TypeBox schemas give types, validation and docs. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface ServerOptions {
  /** Service name, e.g. `order-service`: in logs, health and the API docs. */
  name: string;
  version?: string;
  description?: string;
  /** `false` for silence (tests), otherwise a pino level. */
  logLevel?: string | false;
  /** Largest accepted body in bytes; larger ones get 413. */
  bodyLimit?: number;
  /** Serve `/openapi.json` and `/docs`. */
  docs?: boolean;
  /** This service's identity, which `/internal/*` checks callers against; unset: `name`'s development one (`.microshop/service-keys.json`). */
  identity?: ServiceIdentity;
  /** Register the fault injector (`/internal/chaos`); default on. */
  chaos?: boolean;
  /**
   * Serve the process's own internal routes (`/internal/chaos`, `/internal/resilience`); default on.
   * Off for the gateway: its port is the public door, where no internal route may answer, and its
   * admin API operates its own switches in-process.
   */
  internalRoutes?: boolean;
  /** Resilience settings overriding the environment's (tests); see `resilience/config.ts`. */
  resilience?: Partial<ResilienceSettings>;
  /** How long a client may take over its headers, its request and between requests; see `client-limits.ts`. */
  timeouts?: Partial<ServerTimeouts>;
  /** Headers added to the answers Node's parser triggers (408, 431, 400), which no hook sees. */
  clientErrorHeaders?: Readonly<Record<string, string>>;
}

/**
 * Creates a service's HTTP app with the house rules already in place: problem+json errors,
 * strict body validation, a body size limit, request ids, OpenAPI at `/openapi.json` and a
 * browsable reference at `/docs`. Never listens: see {@link listen}.
 *
 * @example
 * const app = await createServer({ name: 'user-service' })
 * app.get('/api/users', …)
 */
export async function createServer({
  name,
  version = '0.1.0',
  description,
  logLevel = 'info',
  bodyLimit = 65_536,
  docs = true,
  identity = developmentIdentity(name),
  chaos = true,
  internalRoutes = true,
  resilience,
  timeouts: givenTimeouts = {},
  clientErrorHeaders,
}: ServerOptions): Promise<App> {
  const timeouts = { ...DEFAULT_SERVER_TIMEOUTS, ...givenTimeouts };
  const app = fastify({
    logger: logLevel === false ? false : { ...loggerOptions(name, logLevel), stream: logDestination() },
    bodyLimit,
    requestIdHeader: 'x-request-id',
    logController: new OneLinePerRequest({ requestIdLogLabel: 'request_id' }),
    // Slow or idle clients cannot hold a socket forever: headers, request and keep-alive deadlines
    // (checked often enough to matter), and no more than 60 s without a byte either way.
    http: httpServerOptions(timeouts),
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: 60_000,
    clientErrorHandler: clientErrorHandler(clientErrorHeaders),
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
    // Each distinct response schema gets one serializer, shared by the routes that use it.
    schemaController: { compilersFactory: { buildSerializer: serializersOncePerSchema() } },
    // A path that cannot be decoded (`/api/users/%zz`) or a too-long parameter never reaches the
    // router; it gets a problem body like every other bad request, naming the path as its field
    // (no route matched, so no parameter can be named).
    frameworkErrors: (error, request, reply) => {
      void sendProblem(reply, request, new AppError({ status: error.statusCode ?? 400, code: 'bad-url', title: 'Bad request', detail: error.message, field: 'path' }));
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorsOncePerSchema(validatorCompiler));
  // The first hook of every request: the HTTP server span is named after the route it matched.
  app.addHook('onRequest', (request, _reply, done) => {
    nameServerSpan(request.routeOptions.url);
    done();
  });
  // A body nested deeper than any contract needs is refused before anything walks it recursively
  // (JSON.stringify on the way to a neighbour, a fingerprint): a 400, not a stack overflow and a 500.
  // Like every hook that runs on each request, it takes a callback rather than returning a promise:
  // a promise and a microtask fewer per request.
  app.addHook('preValidation', (request, _reply, done) => {
    if (typeof request.body === 'object' && nestedDeeperThan(request.body, MAX_BODY_DEPTH)) {
      done(AppError.invalid('body', `must not nest arrays and objects more than ${MAX_BODY_DEPTH} levels deep`));
      return;
    }
    done();
  });
  // Health checks, scrapes and heartbeats arrive every second from every process: at the default
  // level their request lines would drown the system's traffic (debug and trace still show them).
  if (logLevel !== false && !['debug', 'trace'].includes(logLevel)) {
    app.addHook('onRoute', (route) => {
      const config = route.config as { monitoring?: boolean; quiet?: boolean } | undefined;
      if ((config?.monitoring || config?.quiet) && route.logLevel === undefined) route.logLevel = 'warn';
    });
  }
  registerProblemHandler(app);
  registerMetrics(app, { service: name, version });
  app.addSchema({ ...Problem, $id: 'Problem' });
  // Before the fault injector: a request's deadline counts from its arrival.
  registerResilience(app, { service: name, identity, routes: internalRoutes, ...(resilience ? { settings: resilience } : {}) });
  if (chaos && internalRoutes) registerChaos(app, { service: name, identity });
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });

  if (docs) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: name, version, ...(description ? { description } : {}) },
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  }
  return app;
}

/** Common response entries for routes: every error is a Problem. */
export const problemResponses = {
  400: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  409: { $ref: 'Problem#' },
  413: { $ref: 'Problem#' },
  422: { $ref: 'Problem#' },
  503: { $ref: 'Problem#' },
} as const;
