import { timingSafeEqual } from 'node:crypto';
import { SERVICE_TOKEN_HEADER } from '@microshop/contracts';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import { developmentSecret } from './paths.js';

/** The service credential from config, or the machine's development one. */
export function resolveServiceToken(configured: string | undefined): string {
  return configured ?? developmentSecret('service-token');
}

/**
 * A `preHandler` that lets a request through only with the service credential: 401 without one,
 * 403 with a wrong one. Internal operations use it; the public never has the credential.
 */
export function requireServiceToken(token: string) {
  const expected = Buffer.from(token);
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers[SERVICE_TOKEN_HEADER];
    if (typeof given !== 'string' || given.length === 0) {
      throw new AppError({
        status: 401,
        code: 'unauthenticated',
        title: 'Service credential required',
        detail: `This operation is internal: it needs the ${SERVICE_TOKEN_HEADER} header`,
        field: SERVICE_TOKEN_HEADER,
      });
    }
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new AppError({
        status: 403,
        code: 'forbidden',
        title: 'Service credential refused',
        detail: `The ${SERVICE_TOKEN_HEADER} header does not hold a valid service credential`,
        field: SERVICE_TOKEN_HEADER,
      });
    }
  };
}
