import type { ReactNode } from 'react';

/** One column of a {@link DataTable}. */
export interface Column<T> {
  header: ReactNode;
  cell: (row: T) => ReactNode;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Extra class for the header and cells (e.g. `hide-narrow`). */
  className?: string;
  /** Extra class for the cells only (e.g. `muted`, `money`). */
  cellClassName?: string;
}

export interface DataTableProps<T> {
  /** The table's accessible name. */
  label: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string | number;
  /** Shown in one full-width row when there are no rows. */
  empty: ReactNode;
  /** Extra attributes per row, e.g. `data-order-id`. */
  rowProps?: (row: T) => Record<string, string | number>;
}

const classOf = (column: Column<unknown>, extra?: string) => [column.numeric ? 'num' : '', column.className ?? '', extra ?? ''].filter(Boolean).join(' ') || undefined;

/** A scrollable table of rows with a header, and a message when there are none. */
export function DataTable<T>({ label, columns, rows, rowKey, empty, rowProps }: DataTableProps<T>) {
  return (
    <div className="table-wrap">
      <table className="table" aria-label={label}>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={i} scope="col" className={classOf(column as Column<unknown>)}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} {...rowProps?.(row)}>
              {columns.map((column, i) => (
                <td key={i} className={classOf(column as Column<unknown>, column.cellClassName)}>
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="empty">
                {empty}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
