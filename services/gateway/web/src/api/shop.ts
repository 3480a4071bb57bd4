import { api, type ApiResult, type Draft } from './http';
import type { CreateProduct, CreateUser, Order, OrderWithParties, Payment, PlaceOrder, Product, User } from './types';

/** How many rows each list on the shop page shows. */
export const PAGE_SIZE = 50;

/** `GET /api/users`: the newest users first. */
export const listUsers = (): Promise<ApiResult<User[]>> => api(`/api/users?limit=${PAGE_SIZE}`);

/** `POST /api/users`. */
export const createUser = (body: CreateUser): Promise<ApiResult<User>> => api('/api/users', { method: 'POST', body });

/** `GET /api/products`: the newest products first. */
export const listProducts = (): Promise<ApiResult<Product[]>> => api(`/api/products?limit=${PAGE_SIZE}`);

/** `POST /api/products`. */
export const createProduct = (body: Draft<CreateProduct, 'price'>): Promise<ApiResult<Product>> => api('/api/products', { method: 'POST', body });

/** `GET /api/orders`: the newest orders first, each with its user and product. */
export const listOrders = (): Promise<ApiResult<OrderWithParties[]>> => api(`/api/orders?limit=${PAGE_SIZE}`);

/** `POST /api/orders`: the Order service prices it with the Product service's price. */
export const placeOrder = (body: Draft<PlaceOrder, 'quantity'>): Promise<ApiResult<Order>> => api('/api/orders', { method: 'POST', body });

/** `POST /api/payments`: pays the order's total; the order turns PAID. */
export const payOrder = (orderId: number): Promise<ApiResult<Payment>> => api('/api/payments', { method: 'POST', body: { order_id: orderId } });

/** Cancels a PENDING order. */
export const cancelOrder = (orderId: number): Promise<ApiResult<Order>> => api(`/api/orders/${orderId}/cancel`, { method: 'POST' });
