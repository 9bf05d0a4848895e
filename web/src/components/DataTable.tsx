// One table for every list in the console: @tanstack/react-table for sorting, searching and
// filtering, plain <table> markup so it prints (print CSS wraps cells instead of overflowing A4).
import {
  type ColumnDef,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  type SortingState,
  useReactTable,
} from '@tanstack/react-table';
import { type ReactNode, useState } from 'react';

export function DataTable<T>({
  data,
  columns,
  initialSort = [],
  search = true,
  searchLabel = 'Search',
  toolbar,
  rowClass,
  empty = 'Nothing to show.',
  testId,
  rowId,
}: {
  data: T[];
  // biome-ignore lint/suspicious/noExplicitAny: tanstack column defs mix value types per column
  columns: ColumnDef<T, any>[];
  initialSort?: SortingState;
  search?: boolean;
  searchLabel?: string;
  toolbar?: ReactNode;
  rowClass?: (row: T) => string | undefined;
  empty?: ReactNode;
  testId?: string;
  /** A stable id per row, so a row's own state (an open form) stays with it when the data refreshes. */
  rowId?: (row: T) => string;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSort);
  const [globalFilter, setGlobalFilter] = useState('');
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter },
    onSortingChange: setSorting,
    onGlobalFilterChange: setGlobalFilter,
    getRowId: rowId ? (row) => rowId(row) : undefined,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });
  const rows = table.getRowModel().rows;
  return (
    <div className="table-wrap">
      {search || toolbar ? (
        <div className="toolbar no-print">
          {search ? (
            <input
              type="search"
              aria-label={searchLabel}
              placeholder={`${searchLabel}…`}
              value={globalFilter}
              onChange={(e) => setGlobalFilter(e.target.value)}
            />
          ) : null}
          {toolbar}
          <span className="muted">
            {rows.length} of {data.length}
          </span>
        </div>
      ) : null}
      <table className="data" data-testid={testId}>
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => {
                const sorted = h.column.getIsSorted();
                const canSort = h.column.getCanSort();
                return (
                  <th
                    key={h.id}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {canSort ? (
                      <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        <span className="sort-mark">{sorted === 'asc' ? ' ▲' : sorted === 'desc' ? ' ▼' : ''}</span>
                      </button>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.id} className={rowClass?.(r.original)}>
                {r.getVisibleCells().map((c) => (
                  <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
