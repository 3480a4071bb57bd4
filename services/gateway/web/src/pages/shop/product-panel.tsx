import { useState, type FormEvent } from 'react';
import { createProduct, restockProduct } from '../../api/shop';
import type { Product } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { InputField } from '../../components/field';
import { ResultNote } from '../../components/result-note';
import { formatMoney, numberOrText } from '../../format';
import { useApiAction } from '../../hooks/use-api-action';

export interface ProductPanelProps {
  products: readonly Product[];
  total: number | undefined;
  onCreated: () => void;
}

/** A product's stock in words: units available now, or "unlimited" when it does not track stock. */
export const stockWords = (product: Product): string => (product.stock === undefined ? 'unlimited' : String(product.stock));

const COLUMNS: readonly Column<Product>[] = [
  { header: '#', numeric: true, cell: (product) => product.id },
  {
    header: 'Name',
    cell: (product) => (
      <>
        {product.name}
        {product.description ? <span className="muted"> · {product.description}</span> : null}
      </>
    ),
  },
  { header: 'Price', numeric: true, cellClassName: 'money', cell: (product) => formatMoney(product.price) },
  {
    header: 'Stock',
    numeric: true,
    cell: (product) =>
      product.stock === undefined ? (
        <span className="muted" title="This product does not track stock: any quantity can be ordered">
          unlimited
        </span>
      ) : (
        <span className={product.stock === 0 ? 'text-error' : undefined} title="Units available now (reserved units are not counted)">
          {product.stock}
        </span>
      ),
  },
];

/** Restock on a stocked product's row: a button that opens a small form for the units to add. */
function RestockCell({ product, onDone }: { product: Product; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [quantity, setQuantity] = useState('10');
  const restock = useApiAction<Product>();
  if (product.stock === undefined) return null;
  if (!open) {
    return (
      <button type="button" className="button small ghost" onClick={() => setOpen(true)} aria-label={`Restock ${product.name}`}>
        Restock
      </button>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const answer = await restock.run(`Restock ${product.name}: +${quantity.trim() || '?'}`, () => restockProduct(product.id, { quantity: numberOrText(quantity) }));
    if (answer.ok) {
      setOpen(false);
      onDone();
    }
  };
  const error = restock.errors.quantity ?? (restock.result && !restock.result.ok ? (restock.result.problem?.detail ?? restock.result.problem?.title) : undefined);
  return (
    <form className="restock-form" onSubmit={(e) => void submit(e)} noValidate aria-label={`Restock ${product.name}`}>
      <input
        className="restock-quantity"
        inputMode="numeric"
        value={quantity}
        onChange={(e) => setQuantity(e.target.value)}
        aria-label={`Units to add to ${product.name}`}
        aria-invalid={error ? true : undefined}
        autoComplete="off"
      />
      <button type="submit" className="button small" disabled={restock.busy}>
        Add
      </button>
      <button type="button" className="button small ghost" onClick={() => setOpen(false)}>
        Close
      </button>
      {error ? (
        <span className="field-error restock-error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** Products: a form to add one (price with at most two decimals, stock optional) and the catalogue, with restock for stocked ones. */
export function ProductPanel({ products, total, onCreated }: ProductPanelProps) {
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [description, setDescription] = useState('');
  const [stock, setStock] = useState('');
  const create = useApiAction<Product>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { name, price: numberOrText(price), ...(description.trim() ? { description } : {}), ...(stock.trim() ? { stock: numberOrText(stock) } : {}) };
    const answer = await create.run(`Create product ${name}`, () => createProduct(body));
    if (answer.ok) {
      setName('');
      setPrice('');
      setDescription('');
      setStock('');
      onCreated();
    }
  };

  const columns: readonly Column<Product>[] = products.some((p) => p.stock !== undefined)
    ? [...COLUMNS, { header: <span className="visually-hidden">Action</span>, cellClassName: 'row-action', cell: (product) => <RestockCell product={product} onDone={onCreated} /> }]
    : COLUMNS;

  return (
    <Card id="products" title="Products" subtitle={<>Product service · products.db{total !== undefined ? ` · ${total} in all` : ''}</>}>
      <form className="form-grid product-form" onSubmit={(e) => void submit(e)} noValidate aria-label="New product">
        <InputField id="product-name" label="Name" value={name} onChange={(e) => setName(e.target.value)} error={create.errors.name} autoComplete="off" placeholder="Laptop" />
        <InputField
          id="product-price"
          label="Price"
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
          error={create.errors.price}
          autoComplete="off"
          placeholder="999.99"
        />
        <InputField
          id="product-description"
          label="Description (optional)"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={create.errors.description}
          autoComplete="off"
          placeholder="14-inch, 16 GB"
        />
        <InputField
          id="product-stock"
          label="Stock (optional)"
          inputMode="numeric"
          value={stock}
          onChange={(e) => setStock(e.target.value)}
          error={create.errors.stock}
          hint="Empty: unlimited"
          autoComplete="off"
          placeholder="5"
        />
        <button type="submit" className="button primary" disabled={create.busy}>
          Add product
        </button>
      </form>
      {create.result ? (
        <ResultNote
          result={create.result}
          success={
            create.result.data
              ? `Added product #${create.result.data.id}, ${create.result.data.name} at ${formatMoney(create.result.data.price)}, stock ${stockWords(create.result.data)}`
              : 'Added'
          }
        />
      ) : null}
      <DataTable
        label="Products"
        columns={columns}
        rows={products}
        rowKey={(product) => product.id}
        rowProps={(product) => ({ 'data-product-id': product.id, 'data-stock': product.stock ?? 'unlimited' })}
        empty="No products yet."
      />
    </Card>
  );
}
