/**
 * Column plumbing for the recipe steps: numeric columns as Float64Array (NaN = missing),
 * any column as dense category ids (its values' string form), and building the output
 * table with columns replaced at their position. Everything works on typed arrays, so a
 * step costs the same per row for one row (the model server) or a million (batch).
 */
import { DataType, Field, Float64, Precision, RecordBatch, Schema, Struct, Table, Utf8, makeData, makeVector, type Data } from 'apache-arrow';
import { compactTable } from '../../data/table-ops.js';

/** A column of the table being rebuilt: its field (name, type) and its one chunk of data. */
export interface Column {
  readonly field: Field;
  readonly data: Data;
}

/** The table's columns, one Data each (chunks merged). */
export function tableColumns(table: Table): Column[] {
  const compact = compactTable(table);
  return compact.schema.fields.map((field, k) => ({ field, data: compact.getChildAt(k)!.data[0]! }));
}

/** A table from columns that all have `length` values, keeping the source table's schema metadata. */
export function buildTable(columns: readonly Column[], length: number, metadata: Map<string, string>): Table {
  const fields = columns.map((column) => column.field);
  const schema = new Schema(fields, metadata);
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map((column) => column.data) });
  return new Table(schema, new RecordBatch(schema, struct));
}

export function newColumn(name: string, data: Data): Column {
  return { field: new Field(name, data.type, true), data };
}

export function indexOfColumn(columns: readonly Column[], name: string): number {
  return columns.findIndex((column) => column.field.name === name);
}

/** True for the types whose values are numbers (ints, floats, booleans as 0/1). */
export function isNumericType(type: DataType): boolean {
  return DataType.isInt(type) || DataType.isFloat(type) || DataType.isBool(type);
}

/**
 * A column with no type information, only nulls (what JSON `[null]` becomes): every step
 * treats it as missing values of whatever kind it expects.
 */
export function isNullType(type: DataType): boolean {
  return DataType.isNull(type);
}

export function isTextType(type: DataType): boolean {
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return true;
  return DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary));
}

/**
 * No value at all: the Null type, or every cell null whatever the type (a CSV column of
 * only NA cells is text). Steps read it as missing values of the kind they expect.
 */
export function isAllMissing(data: Data): boolean {
  return isNullType(data.type) || (data.length > 0 && data.nullCount === data.length);
}

/** `text`, `Int32`…: how error messages name a column's type. */
export function typeName(type: DataType): string {
  return isTextType(type) ? 'text' : String(type);
}

/**
 * The column's values as numbers, NaN where missing (null, or NaN itself). Booleans are
 * 0/1; a column without any value is all NaN. Undefined for any other type (text, dates…).
 */
export function numericValues(data: Data): Float64Array | undefined {
  const type = data.type;
  const out = new Float64Array(data.length);
  if (isAllMissing(data)) return out.fill(NaN);
  if (!isNumericType(type)) return undefined;
  const nulls = data.nullCount > 0;
  if (DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    for (let k = 0; k < data.length; k++) {
      const bit = data.offset + k;
      out[k] = nulls && !data.getValid(k) ? NaN : (bits[bit >> 3]! >> (bit & 7)) & 1;
    }
    return out;
  }
  if (DataType.isFloat(type) && type.precision === Precision.HALF) {
    const vector = makeVector(data);
    for (let k = 0; k < data.length; k++) out[k] = (vector.get(k) as number | null) ?? NaN;
    return out;
  }
  const values = data.values as ArrayLike<number | bigint>;
  if (typeof values[0] === 'bigint') {
    for (let k = 0; k < data.length; k++) out[k] = nulls && !data.getValid(k) ? NaN : Number(values[k]!);
    return out;
  }
  const plain = values as ArrayLike<number>;
  if (!nulls) {
    for (let k = 0; k < data.length; k++) out[k] = plain[k]!;
    return out;
  }
  for (let k = 0; k < data.length; k++) out[k] = data.getValid(k) ? plain[k]! : NaN;
  return out;
}

/**
 * A Float64 column over `values` (taken, not copied). Anything not finite (NaN, ±Infinity)
 * becomes null: a recipe step never emits Infinity or NaN.
 */
export function float64Data(values: Float64Array): Data<Float64> {
  const length = values.length;
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  for (let k = 0; k < length; k++) {
    const value = values[k]!;
    if (value - value !== 0) {
      // Only NaN and ±Infinity fail x - x === 0.
      if (!bitmap) {
        bitmap = new Uint8Array((length + 7) >> 3);
        for (let j = 0; j < k; j++) bitmap[j >> 3]! |= 1 << (j & 7);
      }
      values[k] = 0;
      nullCount++;
    } else if (bitmap) bitmap[k >> 3]! |= 1 << (k & 7);
  }
  return makeData({ type: new Float64(), length, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, data: values });
}

/** Dense ids for the distinct values of a column, in first-seen order; -1 where missing. */
export interface CategoryCodes {
  readonly ids: Int32Array;
  /** values[id] is the string form of that value (`'3'`, `'2.5'`, `'true'`, `'Adelie'`). */
  readonly values: readonly string[];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Interns UTF-8 byte ranges without decoding each cell to a JS string: an open-addressing
 * hash table over the bytes, with one copy of each distinct value in an arena. Only the
 * distinct values are decoded, at the end.
 */
class Utf8Interner {
  private slots = new Int32Array(64);
  private hashes = new Int32Array(32);
  private starts = new Int32Array(32);
  private ends = new Int32Array(32);
  private arena = new Uint8Array(1024);
  private used = 0;
  count = 0;

  intern(bytes: Uint8Array, start: number, end: number): number {
    let hash = FNV_OFFSET;
    for (let b = start; b < end; b++) hash = Math.imul(hash ^ bytes[b]!, FNV_PRIME);
    const mask = this.slots.length - 1;
    let slot = hash & mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.hashes[id] === hash && this.equals(id, bytes, start, end)) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.add(hash, bytes, start, end);
    this.slots[slot] = id + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return id;
  }

  private equals(id: number, bytes: Uint8Array, start: number, end: number): boolean {
    const s = this.starts[id]!;
    if (this.ends[id]! - s !== end - start) return false;
    for (let b = 0; b < end - start; b++) if (this.arena[s + b] !== bytes[start + b]) return false;
    return true;
  }

  private add(hash: number, bytes: Uint8Array, start: number, end: number): number {
    const id = this.count++;
    if (id >= this.hashes.length) {
      this.hashes = grow(this.hashes, id * 2);
      this.starts = grow(this.starts, id * 2);
      this.ends = grow(this.ends, id * 2);
    }
    const length = end - start;
    if (this.used + length > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + length));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    this.arena.set(bytes.subarray(start, end), this.used);
    this.hashes[id] = hash;
    this.starts[id] = this.used;
    this.ends[id] = this.used + length;
    this.used += length;
    return id;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.hashes[id]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }

  values(): string[] {
    const decoder = new TextDecoder();
    const out: string[] = new Array(this.count);
    for (let id = 0; id < this.count; id++) out[id] = decoder.decode(this.arena.subarray(this.starts[id]!, this.ends[id]!));
    return out;
  }
}

function grow(array: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(size);
  bigger.set(array);
  return bigger;
}

/** The string form of any cell value: numbers as JS prints them, booleans as true/false. */
export function stringForm(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * Category ids of any column: text by its bytes, numbers and booleans by their string form
 * (so 3 and '3' are the same category, whether a request sends a number or a string).
 */
export function categoryCodes(data: Data): CategoryCodes {
  const type = data.type;
  const length = data.length;
  const ids = new Int32Array(length);
  const nulls = data.nullCount > 0;
  if (isNullType(type)) return { ids: ids.fill(-1), values: [] };
  if (DataType.isUtf8(type)) {
    const interner = new Utf8Interner();
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let k = 0; k < length; k++) ids[k] = nulls && !data.getValid(k) ? -1 : interner.intern(bytes, offsets[k]!, offsets[k + 1]!);
    return { ids, values: interner.values() };
  }
  if (isNumericType(type)) {
    const numbers = numericValues(data)!;
    const seen = new Map<number, number>();
    const values: string[] = [];
    for (let k = 0; k < length; k++) {
      const x = numbers[k]!;
      if (Number.isNaN(x)) {
        ids[k] = -1;
        continue;
      }
      let id = seen.get(x);
      if (id === undefined) {
        id = values.length;
        seen.set(x, id);
        values.push(DataType.isBool(type) ? String(x === 1) : String(x));
      }
      ids[k] = id;
    }
    return { ids, values };
  }
  if (DataType.isDictionary(type) && data.dictionary?.data.length === 1 && type.indices.bitWidth <= 32) {
    // What JSON rows become (tableFromJSON): codes of the dictionary, looked up by index.
    const inner = categoryCodes(data.dictionary.data[0]!);
    const indices = data.values as ArrayLike<number>;
    for (let k = 0; k < length; k++) ids[k] = nulls && !data.getValid(k) ? -1 : inner.ids[indices[k]!]!;
    return { ids, values: inner.values };
  }
  // Large strings, dates…: rare here, so through Arrow's getters.
  const vector = makeVector(data);
  const seen = new Map<string, number>();
  const values: string[] = [];
  for (let k = 0; k < length; k++) {
    const value: unknown = vector.get(k);
    if (value === null || value === undefined) {
      ids[k] = -1;
      continue;
    }
    const text = stringForm(value);
    let id = seen.get(text);
    if (id === undefined) {
      id = values.length;
      seen.set(text, id);
      values.push(text);
    }
    ids[k] = id;
  }
  return { ids, values };
}

/**
 * A Utf8 column from category ids: values[id] per row, `fill` (or null) where the id is -1.
 * Each distinct value is encoded once.
 */
export function utf8FromCodes(codes: CategoryCodes, fill?: string): Data<Utf8> {
  const encoder = new TextEncoder();
  const encoded = codes.values.map((value) => encoder.encode(value));
  const filler = fill === undefined ? undefined : encoder.encode(fill);
  const length = codes.ids.length;
  let total = 0;
  let nullCount = 0;
  for (let k = 0; k < length; k++) {
    const id = codes.ids[k]!;
    if (id >= 0) total += encoded[id]!.length;
    else if (filler) total += filler.length;
    else nullCount++;
  }
  const bytes = new Uint8Array(total);
  const offsets = new Int32Array(length + 1);
  const bitmap = nullCount > 0 ? new Uint8Array((length + 7) >> 3) : undefined;
  let at = 0;
  for (let k = 0; k < length; k++) {
    const id = codes.ids[k]!;
    const value = id >= 0 ? encoded[id] : filler;
    if (value) {
      bytes.set(value, at);
      at += value.length;
      if (bitmap) bitmap[k >> 3]! |= 1 << (k & 7);
    }
    offsets[k + 1] = at;
  }
  return makeData({ type: new Utf8(), length, nullCount, nullBitmap: bitmap, valueOffsets: offsets, data: bytes });
}
