import { useCallback, useEffect, useState } from 'react';
import { listOrders, listProducts, listUsers } from '../../api/shop';
import type { OrderWithParties, Product, User } from '../../api/types';
import { PageHeader } from '../../components/page-header';
import { ActivityPanel } from './activity-panel';
import { OrderForm } from './order-form';
import { OrderList } from './order-list';
import { ProductPanel } from './product-panel';
import { UserPanel } from './user-panel';

interface Lists {
  users: User[];
  products: Product[];
  orders: OrderWithParties[];
  totals: { users?: number | undefined; products?: number | undefined; orders?: number | undefined };
  /** Lists that could not be loaded, with why. */
  failures: string[];
}

const EMPTY: Lists = { users: [], products: [], orders: [], totals: {}, failures: [] };

/** The spec's shop, through the gateway: users, products, orders and payments, each owned by its service. */
export function ShopPage() {
  const [lists, setLists] = useState<Lists>(EMPTY);

  const refresh = useCallback(async () => {
    const [users, products, orders] = await Promise.all([listUsers(), listProducts(), listOrders()]);
    const failures = [users, products, orders].filter((r) => !r.ok).map((r) => `${r.path.split('?')[0]}: ${r.problem?.detail ?? r.status}`);
    setLists((previous) => ({
      users: users.data ?? previous.users,
      products: products.data ?? previous.products,
      orders: orders.data ?? previous.orders,
      totals: { users: users.totalCount, products: products.totalCount, orders: orders.totalCount },
      failures,
    }));
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const reload = () => void refresh();

  return (
    <>
      <PageHeader title="Shop" lead="Create users and products, place an order, pay it. Each request goes through the gateway to the service that owns the data." />
      {lists.failures.length > 0 ? (
        <div className="banner is-error" role="alert">
          Some lists could not be loaded: {lists.failures.join('; ')}
        </div>
      ) : null}
      <div className="shop-grid">
        <UserPanel users={lists.users} total={lists.totals.users} onCreated={reload} />
        <ProductPanel products={lists.products} total={lists.totals.products} onCreated={reload} />
        <OrderForm users={lists.users} products={lists.products} onPlaced={reload} />
        <OrderList orders={lists.orders} total={lists.totals.orders} onPaid={reload} onRefresh={reload} />
        <ActivityPanel />
      </div>
    </>
  );
}
