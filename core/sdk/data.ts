/**
 * The data layer as nodes see it: reading CSV into Arrow tables and small,
 * type-preserving table helpers, and a seeded PRNG. Re-exported from the SDK index.
 */
export { readCsv, formatBadRow, MAX_REPORTED_BAD_ROWS } from '../data/csv.js';
export type { CsvSource, CsvReadOptions, CsvReadResult, CsvBadRow } from '../data/csv.js';
export type { InferredType } from '../data/csv-columns.js';
export { seededRandom, shuffleInPlace } from '../data/random.js';
export {
  columnNames,
  columnKind,
  describeColumns,
  requireColumn,
  takeRows,
  takeVector,
  filterRows,
  compactTable,
  withColumn,
  stringColumn,
  float64Column,
  columnValues,
  columnAsFloat64,
  previewRows,
} from '../data/table-ops.js';
export type { ColumnKind, ColumnSummary, PreviewValue } from '../data/table-ops.js';
export type { Table, Vector, Data, DataType, Field, Schema } from 'apache-arrow';
