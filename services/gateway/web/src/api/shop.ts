import { api, type ApiResult, type Draft } from './http';
import type { CreateProduct, CreateUser, Order, OrderTimeline, OrderWithParties, Payment, PlaceOrder, Product, Restock, User } from './types';

/** How many rows each list on the shop page shows. */
export const PAGE_SIZE = 50;

/** `GET /api/users`: the newest users first. */
export const listUsers = (): Promise<ApiResult<User[]>> => api(`/api/users?limit=${PAGE_SIZE}`);

/** `POST /api/users`. */
export const createUser = (body: CreateUser): Promise<ApiResult<User>> => api('/api/users', { method: 'POST', body });

/** `GET /api/products`: the newest products first. */
export const listProducts = (): Promise<ApiResult<Product[]>> => api(`/api/products?limit=${PAGE_SIZE}`);

/** `POST /api/products`: `stock` left out means unlimited stock. */
export const createProduct = (body: Draft<CreateProduct, 'price' | 'stock'>): Promise<ApiResult<Product>> => api('/api/products', { method: 'POST', body });

/** `POST /api/products/:id/restock`: adds units to a product that tracks its stock. */
export const restockProduct = (productId: number, body: Draft<Restock, 'quantity'>): Promise<ApiResult<Product>> =>
  api(`/api/products/${productId}/restock`, { method: 'POST', body });

/** `GET /api/orders`: the newest orders first, each with its user and product. */
export const listOrders = (): Promise<ApiResult<OrderWithParties[]>> => api(`/api/orders?limit=${PAGE_SIZE}`);

/** `POST /api/orders`: the Order service prices it with the Product service's price. */
export const placeOrder = (body: Draft<PlaceOrder, 'quantity'>): Promise<ApiResult<Order>> => api('/api/orders', { method: 'POST', body });

/**
 * `POST /api/payments`: runs the payment saga. 201 COMPLETED (the order is PAID); 202 PENDING with
 * a `Location` to poll while the saga goes on; 402 when the card was declined (the order stays
 * payable); 409 when the order cannot be paid.
 */
export const payOrder = (orderId: number): Promise<ApiResult<Payment>> => api('/api/payments', { method: 'POST', body: { order_id: orderId } });

/** `GET /api/payments/:id`: one payment as its saga left it (what a 202 says to poll). */
export const getPayment = (paymentId: number, signal?: AbortSignal): Promise<ApiResult<Payment>> => api(`/api/payments/${paymentId}`, signal ? { signal } : {});

/** Cancels a PENDING order. */
export const cancelOrder = (orderId: number): Promise<ApiResult<Order>> => api(`/api/orders/${orderId}/cancel`, { method: 'POST' });

/** `GET /api/orders/:id/timeline`: the order, every payment attempt with each step of its saga, and its stock reservation. */
export const getOrderTimeline = (orderId: number, signal?: AbortSignal): Promise<ApiResult<OrderTimeline>> => api(`/api/orders/${orderId}/timeline`, signal ? { signal } : {});
