import type { Table } from 'apache-arrow';
import { SPLIT_COLUMN } from '../../base/table.js';
import { categoryCodes, tableColumns } from './columns.js';

/** What a feature node logs (as a warning) when it fits without a split upstream. */
export const NO_SPLIT_WARNING = 'no split upstream: fitted on all rows';

export interface TrainRows {
  /** mask[row] is true for train rows; null when the table has no split column (every row fits). */
  readonly mask: boolean[] | null;
  /** How many rows fitting uses. */
  readonly trainRows: number;
  readonly rows: number;
}

export function hasSplit(table: Table): boolean {
  return table.schema.fields.some((field) => field.name === SPLIT_COLUMN);
}

/** The rows a feature node fits on: those whose split column is 'train', or all rows without one. */
export function trainRowMask(table: Table): TrainRows {
  const rows = table.numRows;
  if (!hasSplit(table)) return { mask: null, trainRows: rows, rows };
  const split = tableColumns(table).find((column) => column.field.name === SPLIT_COLUMN)!;
  const codes = categoryCodes(split.data);
  const train = codes.values.indexOf('train');
  const mask = new Array<boolean>(rows);
  let trainRows = 0;
  for (let row = 0; row < rows; row++) {
    const isTrain = train >= 0 && codes.ids[row] === train;
    mask[row] = isTrain;
    if (isTrain) trainRows++;
  }
  return { mask, trainRows, rows };
}
