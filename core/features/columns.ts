/**
 * Between Arrow columns and what the feature store computes on: stored kinds (numbers as
 * float64, text, booleans), timestamps as epoch milliseconds in a Float64Array, key values,
 * and gathering matched rows out of several partitions into one output column.
 */
import { Bool, DataType, Float64, makeData, Utf8, type Data, type Vector } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { columnKind, singleData, stringColumn } from '../data/table-ops.js';
import type { KeyValues } from './keys.js';
import type { StoredKind } from './view.js';

export function storedKindOf(type: DataType): StoredKind | undefined {
  const kind = columnKind(type);
  if (kind === 'int' || kind === 'float') return 'number';
  if (kind === 'bool') return 'boolean';
  if (kind === 'string') return 'string';
  return undefined;
}

/** The column's values as float64 (NaN where missing); the column is int, float or bool. */
export function numbersOf(vector: Vector): Float64Array {
  const out = new Float64Array(vector.length);
  const isBool = DataType.isBool(vector.type);
  const wide = DataType.isInt(vector.type) && vector.type.bitWidth === 64;
  let row = 0;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    const nulls = data.nullCount > 0;
    if (!isBool && !wide && !nulls && DataType.isFloat(vector.type) && vector.type.precision === 2) {
      out.set(values as Float64Array, row);
      row += data.length;
      continue;
    }
    for (let k = 0; k < data.length; k++, row++) {
      if (nulls && !data.getValid(k)) out[row] = NaN;
      else if (isBool) out[row] = ((values as Uint8Array)[(data.offset + k) >> 3]! >> ((data.offset + k) & 7)) & 1;
      else if (DataType.isFloat(vector.type) && vector.type.precision === 0) out[row] = (vector.get(row) as number | null) ?? NaN;
      else out[row] = Number(values[k]!);
    }
  }
  return out;
}

/** A text column's values as JS strings (null where missing). */
export function stringsOf(vector: Vector): (string | null)[] {
  const out = new Array<string | null>(vector.length);
  let row = 0;
  for (const data of vector.data) {
    if (!DataType.isUtf8(data.type)) {
      for (let k = 0; k < data.length; k++, row++) {
        const value = vector.get(row) as unknown;
        out[row] = value === null || value === undefined ? null : String(value);
      }
      continue;
    }
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const nulls = data.nullCount > 0;
    for (let k = 0; k < data.length; k++, row++) out[row] = nulls && !data.getValid(k) ? null : buffer.toString('utf8', offsets[k]!, offsets[k + 1]!);
  }
  return out;
}

export function keyValuesOf(vector: Vector, kind: StoredKind): KeyValues {
  return kind === 'string' ? { kind: 'string', values: stringsOf(vector) } : { kind: 'number', values: numbersOf(vector) };
}

/** One column in the store's form: float64 for numbers, UTF-8 for text, bits for booleans. */
export function storedData(vector: Vector, kind: StoredKind): Data {
  if (kind === 'boolean') return singleData(vector);
  if (kind === 'string') {
    if (DataType.isUtf8(vector.type)) return singleData(vector);
    return utf8Data(stringsOf(vector));
  }
  if (DataType.isFloat(vector.type) && vector.type.precision === 2) return singleData(vector);
  return float64Data(numbersOf(vector));
}

export function float64Data(values: Float64Array): Data {
  let nullCount = 0;
  let bitmap: Uint8Array | undefined;
  for (let k = 0; k < values.length; k++) {
    if (values[k] !== values[k]) {
      if (!bitmap) {
        bitmap = new Uint8Array((values.length + 7) >> 3).fill(0xff);
      }
      bitmap[k >> 3]! &= ~(1 << (k & 7));
      nullCount++;
    }
  }
  return makeData({ type: new Float64(), length: values.length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: values } as never);
}

export function utf8Data(values: readonly (string | null)[]): Data {
  return stringColumn(values).data[0]!;
}

/**
 * Event times as epoch milliseconds (NaN where missing): numbers are taken as epoch
 * milliseconds, text is parsed as a date (ISO 8601: '2024-05-01', '2024-05-01T10:00:00Z'),
 * dates and timestamps are converted. Text that is not a date is a NodeError naming the
 * column, the row and the value.
 */
export function timestampsOf(vector: Vector, column: string, field: string): Float64Array {
  const kind = columnKind(vector.type);
  if (kind === 'int' || kind === 'float') return numbersOf(vector);
  if (kind === 'bool') throw new NodeError(`timestamp column '${column}' holds true/false values, not times; use a column of dates or epoch milliseconds`, { field });
  const out = new Float64Array(vector.length);
  if (kind === 'string') {
    const texts = stringsOf(vector);
    let previous = '';
    let parsed = NaN;
    for (let row = 0; row < texts.length; row++) {
      const text = texts[row];
      if (text === null || text === undefined || text.trim() === '') {
        out[row] = NaN;
        continue;
      }
      if (text !== previous) {
        previous = text;
        parsed = Date.parse(text);
        if (parsed !== parsed) throw new NodeError(`timestamp column '${column}', row ${row + 1}: '${text.length > 40 ? `${text.slice(0, 40)}…` : text}' is not a date; write ISO 8601 ('2024-05-01' or '2024-05-01T10:00:00Z') or epoch milliseconds`, { field });
      }
      out[row] = parsed;
    }
    return out;
  }
  for (let row = 0; row < vector.length; row++) {
    const value = vector.get(row) as unknown;
    if (value === null || value === undefined) out[row] = NaN;
    else if (value instanceof Date) out[row] = value.getTime();
    else if (typeof value === 'number') out[row] = value;
    else if (typeof value === 'bigint') out[row] = Number(value);
    else throw new NodeError(`timestamp column '${column}' is ${String(vector.type)}, which is not a time; use a column of dates or epoch milliseconds`, { field });
  }
  return out;
}

/** Where each matched global row lies: its partition and its row inside it (-1: no match). */
export interface RowLocations {
  readonly part: Int32Array;
  readonly local: Int32Array;
}

export function locateRows(matched: Int32Array, partStarts: readonly number[]): RowLocations {
  const part = new Int32Array(matched.length);
  const local = new Int32Array(matched.length);
  const last = partStarts.length - 2;
  for (let j = 0; j < matched.length; j++) {
    const row = matched[j]!;
    if (row < 0) {
      part[j] = -1;
      continue;
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (partStarts[mid]! <= row) lo = mid;
      else hi = mid - 1;
    }
    part[j] = lo;
    local[j] = row - partStarts[lo]!;
  }
  return { part, local };
}

/** The output column: for each entity row, the matched row's value from its partition's chunk, or null. */
export function gatherColumn(chunks: readonly Data[], at: RowLocations, kind: StoredKind): Data {
  const count = at.part.length;
  const bitmap = new Uint8Array((count + 7) >> 3);
  let nullCount = 0;
  const valid = (k: number, data: Data | undefined, local: number): boolean => {
    if (data === undefined || (data.nullCount > 0 && !data.getValid(local))) {
      nullCount++;
      return false;
    }
    bitmap[k >> 3]! |= 1 << (k & 7);
    return true;
  };
  if (kind === 'number') {
    const out = new Float64Array(count);
    for (let k = 0; k < count; k++) {
      const p = at.part[k]!;
      const data = p < 0 ? undefined : chunks[p];
      const local = at.local[k]!;
      if (valid(k, data, local)) out[k] = (data!.values as Float64Array)[local]!;
    }
    return makeData({ type: new Float64(), length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: out } as never);
  }
  if (kind === 'boolean') {
    const bits = new Uint8Array((count + 7) >> 3);
    for (let k = 0; k < count; k++) {
      const p = at.part[k]!;
      const data = p < 0 ? undefined : chunks[p];
      const local = at.local[k]!;
      if (!valid(k, data, local)) continue;
      const bit = data!.offset + local;
      if (((data!.values as Uint8Array)[bit >> 3]! >> (bit & 7)) & 1) bits[k >> 3]! |= 1 << (k & 7);
    }
    return makeData({ type: new Bool(), length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: bits });
  }
  let total = 0;
  for (let k = 0; k < count; k++) {
    const p = at.part[k]!;
    if (p < 0) continue;
    const offsets = chunks[p]!.valueOffsets as Int32Array;
    const local = at.local[k]!;
    total += offsets[local + 1]! - offsets[local]!;
  }
  const bytes = new Uint8Array(total);
  const valueOffsets = new Int32Array(count + 1);
  let w = 0;
  for (let k = 0; k < count; k++) {
    const p = at.part[k]!;
    const data = p < 0 ? undefined : chunks[p];
    const local = at.local[k]!;
    if (valid(k, data, local)) {
      const offsets = data!.valueOffsets as Int32Array;
      const values = data!.values as Uint8Array;
      bytes.set(values.subarray(offsets[local]!, offsets[local + 1]!), w);
      w += offsets[local + 1]! - offsets[local]!;
    }
    valueOffsets[k + 1] = w;
  }
  return makeData({ type: new Utf8(), length: count, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, valueOffsets, data: bytes });
}
