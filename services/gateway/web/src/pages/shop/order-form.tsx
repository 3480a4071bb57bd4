import { useState, type FormEvent } from 'react';
import { placeOrder } from '../../api/shop';
import type { Order, Product, User } from '../../api/types';
import { Card } from '../../components/card';
import { InputField, SelectField } from '../../components/field';
import { ResultNote } from '../../components/result-note';
import { StatePill } from '../../components/status';
import { formatMoney, numberOrText, orderTotal } from '../../format';
import { useApiAction } from '../../hooks/use-api-action';
import { Link } from '../../router';

export interface OrderFormProps {
  users: readonly User[];
  products: readonly Product[];
  onPlaced: () => void;
}

/**
 * Place an order: a user, a product and a quantity. The total is shown before (price × quantity, in
 * cents, as the Order service computes it) and after, from the Order service's answer.
 */
export function OrderForm({ users, products, onPlaced }: OrderFormProps) {
  const [userId, setUserId] = useState('');
  const [productId, setProductId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const place = useApiAction<Order>();
  const { busy, result, errors } = place;

  const product = products.find((p) => String(p.id) === productId);
  const qty = numberOrText(quantity);
  const preview = product && typeof qty === 'number' ? orderTotal(product.price, qty) : undefined;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { user_id: Number(userId), product_id: Number(productId), quantity: qty };
    const answer = await place.run(`Place order: ${quantity.trim() || '?'} × ${product?.name ?? `product ${productId || '?'}`}`, () => placeOrder(body));
    if (answer.ok) onPlaced();
  };

  return (
    <Card id="place-order" title="Place an order" subtitle="Order service asks User and Product, prices in cents, stores it in orders.db">
      <form className="form-row" onSubmit={(e) => void submit(e)} noValidate aria-label="New order">
        <SelectField id="order-user" label="User" value={userId} onChange={(e) => setUserId(e.target.value)} error={errors.user_id}>
          <option value="">Choose a user…</option>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              #{u.id} {u.name}
            </option>
          ))}
        </SelectField>
        <SelectField id="order-product" label="Product" value={productId} onChange={(e) => setProductId(e.target.value)} error={errors.product_id}>
          <option value="">Choose a product…</option>
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              #{p.id} {p.name} · {formatMoney(p.price)}
              {p.stock === undefined ? '' : ` · ${p.stock} in stock`}
            </option>
          ))}
        </SelectField>
        <InputField
          id="order-quantity"
          label="Quantity"
          inputMode="numeric"
          value={quantity}
          onChange={(e) => setQuantity(e.target.value)}
          error={errors.quantity}
          autoComplete="off"
          className="narrow"
        />
        <div className="total-preview" aria-live="polite">
          <span className="total-label">Total</span>
          <output id="order-total-preview" htmlFor="order-product order-quantity" className="total-value">
            {preview ?? '—'}
          </output>
          {product && preview ? (
            <span className="total-detail">
              {formatMoney(product.price)} × {qty}
            </span>
          ) : null}
        </div>
        <button type="submit" className="button primary" disabled={busy}>
          Place order
        </button>
      </form>
      {result ? (
        <ResultNote
          result={result}
          success={result.data ? `Order #${result.data.id} placed: total ${formatMoney(result.data.total)}, ${result.data.status}${result.data.stock ? `, stock ${result.data.stock.toLowerCase()}` : ''}` : 'Placed'}
        />
      ) : null}
      {result?.data ? (
        <p className="placed" data-testid="placed-order">
          Order <Link to={`/orders/${result.data.id}`}>#{result.data.id}</Link> · total <strong className="money" id="placed-total">{formatMoney(result.data.total)}</strong> <StatePill state={result.data.status} />
        </p>
      ) : null}
    </Card>
  );
}
