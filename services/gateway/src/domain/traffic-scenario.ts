import type { TrafficOperation } from '@microshop/contracts';

/** One request the traffic generator sends through the gateway's public API. */
export interface TrafficRequest {
  operation: TrafficOperation;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** What came back: the status (0 when nothing did) and the parsed body. */
export interface TrafficAnswer {
  status: number;
  body: unknown;
}

/** What a run has learnt about the shop so far: ids to browse, order and pay. */
export interface ShopMemory {
  /** Run tag, unique per run: keeps generated e-mails unique. */
  tag: string;
  /** Sequence for generated names and e-mails. */
  seq: number;
  users: 'unknown' | 'asking' | 'known';
  products: 'unknown' | 'asking' | 'known';
  userIds: number[];
  productIds: number[];
  /**
   * Users and products being created, not answered yet: requests go out on schedule whatever the
   * answers take, and on a slow system a run would otherwise create one per request until the
   * first answer came back.
   */
  creating: { users: number; products: number };
  orderIds: number[];
  /** Orders this run placed and means to pay (not every order gets paid). */
  toPay: number[];
}

/** How many users and products a run makes sure exist before it shops. */
const MIN_PARTIES = 3;
/** Ids remembered per kind: the most recent ones. */
const MEMORY = 200;
/** Share of placed orders that get paid. */
const PAY_SHARE = 0.6;

/** The catalogue a run creates when the shop has fewer than three products. */
const CATALOGUE = [
  { name: 'Laptop', price: 999.99, description: '14-inch, 16 GB' },
  { name: 'Mouse', price: 25, description: 'Wireless' },
  { name: 'Keyboard', price: 79.5, description: 'Mechanical, tenkeyless' },
  { name: 'Monitor', price: 249, description: '27-inch, 1440p' },
  { name: 'Headphones', price: 129.99, description: 'Noise cancelling' },
] as const;
const FIRST_NAMES = ['Ann', 'Ben', 'Chloé', 'Dev', 'Eva', 'Femi', 'Grace', 'Hiro'] as const;

/** The browsing mix once the shop has users and products: weights, roughly how a shop is used. */
const MIX: readonly (readonly [TrafficOperation, number])[] = [
  ['list_products', 30],
  ['view_product', 20],
  ['list_orders', 10],
  ['view_order', 10],
  ['place_order', 20],
  ['pay_order', 10],
];

/** A fresh memory for a run. */
export function newShopMemory(tag: string): ShopMemory {
  return { tag, seq: 0, users: 'unknown', products: 'unknown', userIds: [], productIds: [], creating: { users: 0, products: 0 }, orderIds: [], toPay: [] };
}

const pick = <T>(items: readonly T[], random: () => number): T | undefined => items[Math.floor(random() * items.length)];
const remember = (list: number[], id: number) => {
  if (!list.includes(id)) list.push(id);
  if (list.length > MEMORY) list.splice(0, list.length - MEMORY);
};
const idOf = (body: unknown): number | undefined =>
  typeof body === 'object' && body !== null && 'id' in body && typeof body.id === 'number' ? body.id : undefined;
const idsOf = (body: unknown): number[] => (Array.isArray(body) ? body.map(idOf).filter((id): id is number => id !== undefined) : []);

function seedRequest(memory: ShopMemory, random: () => number): TrafficRequest | undefined {
  if (memory.users === 'unknown') {
    memory.users = 'asking';
    return { operation: 'seed', method: 'GET', path: '/api/users?limit=100' };
  }
  if (memory.products === 'unknown') {
    memory.products = 'asking';
    return { operation: 'list_products', method: 'GET', path: '/api/products?limit=100' };
  }
  if (memory.users === 'known' && memory.userIds.length + memory.creating.users < MIN_PARTIES) {
    memory.creating.users++;
    const n = ++memory.seq;
    const name = pick(FIRST_NAMES, random) ?? 'Ann';
    const local = name.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
    return { operation: 'seed', method: 'POST', path: '/api/users', body: { name, email: `${local}.${memory.tag}.${n}@example.com` } };
  }
  if (memory.products === 'known' && memory.productIds.length + memory.creating.products < MIN_PARTIES) {
    memory.creating.products++;
    const item = CATALOGUE[++memory.seq % CATALOGUE.length] ?? CATALOGUE[0];
    return { operation: 'seed', method: 'POST', path: '/api/products', body: { ...item } };
  }
  return undefined;
}

function shopRequest(operation: TrafficOperation, memory: ShopMemory, random: () => number): TrafficRequest | undefined {
  switch (operation) {
    case 'list_products':
      return { operation, method: 'GET', path: '/api/products?limit=20' };
    case 'view_product': {
      const id = pick(memory.productIds, random);
      return id === undefined ? undefined : { operation, method: 'GET', path: `/api/products/${id}` };
    }
    case 'list_orders':
      return { operation, method: 'GET', path: '/api/orders?limit=20' };
    case 'view_order': {
      const id = pick(memory.orderIds, random);
      return id === undefined ? undefined : { operation, method: 'GET', path: `/api/orders/${id}/details` };
    }
    case 'place_order': {
      const user = pick(memory.userIds, random);
      const product = pick(memory.productIds, random);
      if (user === undefined || product === undefined) return undefined;
      return { operation, method: 'POST', path: '/api/orders', body: { user_id: user, product_id: product, quantity: 1 + Math.floor(random() * 3) } };
    }
    case 'pay_order': {
      const id = memory.toPay.shift();
      return id === undefined ? undefined : { operation, method: 'POST', path: '/api/payments', body: { order_id: id } };
    }
    default:
      return undefined;
  }
}

/**
 * The next request of a run: first it learns which users and products exist (and creates a few
 * when there are fewer than three), then it shops: browses products, looks at orders, places
 * orders and pays most of them. Never returns nothing: browsing the catalogue is always possible.
 *
 * @example
 * const memory = newShopMemory('k3x9')
 * nextRequest(memory, Math.random) // { operation: 'seed', method: 'GET', path: '/api/users?limit=100' }
 */
export function nextRequest(memory: ShopMemory, random: () => number): TrafficRequest {
  const seed = seedRequest(memory, random);
  if (seed) return seed;
  const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [operation, weight] of MIX) {
    roll -= weight;
    if (roll < 0) return shopRequest(operation, memory, random) ?? { operation: 'list_products', method: 'GET', path: '/api/products?limit=20' };
  }
  return { operation: 'list_products', method: 'GET', path: '/api/products?limit=20' };
}

/**
 * Updates what the run knows from an answer: ids of users, products and orders it saw or made,
 * and the orders it will pay.
 */
export function learn(memory: ShopMemory, request: TrafficRequest, answer: TrafficAnswer, random: () => number): void {
  const ok = answer.status >= 200 && answer.status < 300;
  if (request.method === 'GET' && request.path.startsWith('/api/users?')) {
    memory.users = ok ? 'known' : 'unknown';
    for (const id of idsOf(answer.body)) remember(memory.userIds, id);
  } else if (request.method === 'GET' && request.path.startsWith('/api/products?')) {
    if (memory.products === 'asking') memory.products = ok ? 'known' : 'unknown';
    for (const id of idsOf(answer.body)) remember(memory.productIds, id);
  } else if (request.method === 'GET' && request.path.startsWith('/api/orders?')) {
    for (const id of idsOf(answer.body)) remember(memory.orderIds, id);
  }
  // A creation answered, made or not: the next request may create another if still too few.
  if (request.operation === 'seed' && request.method === 'POST') {
    if (request.path === '/api/users') memory.creating.users--;
    else if (request.path === '/api/products') memory.creating.products--;
  }
  if (!ok || request.method !== 'POST') return;
  const id = idOf(answer.body);
  if (id === undefined) return;
  if (request.path === '/api/users') remember(memory.userIds, id);
  else if (request.path === '/api/products') remember(memory.productIds, id);
  else if (request.path === '/api/orders') {
    remember(memory.orderIds, id);
    if (random() < PAY_SHARE) memory.toPay.push(id);
  }
}
