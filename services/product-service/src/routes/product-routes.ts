import { pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { CreateProduct, IdList, IdParams, PageQuery, Product, Restock } from '@microshop/contracts';
import { Type } from 'typebox';
import { createProduct } from '../domain/create-product.js';
import type { ProductDeps } from '../domain/deps.js';
import { getProduct } from '../domain/get-product.js';
import { listProducts } from '../domain/list-products.js';
import { restockProduct } from '../domain/restock-product.js';

const ListProductsQuery = Type.Object(
  { ...PageQuery.properties, id: Type.Optional(IdList) },
  { additionalProperties: false },
);

/** The Product service's public API. */
export function registerProductRoutes(app: App, deps: ProductDeps): void {
  app.post(
    '/api/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Create a product (with `stock` to track its units; without, unlimited)',
        body: CreateProduct,
        response: { 201: Product, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await createProduct(deps, request.body)),
  );

  app.get(
    '/api/products',
    {
      schema: {
        tags: ['products'],
        summary: 'List products, newest first (or several by `?id=1&id=2`)',
        querystring: ListProductsQuery,
        response: { 200: Type.Array(Product), ...problemResponses },
      },
    },
    async (request, reply) => sendPage(reply, await listProducts(deps, pageOf(request.query), request.query.id)),
  );

  app.get(
    '/api/products/:id',
    { schema: { tags: ['products'], summary: 'Get a product by id', params: IdParams, response: { 200: Product, ...problemResponses } } },
    async (request) => getProduct(deps, request.params.id),
  );

  app.post(
    '/api/products/:id/restock',
    {
      schema: {
        tags: ['products'],
        summary: 'Add units to a product\'s stock (409 when the product does not track stock)',
        params: IdParams,
        body: Restock,
        response: { 200: Product, ...problemResponses },
      },
    },
    async (request) => restockProduct(deps, request.params.id, request.body.quantity),
  );
}
