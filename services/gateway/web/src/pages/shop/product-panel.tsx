import { useState, type FormEvent } from 'react';
import { recordActivity } from '../../api/activity';
import { fieldErrors, type ApiResult } from '../../api/http';
import { createProduct } from '../../api/shop';
import type { Product } from '../../api/types';
import { Card } from '../../components/card';
import { InputField } from '../../components/field';
import { ResultNote } from '../../components/result-note';
import { formatMoney, numberOrText } from '../../format';

export interface ProductPanelProps {
  products: readonly Product[];
  total: number | undefined;
  onCreated: () => void;
}

/** Products: a form to add one (price with at most two decimals) and the catalogue. */
export function ProductPanel({ products, total, onCreated }: ProductPanelProps) {
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ApiResult<Product>>();
  const errors = fieldErrors(result?.problem);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const body = { name, price: numberOrText(price), ...(description.trim() ? { description } : {}) };
    const answer = recordActivity(`Create product ${name}`, await createProduct(body));
    setResult(answer);
    setBusy(false);
    if (answer.ok) {
      setName('');
      setPrice('');
      setDescription('');
      onCreated();
    }
  };

  return (
    <Card id="products" title="Products" subtitle={<>Product service · products.db{total !== undefined ? ` · ${total} in all` : ''}</>}>
      <form className="form-grid" onSubmit={(e) => void submit(e)} noValidate aria-label="New product">
        <InputField id="product-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} autoComplete="off" placeholder="Laptop" />
        <InputField
          id="product-price"
          label="Price"
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
          error={errors.price}
          autoComplete="off"
          placeholder="999.99"
        />
        <InputField
          id="product-description"
          label="Description (optional)"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={errors.description}
          autoComplete="off"
          placeholder="14-inch, 16 GB"
        />
        <button type="submit" className="button primary" disabled={busy}>
          Add product
        </button>
      </form>
      {result ? <ResultNote result={result} success={result.data ? `Added product #${result.data.id}, ${result.data.name} at ${formatMoney(result.data.price)}` : 'Added'} /> : null}
      <div className="table-wrap">
        <table className="table" aria-label="Products">
          <thead>
            <tr>
              <th scope="col" className="num">#</th>
              <th scope="col">Name</th>
              <th scope="col" className="num">Price</th>
            </tr>
          </thead>
          <tbody>
            {products.map((product) => (
              <tr key={product.id}>
                <td className="num">{product.id}</td>
                <td>
                  {product.name}
                  {product.description ? <span className="muted"> · {product.description}</span> : null}
                </td>
                <td className="num money">{formatMoney(product.price)}</td>
              </tr>
            ))}
            {products.length === 0 ? (
              <tr>
                <td colSpan={3} className="empty">
                  No products yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
