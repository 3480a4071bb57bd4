import { CancelOrder, CreatePayment, CreateProduct, CreateUser, PlaceOrder, Restock } from '@microshop/contracts';
import { COMPOSED_VIEWS, PUBLIC_ROUTES } from '@microshop/gateway';
import type { TObject, TSchema } from 'typebox';

/** The tables whose rows the public API creates, one per service database. */
export const TABLES = ['users', 'products', 'orders', 'payments'] as const;
export type Table = (typeof TABLES)[number];

/** One public operation as the fuzzer sees it: what it takes, and what a success stores. */
export interface FuzzEndpoint {
  method: 'GET' | 'POST';
  /** The gateway's path pattern, e.g. `/api/orders/:id/cancel`. */
  path: string;
  /** `GET /api/orders/:id`: the name the fuzz report uses. */
  name: string;
  /** The path parameters' names (`id`, `user_id`). */
  params: readonly string[];
  /** The documented query (TypeBox), for the routes that take one. */
  query?: TObject;
  /** The documented body (TypeBox), for every POST. */
  body?: TObject;
  /** The table a success (2xx) adds one row to; absent: a success stores no new row. */
  creates?: Table;
  /** A success closes a PENDING order (pays or cancels it): its valid cases need open orders to close. */
  closesOrders?: true;
}

/** The documented body of each public POST, from the contracts. */
const BODIES: Record<string, TObject> = {
  'POST /api/users': CreateUser,
  'POST /api/products': CreateProduct,
  'POST /api/products/:id/restock': Restock,
  'POST /api/orders': PlaceOrder,
  'POST /api/orders/:id/cancel': CancelOrder,
  'POST /api/payments': CreatePayment,
};

const CREATES: Record<string, Table> = {
  'POST /api/users': 'users',
  'POST /api/products': 'products',
  'POST /api/orders': 'orders',
  'POST /api/payments': 'payments',
};

/** The operations whose success moves an order out of PENDING, for good. */
const CLOSES_ORDERS = new Set(['POST /api/payments', 'POST /api/orders/:id/cancel']);

const paramNames = (path: string) => [...path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] ?? '');

const isObject = (schema: TSchema | undefined): schema is TObject => schema !== undefined && (schema as { type?: unknown }).type === 'object';

/**
 * The order endpoints are fuzzed in: the creates first, each after those it refers to (orders need
 * users and products, payments need PENDING orders); then the reads; the other changes last, so that
 * cancellations do not close the orders the payments would have paid.
 */
function runRank(endpoint: FuzzEndpoint): number {
  if (endpoint.creates) return TABLES.indexOf(endpoint.creates);
  return endpoint.method === 'GET' ? TABLES.length : TABLES.length + 1;
}

/**
 * Every public endpoint: the gateway's public route table and its composed views, nothing
 * hand-listed, so a route added there is fuzzed too, in the order they are best fuzzed in (see
 * {@link runRank}). A public POST without a documented body here is an error, not a route left out.
 */
export function publicEndpoints(): FuzzEndpoint[] {
  const routes = [
    ...PUBLIC_ROUTES.map((route) => ({ method: route.method, path: route.path, query: isObject(route.query) ? route.query : undefined })),
    ...COMPOSED_VIEWS.map((view) => ({ method: view.method, path: view.path, query: undefined })),
  ];
  const endpoints = routes.map(({ method, path, query }): FuzzEndpoint => {
    const name = `${method} ${path}`;
    const body = BODIES[name];
    if (method === 'POST' && !body) throw new Error(`${name} is public but has no documented body in the fuzzer's table`);
    const creates = CREATES[name];
    return {
      method,
      path,
      name,
      params: paramNames(path),
      ...(query ? { query } : {}),
      ...(body ? { body } : {}),
      ...(creates ? { creates } : {}),
      ...(CLOSES_ORDERS.has(name) ? { closesOrders: true as const } : {}),
    };
  });
  // A stable sort: within a rank, the route table's order.
  return endpoints.sort((a, b) => runRank(a) - runRank(b));
}

/** The documented field names of an object schema. */
export const fieldsOf = (schema: TObject | undefined): string[] => Object.keys(schema?.properties ?? {});

/** The fields an object schema requires. */
export const requiredOf = (schema: TObject | undefined): string[] => [...((schema as { required?: string[] } | undefined)?.required ?? [])];
