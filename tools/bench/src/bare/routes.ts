import type { FastifyInstance } from 'fastify';
import type { NewOrder, NewProduct, NewUser, Order, Product, Table, User } from './store.js';

/** How the order routes reach a user or a product: a call to a neighbour, or a plain function call. */
export type Find<Row> = (id: number) => Row | undefined | Promise<Row | undefined>;

interface PlaceOrder {
  user_id: number;
  product_id: number;
  quantity: number;
}

/** A row id as the URL gives it, or undefined when it cannot name a row. */
function idOf(text: string): number | undefined {
  const id = Number(text);
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function isPositiveInteger(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** The one check the bare systems make: the three fields of an order are positive integers. */
function placeOrderOf(body: unknown): PlaceOrder | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { user_id, product_id, quantity } = body as Record<string, unknown>;
  return isPositiveInteger(user_id) && isPositiveInteger(product_id) && isPositiveInteger(quantity) ? { user_id, product_id, quantity } : undefined;
}

/** Registers `GET /api/<plural>/:id` over a table: the row, or 404. */
function registerGet<Row>(app: FastifyInstance, plural: string, find: (id: number) => Row | undefined): void {
  app.get<{ Params: { id: string } }>(`/api/${plural}/:id`, async (request, reply) => {
    const id = idOf(request.params.id);
    const row = id === undefined ? undefined : find(id);
    return row ?? reply.code(404).send({ error: `no ${plural.slice(0, -1)} with id ${request.params.id}` });
  });
}

export function registerHealth(app: FastifyInstance): void {
  app.get('/health', async () => ({ status: 'ok' }));
}

export function registerUserRoutes(app: FastifyInstance, users: Table<User, NewUser>): void {
  app.post<{ Body: NewUser }>('/api/users', async (request, reply) => reply.code(201).send(users.insert(request.body)));
  registerGet(app, 'users', users.find);
}

export function registerProductRoutes(app: FastifyInstance, products: Table<Product, NewProduct>): void {
  app.post<{ Body: NewProduct }>('/api/products', async (request, reply) => reply.code(201).send(products.insert(request.body)));
  registerGet(app, 'products', products.find);
}

/**
 * `POST /api/orders` looks the user and the product up at once, answers 422 when either is missing
 * (storing nothing), and inserts the order priced in cents (999.99 × 3 = 2999.97).
 */
export function registerOrderRoutes(app: FastifyInstance, orders: Table<Order, NewOrder>, find: { user: Find<User>; product: Find<Product> }): void {
  app.post('/api/orders', async (request, reply) => {
    const input = placeOrderOf(request.body);
    if (input === undefined) return reply.code(400).send({ error: 'user_id, product_id and quantity must be positive integers' });
    const [user, product] = await Promise.all([find.user(input.user_id), find.product(input.product_id)]);
    if (user === undefined) return reply.code(422).send({ error: `no user with id ${input.user_id}` });
    if (product === undefined) return reply.code(422).send({ error: `no product with id ${input.product_id}` });
    const total_price = (Math.round(product.price * 100) * input.quantity) / 100;
    return reply.code(201).send(orders.insert({ ...input, total_price }));
  });
  registerGet(app, 'orders', orders.find);
}
