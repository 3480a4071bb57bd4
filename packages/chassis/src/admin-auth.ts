import { timingSafeEqual } from 'node:crypto';
import { ADMIN_TOKEN_HEADER } from '@microshop/contracts';
import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import { developmentSecret } from './paths.js';

/** The admin credential from config (ADMIN_TOKEN), or the machine's development one in `.microshop/admin-token`. */
export function resolveAdminToken(configured: string | undefined): string {
  return configured ?? developmentSecret('admin-token');
}

/**
 * A `preHandler` that lets a request through only with the admin credential in `x-admin-token`:
 * 401 without one, 403 with a wrong one (compared in constant time). Chaos, process control and
 * the resilience switches use it.
 */
export function requireAdminToken(token: string) {
  const expected = Buffer.from(token);
  return async (request: FastifyRequest): Promise<void> => {
    const given = request.headers[ADMIN_TOKEN_HEADER];
    if (typeof given !== 'string' || given.length === 0) {
      throw new AppError({
        status: 401,
        code: 'unauthenticated',
        title: 'Admin credential required',
        detail: `This operation needs the ${ADMIN_TOKEN_HEADER} header (npm start prints where to find it: cat .microshop/admin-token)`,
        field: ADMIN_TOKEN_HEADER,
      });
    }
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new AppError({
        status: 403,
        code: 'forbidden',
        title: 'Admin credential refused',
        detail: `The ${ADMIN_TOKEN_HEADER} header does not hold the admin credential`,
        field: ADMIN_TOKEN_HEADER,
      });
    }
  };
}
