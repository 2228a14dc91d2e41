import { Bool, makeData, makeVector, type Table, type Vector } from 'apache-arrow';
import type { StreamColumn, StreamReadResult } from '../base/stream.js';
import { float64Column, stringColumn, tableFromColumns } from '../data/table-ops.js';

/** A stream batch as an Arrow table: numbers as float64, true/false as bool, text as utf8; null is missing. */
export function streamTable(columns: readonly StreamColumn[], rows: StreamReadResult['rows']): Table {
  const built: Record<string, Vector> = {};
  columns.forEach((column, index) => {
    const values = rows.map((row) => row[index] ?? null);
    if (column.type === 'number') built[column.name] = float64Column(values.map((value) => (typeof value === 'number' ? value : NaN)));
    else if (column.type === 'string') built[column.name] = stringColumn(values.map((value) => (value === null ? null : String(value))));
    else built[column.name] = boolColumn(values.map((value) => (typeof value === 'boolean' ? value : null)));
  });
  return tableFromColumns(built);
}

function boolColumn(values: readonly (boolean | null)[]): Vector<Bool> {
  const length = values.length;
  const bits = new Uint8Array((length + 7) >> 3);
  const valid = new Uint8Array((length + 7) >> 3);
  let nullCount = 0;
  values.forEach((value, k) => {
    if (value === null) nullCount++;
    else {
      valid[k >> 3]! |= 1 << (k & 7);
      if (value) bits[k >> 3]! |= 1 << (k & 7);
    }
  });
  return makeVector(makeData({ type: new Bool(), length, nullCount, nullBitmap: nullCount > 0 ? valid : undefined, data: bits }));
}
