import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Problem } from '@microshop/contracts';
import { recordThrown } from './telemetry/route-span.js';

/** One invalid input, named by its field. */
export interface InvalidParam {
  name: string;
  reason: string;
}

export interface AppErrorOptions {
  status: number;
  /** Short, stable kind of problem, e.g. `not-found`; becomes the problem `type` URI. */
  code: string;
  title: string;
  detail: string;
  field?: string;
  invalidParams?: InvalidParam[];
  /** The neighbouring service at fault, for 502/503/504. */
  service?: string;
  /** Extra headers for the response, such as `retry-after`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The one error type of the system. Throw it anywhere; {@link registerProblemHandler} turns it into
 * an `application/problem+json` response.
 *
 * @example
 * throw AppError.notFound('order', 42)
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly field: string | undefined;
  readonly invalidParams: InvalidParam[] | undefined;
  readonly service: string | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(options: AppErrorOptions) {
    super(options.detail, { cause: options.cause });
    this.name = 'AppError';
    this.status = options.status;
    this.code = options.code;
    this.title = options.title;
    this.field = options.field ?? options.invalidParams?.[0]?.name;
    this.invalidParams = options.invalidParams;
    this.service = options.service;
    this.headers = options.headers;
  }

  /** 400: the input is wrong; names the field. */
  static invalid(field: string, reason: string): AppError {
    return new AppError({
      status: 400,
      code: 'validation-error',
      title: 'Invalid request',
      detail: `${field}: ${reason}`,
      invalidParams: [{ name: field, reason }],
    });
  }

  /** 422: well-formed input that refers to something that does not exist or cannot be used. */
  static unprocessable(field: string, reason: string): AppError {
    return new AppError({
      status: 422,
      code: 'unprocessable',
      title: 'Unprocessable request',
      detail: `${field}: ${reason}`,
      invalidParams: [{ name: field, reason }],
    });
  }

  /** 404 for an entity looked up by id. */
  static notFound(entity: string, id: number | string, field?: string): AppError {
    return new AppError({
      status: 404,
      code: 'not-found',
      title: 'Not found',
      detail: `No ${entity} with id ${id}`,
      ...(field ? { field } : {}),
    });
  }

  /** 409: the request conflicts with the current state. */
  static conflict(detail: string, field?: string): AppError {
    return new AppError({ status: 409, code: 'conflict', title: 'Conflict', detail, ...(field ? { field } : {}) });
  }

  /** 503: a neighbouring service could not answer in time. */
  static unavailable(service: string, detail: string, cause?: unknown): AppError {
    return new AppError({
      status: 503,
      code: 'service-unavailable',
      title: 'Service unavailable',
      detail,
      service,
      headers: { 'retry-after': '1' },
      cause,
    });
  }

  /** 502: a neighbouring service answered, but not as its contract says. */
  static badGateway(service: string, detail: string): AppError {
    return new AppError({ status: 502, code: 'bad-gateway', title: 'Bad gateway', detail, service });
  }
}

/** The `type` URI of a problem code. Relative, so that it resolves against whichever host served it. */
export function problemType(code: string): string {
  return `/problems/${code}`;
}

/** Turns an AppError into its RFC 9457 body. */
export function toProblem(error: AppError, instance?: string): Problem {
  return {
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.message,
    ...(instance ? { instance } : {}),
    ...(error.field ? { field: error.field } : {}),
    ...(error.invalidParams ? { invalid_params: error.invalidParams } : {}),
    ...(error.service ? { service: error.service } : {}),
  };
}

/** `/quantity` → `quantity`, `/items/0/price` → `items.0.price`. */
function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const child = params.missingProperty ?? params.additionalProperty;
  if (typeof child === 'string') return base ? `${base}.${child}` : child;
  return base;
}

interface ValidationItem {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function reasonOf(item: ValidationItem): string {
  if (item.keyword === 'additionalProperties') return 'is not a known field';
  if (item.keyword === 'required') return 'is required';
  return item.message ?? 'is invalid';
}

/** Fastify's schema validation error as a 400 naming every field at fault. */
export function fromValidation(error: FastifyError): AppError {
  const items = (error.validation ?? []) as ValidationItem[];
  const part = error.validationContext ?? 'body';
  const invalidParams = items.map((item) => ({
    name: fieldOf(item.instancePath, item.params) || part,
    reason: reasonOf(item),
  }));
  const first = invalidParams[0] ?? { name: part, reason: 'is invalid' };
  return new AppError({
    status: 400,
    code: 'validation-error',
    title: 'Invalid request',
    detail: `${first.name}: ${first.reason}`,
    invalidParams,
  });
}

/** Maps fastify's own errors (bad JSON, body too large, wrong media type) to problems. */
function fromFastify(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError({ status: 400, code: 'malformed-json', title: 'Malformed JSON', detail: `body: ${error.message}`, field: 'body' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError({ status: 413, code: 'payload-too-large', title: 'Payload too large', detail: error.message, field: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError({ status: 415, code: 'unsupported-media-type', title: 'Unsupported media type', detail: error.message, field: 'content-type' });
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new AppError({ status: error.statusCode, code: 'bad-request', title: 'Bad request', detail: error.message });
      }
      return undefined;
  }
}

/** Sends a problem response. */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: AppError): FastifyReply {
  if (error.headers) void reply.headers(error.headers);
  return reply.code(error.status).type('application/problem+json').send(toProblem(error, request.url));
}

/**
 * Installs the single place where errors become responses: AppError and validation errors as
 * problem+json with their status, anything else as a logged 500 with no internals in the body.
 */
export function registerProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    recordThrown(raw);
    let error: AppError | undefined;
    if (raw instanceof AppError) error = raw;
    else if (raw.validation) error = fromValidation(raw);
    else error = fromFastify(raw);

    if (!error) {
      request.log.error({ err: raw }, 'unhandled error');
      error = new AppError({ status: 500, code: 'internal', title: 'Internal server error', detail: 'An unexpected error occurred; it has been logged.' });
    } else if (error.status >= 500) {
      request.log.warn({ err: raw, service: error.service }, error.message);
    }
    return sendProblem(reply, request, error);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, new AppError({ status: 404, code: 'no-route', title: 'Not found', detail: `No route ${request.method} ${request.url.split('?')[0]}` })),
  );
}
