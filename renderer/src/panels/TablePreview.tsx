import { useMemo, useState, type UIEvent } from 'react';
import type { TablePreview as TablePreviewData } from '../api/protocol';
import { Histogram } from '../charts/Histogram';
import { formatNumber } from '../charts/scale';

const ROW_HEIGHT = 26;
const VIEW_HEIGHT = 260;
/** Rows drawn beyond the visible ones, so fast scrolling does not flash blank rows. */
const OVERSCAN = 8;
const COLUMN_WIDTH = 132;
const INDEX_WIDTH = 56;

/** Which rows to draw for a scroll position: the window of the table that is on screen. */
export function visibleRange(scrollTop: number, rowCount: number, viewHeight = VIEW_HEIGHT, rowHeight = ROW_HEIGHT, overscan = OVERSCAN) {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(rowCount, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return { first, last };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A table artifact: per-column summary with a histogram, then the rows, windowed so only visible rows are in the DOM. */
export function TablePreview({ preview, testId }: { preview: TablePreviewData; testId: string }) {
  const [scrollTop, setScrollTop] = useState(0);
  const columns = preview.columns;
  const rows = useMemo(
    () =>
      preview.rows.map((row) =>
        Array.isArray(row) ? row : columns.map((column) => (row && typeof row === 'object' ? (row as Record<string, unknown>)[column.name] : undefined)),
      ),
    [preview.rows, columns],
  );
  const { first, last } = visibleRange(scrollTop, rows.length);
  const width = INDEX_WIDTH + columns.length * COLUMN_WIDTH;
  const onScroll = (event: UIEvent<HTMLDivElement>) => setScrollTop(event.currentTarget.scrollTop);

  return (
    <div className="table-preview" data-testid={testId}>
      <div className="table-preview__meta">
        <b data-testid={`${testId}-rowcount`}>{preview.rowCount.toLocaleString('en-US')}</b> rows × {columns.length} columns
        {rows.length < preview.rowCount && <span className="muted"> · first {rows.length.toLocaleString('en-US')} shown</span>}
      </div>
      <div className="table-preview__scroll" onScroll={onScroll} style={{ height: VIEW_HEIGHT + 92 }} tabIndex={0} role="region" aria-label="Table rows (scroll with the arrow keys)">
        <div style={{ width }}>
          <div className="table-preview__head">
            <div className="table-preview__index">#</div>
            {columns.map((column) => (
              <div key={column.name} className="table-preview__col" style={{ width: COLUMN_WIDTH }} title={summaryText(column)}>
                <div className="table-preview__name">{column.name}</div>
                <div className="table-preview__kind">
                  {column.kind}
                  {column.nulls > 0 && <span className="warn-text"> · {column.nulls} null</span>}
                </div>
                <Histogram histogram={column.histogram} />
              </div>
            ))}
          </div>
          <div className="table-preview__body" style={{ height: rows.length * ROW_HEIGHT }}>
            {rows.slice(first, last).map((row, offset) => {
              const index = first + offset;
              return (
                <div key={index} className="table-preview__row" style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}>
                  <div className="table-preview__index">{index + 1}</div>
                  {row.map((value, column) => (
                    <div key={column} className={`table-preview__cell${typeof value === 'number' ? ' is-number' : ''}`} style={{ width: COLUMN_WIDTH }}>
                      {cell(value)}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
    </div>
  );
}

function summaryText(column: TablePreviewData['columns'][number]): string {
  const parts = [`${column.name} (${column.kind})`, `nulls: ${column.nulls}`];
  if (column.min !== undefined) parts.push(`min: ${cell(column.min)}`);
  if (column.max !== undefined) parts.push(`max: ${cell(column.max)}`);
  if (column.mean !== undefined) parts.push(`mean: ${cell(column.mean)}`);
  return parts.join('\n');
}
