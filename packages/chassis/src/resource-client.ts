import { Type } from 'typebox';
import { AppError } from './errors.js';
import type { ServiceClient } from './service-client.js';
import { matchesContract } from './validation.js';

/** Read access to one kind of resource another service owns. */
export interface ResourceClient<T> {
  /** One resource by id; `undefined` when its owner says 404. */
  find(id: number, options?: ReadOptions): Promise<T | undefined>;
  /** Several by id in one call (`GET path?id=1&id=2`); missing ones are simply absent. */
  findMany(ids: readonly number[], options?: ReadOptions): Promise<T[]>;
}

/** Per-read options. */
export interface ReadOptions {
  /** Epoch milliseconds by which the operation the read belongs to must be done. */
  deadline?: number | undefined;
}

/**
 * Reads a neighbour's resource by id, checking every answer against the contract schema: an answer
 * that does not match is a 502 naming the neighbour, never silently trusted.
 *
 * @example
 * const products = createResourceClient<Product>(productClient, '/api/products', Product)
 * const laptop = await products.find(2)
 */
export function createResourceClient<T>(client: ServiceClient, path: string, schema: object): ResourceClient<T> {
  const listSchema = Type.Array(Type.Unsafe<T>(schema));
  const unexpected = (status: number) => AppError.badGateway(client.service, `${client.service} answered ${status} to GET ${path}`);

  return {
    async find(id, { deadline } = {}) {
      const { status, body } = await client.call<unknown>({ path: `${path}/${id}`, ...(deadline ? { deadline } : {}) });
      if (status === 404) return undefined;
      if (status !== 200 || !matchesContract<T>(schema, body)) throw unexpected(status);
      if ((body as { id?: unknown }).id !== id) throw AppError.badGateway(client.service, `${client.service} answered GET ${path}/${id} with another resource`);
      return body;
    },
    async findMany(ids, { deadline } = {}) {
      if (ids.length === 0) return [];
      const { status, body } = await client.call<unknown>({ path, query: { id: [...new Set(ids)] }, ...(deadline ? { deadline } : {}) });
      if (status !== 200 || !matchesContract<T[]>(listSchema, body)) throw unexpected(status);
      return body;
    },
  };
}
