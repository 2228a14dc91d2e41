/**
 * Small, type-preserving helpers over Arrow tables that nodes need: describe columns,
 * require a column (with an error a user can act on), take rows, add or replace a column,
 * read a column as JS values or Float64Array, and preview rows.
 *
 * Tables returned here always have a single record batch, so encoding them is
 * deterministic (see arrow-io.ts).
 */
import { didYouMean } from '../graph/suggest.js';
import {
  Bool,
  DataType,
  Field,
  Float64,
  Precision,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Data,
  type Table,
  type Vector,
} from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { oneBatchTable, wideSchema } from './arrow-wide.js';

export type ColumnKind = 'int' | 'float' | 'bool' | 'string' | 'other';

export interface ColumnSummary {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Arrow's name for the type, e.g. `Int32`, `Float64`, `Utf8`. */
  readonly type: string;
  readonly nullCount: number;
}

/** A JSON-safe cell value for previews. */
export type PreviewValue = string | number | boolean | null;

export function columnNames(table: Table): string[] {
  return table.schema.fields.map((field) => field.name);
}

/** The broad kind nodes reason about: int, float, bool, string, or other (dates, lists…). */
export function columnKind(type: DataType): ColumnKind {
  if (DataType.isInt(type)) return 'int';
  if (DataType.isFloat(type)) return 'float';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'string';
  if (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary))) return 'string';
  return 'other';
}

export function describeColumns(table: Table): ColumnSummary[] {
  return table.schema.fields.map((field, k) => ({
    name: field.name,
    kind: columnKind(field.type),
    type: String(field.type),
    nullCount: table.getChildAt(k)?.nullCount ?? 0,
  }));
}

/** Lists column names for error messages, shortened when there are many. */
function listColumns(table: Table): string {
  const names = columnNames(table);
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, 30).join(', ');
  return names.length > 30 ? `${shown}, … (${names.length} in all)` : shown;
}

/**
 * The column named `name`, or a NodeError naming `field` (the param that named the
 * column): `column 'x' not found; columns are: a, b, c`.
 */
export function requireColumn(table: Table, name: string, field: string): Vector {
  const index = table.schema.fields.findIndex((f) => f.name === name);
  const column = index < 0 ? null : table.getChildAt(index);
  if (!column) throw new NodeError(`column '${name}' not found${didYouMean(name, columnNames(table))}; columns are: ${listColumns(table)}`, { field });
  return column;
}

/** Maps a row index of a (possibly chunked) vector to its chunk and the index inside it. */
function chunkLocator(vector: Vector): (row: number) => [Data, number] {
  const chunks = vector.data;
  if (chunks.length === 1) {
    const only = chunks[0]!;
    return (row) => [only, row];
  }
  const starts: number[] = [];
  let total = 0;
  for (const chunk of chunks) {
    starts.push(total);
    total += chunk.length;
  }
  return (row) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    return [chunks[lo]!, row - starts[lo]!];
  };
}

function checkIndices(indices: ArrayLike<number>, rows: number): void {
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= rows) throw new RangeError(`row index ${i} is outside 0..${rows - 1}`);
  }
}

/** A new column holding vector[indices[0]], vector[indices[1]], … with the same type. */
export function takeVector(vector: Vector, indices: ArrayLike<number>): Data {
  checkIndices(indices, vector.length);
  const type = vector.type;
  const locate = chunkLocator(vector);
  const count = indices.length;
  const hasNulls = vector.nullCount > 0;
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  const markValid = (k: number, data: Data, local: number): void => {
    if (!hasNulls) return;
    bitmap ??= new Uint8Array((count + 7) >> 3);
    if (data.getValid(local)) bitmap[k >> 3]! |= 1 << (k & 7);
    else nullCount++;
  };
  if ((DataType.isInt(type) && type.bitWidth <= 32) || (DataType.isFloat(type) && type.precision !== Precision.HALF)) {
    const Constructor = type.ArrayType as new (length: number) => Int32Array | Float64Array;
    const out = new Constructor(count);
    for (let k = 0; k < count; k++) {
      const [data, local] = locate(indices[k]!);
      out[k] = (data.values as ArrayLike<number>)[local]!;
      markValid(k, data, local);
    }
    return makeData({ type, length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: out } as never);
  }
  if (DataType.isBool(type)) {
    const bits = new Uint8Array((count + 7) >> 3);
    for (let k = 0; k < count; k++) {
      const [data, local] = locate(indices[k]!);
      const bit = data.offset + local;
      if (((data.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) bits[k >> 3]! |= 1 << (k & 7);
      markValid(k, data, local);
    }
    return makeData({ type: new Bool(), length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: bits });
  }
  if (DataType.isUtf8(type)) {
    let total = 0;
    for (let k = 0; k < count; k++) {
      const [data, local] = locate(indices[k]!);
      const offsets = data.valueOffsets as Int32Array;
      total += offsets[local + 1]! - offsets[local]!;
    }
    const bytes = new Uint8Array(total);
    const offsetsOut = new Int32Array(count + 1);
    let w = 0;
    for (let k = 0; k < count; k++) {
      const [data, local] = locate(indices[k]!);
      const offsets = data.valueOffsets as Int32Array;
      const values = data.values as Uint8Array;
      const s = offsets[local]!;
      const e = offsets[local + 1]!;
      for (let b = s; b < e; b++) bytes[w++] = values[b]!;
      offsetsOut[k + 1] = w;
      markValid(k, data, local);
    }
    return makeData({ type: new Utf8(), length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, valueOffsets: offsetsOut, data: bytes });
  }
  // Any other type: slower, through Arrow's own builders.
  const values = Array.from({ length: count }, (_, k) => vector.get(indices[k]!));
  const built = vectorFromArray(values, type);
  return singleData(built);
}

/** One Data for a whole vector (concatenating chunks when there are several). */
/** The vector's values as one Data chunk (a copy only when it has several). */
export function singleData(vector: Vector): Data {
  if (vector.data.length === 1) return vector.data[0]!;
  return takeVector(vector, Array.from({ length: vector.length }, (_, k) => k));
}

function assemble(fields: readonly Field[], columns: readonly Data[], length: number, metadata: Map<string, string>): Table {
  return oneBatchTable(wideSchema(fields, metadata), columns, length);
}

/**
 * The same table as exactly one record batch (chunks merged), so equal tables encode to
 * equal bytes. A table that already is one batch comes back as is.
 */
export function compactTable(table: Table): Table {
  if (table.batches.length === 1) return table;
  const columns = table.schema.fields.map((field, k) => (table.numRows === 0 ? singleData(vectorFromArray([], field.type)) : singleData(table.getChildAt(k)!)));
  return assemble(table.schema.fields, columns, table.numRows, table.schema.metadata);
}

/** The rows at `indices`, in that order (repeats allowed), every column keeping its type. */
export function takeRows(table: Table, indices: ArrayLike<number>): Table {
  const columns = table.schema.fields.map((_, k) => takeVector(table.getChildAt(k)!, indices));
  return assemble(table.schema.fields, columns, indices.length, table.schema.metadata);
}

/** The rows for which `keep(row)` is true, in order. */
export function filterRows(table: Table, keep: (row: number) => boolean): Table {
  const indices: number[] = [];
  for (let row = 0; row < table.numRows; row++) if (keep(row)) indices.push(row);
  return takeRows(table, indices);
}

/**
 * Adds column `name` at the end, or replaces the column of that name in place (keeping
 * its position). The column must have one value per row.
 */
export function withColumn(table: Table, name: string, column: Vector | Data): Table {
  const data = 'data' in column && Array.isArray(column.data) ? singleData(column as Vector) : (column as Data);
  if (data.length !== table.numRows) throw new RangeError(`column '${name}' has ${data.length} values but the table has ${table.numRows} rows`);
  const fields = [...table.schema.fields];
  const columns = fields.map((_, k) => singleData(table.getChildAt(k)!));
  const field = new Field(name, data.type, true);
  const at = fields.findIndex((f) => f.name === name);
  if (at >= 0) {
    fields[at] = field;
    columns[at] = data;
  } else {
    fields.push(field);
    columns.push(data);
  }
  return assemble(fields, columns, table.numRows, table.schema.metadata);
}

/**
 * A table from named columns, in the order given (what a source node that generates its
 * rows builds). Every column must have the same number of values.
 */
export function tableFromColumns(columns: Readonly<Record<string, Vector | Data>>): Table {
  const entries = Object.entries(columns).map(([name, column]) => [name, 'data' in column && Array.isArray(column.data) ? singleData(column as Vector) : (column as Data)] as const);
  const length = entries[0]?.[1].length ?? 0;
  for (const [name, data] of entries) {
    if (data.length !== length) throw new RangeError(`column '${name}' has ${data.length} values but '${entries[0]![0]}' has ${length}`);
  }
  return assemble(entries.map(([name, data]) => new Field(name, data.type, true)), entries.map(([, data]) => data), length, new Map());
}

/** A Utf8 column from JS strings (null for missing). */
export function stringColumn(values: readonly (string | null | undefined)[]): Vector<Utf8> {
  // Offsets and bytes written directly: Arrow's generic builder costs ~15 µs even for one value,
  // which the model server pays on every request.
  const length = values.length;
  const valueOffsets = new Int32Array(length + 1);
  let bytes = 0;
  let nullCount = 0;
  for (let k = 0; k < length; k++) {
    const value = values[k];
    if (value === null || value === undefined) nullCount++;
    else bytes += Buffer.byteLength(value, 'utf8');
    if (bytes > 0x7fffffff) throw new RangeError('a text column over 2 GiB does not fit one Arrow Utf8 array');
    valueOffsets[k + 1] = bytes;
  }
  const data = new Uint8Array(bytes);
  const encoder = new TextEncoder();
  const nullBitmap = nullCount > 0 ? new Uint8Array((length + 7) >> 3) : undefined;
  for (let k = 0; k < length; k++) {
    const value = values[k];
    if (value === null || value === undefined) continue;
    if (nullBitmap) nullBitmap[k >> 3]! |= 1 << (k & 7);
    encoder.encodeInto(value, data.subarray(valueOffsets[k]!, valueOffsets[k + 1]!));
  }
  return makeVector(makeData({ type: new Utf8(), length, nullCount, nullBitmap, valueOffsets, data }));
}

/** A Float64 column; NaN is stored as null. */
export function float64Column(values: ArrayLike<number>): Vector<Float64> {
  const data = Float64Array.from(values);
  let nullCount = 0;
  const bitmap = new Uint8Array((data.length + 7) >> 3);
  for (let k = 0; k < data.length; k++) {
    if (Number.isNaN(data[k])) {
      nullCount++;
      data[k] = 0;
    } else bitmap[k >> 3]! |= 1 << (k & 7);
  }
  return makeVector(makeData({ type: new Float64(), length: data.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data }));
}

function jsonSafe(value: unknown): PreviewValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The values of a column as JS values, null where missing (strings, numbers, booleans…). */
export function columnValues(table: Table, name: string, field: string): PreviewValue[] {
  const column = requireColumn(table, name, field);
  const out: PreviewValue[] = new Array(column.length);
  for (let k = 0; k < column.length; k++) out[k] = jsonSafe(column.get(k));
  return out;
}

/**
 * The column's values as numbers to read, not write: a Float64 column in one chunk without
 * nulls is returned as is (no copy: for a wide training table the copies' fresh memory cost
 * more than reading them), anything else as `columnAsFloat64` makes it.
 */
export function readFloat64(table: Table, name: string, field: string): ArrayLike<number> {
  const column = requireColumn(table, name, field);
  const only = column.data.length === 1 ? column.data[0]! : undefined;
  if (only && only.nullCount === 0 && DataType.isFloat(only.type) && only.type.precision === Precision.DOUBLE) return (only.values as Float64Array).subarray(0, only.length);
  return columnAsFloat64(table, name, field);
}

/**
 * A numeric (int, float or bool) column as a Float64Array, NaN where missing. Any other
 * column is a NodeError naming `field`.
 */
export function columnAsFloat64(table: Table, name: string, field: string): Float64Array {
  const column = requireColumn(table, name, field);
  const kind = columnKind(column.type);
  if (kind !== 'int' && kind !== 'float' && kind !== 'bool') {
    throw new NodeError(`column '${name}' is ${kind === 'string' ? 'text' : String(column.type)}, not numeric`, { field });
  }
  const out = new Float64Array(column.length);
  if (DataType.isFloat(column.type) && column.type.precision === Precision.HALF) {
    for (let k = 0; k < column.length; k++) out[k] = (column.get(k) as number | null) ?? NaN;
    return out;
  }
  let row = 0;
  for (const data of column.data) {
    const values = data.values as ArrayLike<number | bigint>;
    const nulls = data.nullCount > 0;
    if (!nulls && kind !== 'bool' && !(values instanceof BigInt64Array || values instanceof BigUint64Array)) {
      // A plain typed array: one native copy converts each value exactly as Number() does
      // (a per-element loop over a union of array types cost ~55 ns a value).
      out.set((values as Float64Array).subarray(0, data.length), row);
      row += data.length;
      continue;
    }
    for (let k = 0; k < data.length; k++, row++) {
      if (nulls && !data.getValid(k)) out[row] = NaN;
      else if (kind === 'bool') out[row] = ((values as Uint8Array)[(data.offset + k) >> 3]! >> ((data.offset + k) & 7)) & 1;
      else out[row] = Number(values[k]!);
    }
  }
  return out;
}

/** The first `limit` rows as plain records, JSON-safe, for previews in the UI and logs. */
export function previewRows(table: Table, limit = 20): Record<string, PreviewValue>[] {
  const names = columnNames(table);
  const columns = names.map((_, k) => table.getChildAt(k)!);
  const count = Math.min(limit, table.numRows);
  const rows: Record<string, PreviewValue>[] = [];
  for (let row = 0; row < count; row++) {
    const record: Record<string, PreviewValue> = {};
    names.forEach((name, k) => {
      record[name] = jsonSafe(columns[k]!.get(row));
    });
    rows.push(record);
  }
  return rows;
}
