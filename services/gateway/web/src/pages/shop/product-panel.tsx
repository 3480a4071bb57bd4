import { useState, type FormEvent } from 'react';
import { createProduct } from '../../api/shop';
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
];

/** Products: a form to add one (price with at most two decimals) and the catalogue. */
export function ProductPanel({ products, total, onCreated }: ProductPanelProps) {
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [description, setDescription] = useState('');
  const create = useApiAction<Product>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body = { name, price: numberOrText(price), ...(description.trim() ? { description } : {}) };
    const answer = await create.run(`Create product ${name}`, () => createProduct(body));
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
        <button type="submit" className="button primary" disabled={create.busy}>
          Add product
        </button>
      </form>
      {create.result ? (
        <ResultNote result={create.result} success={create.result.data ? `Added product #${create.result.data.id}, ${create.result.data.name} at ${formatMoney(create.result.data.price)}` : 'Added'} />
      ) : null}
      <DataTable label="Products" columns={COLUMNS} rows={products} rowKey={(product) => product.id} empty="No products yet." />
    </Card>
  );
}
