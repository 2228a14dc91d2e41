/**
 * A column built from values that arrive one row at a time (JSON records, SQLite rows),
 * typed the way the CSV reader types its columns: Int32 while every number is an integer
 * in Int32 range, else Float64; Bool; Utf8. Nested JSON values are kept as their JSON
 * text (Utf8). A column without any value is Utf8, all null.
 *
 * Values go straight into typed arrays and one UTF-8 buffer (no per-row JS objects), and
 * a column holds one kind of value: the reader asks `kind` before appending and reports a
 * mismatch itself, because only it knows the line or record to name.
 */
import { Bool, Float64, Int32, Utf8, makeData, type Data } from 'apache-arrow';
import { NodeError } from '../base/errors.js';

/** The kinds of value a column may hold; `nested` is a JSON object or array. */
export type ValueKind = 'number' | 'boolean' | 'string' | 'nested';

/** Utf8 offsets are 32-bit: one column holds at most 2 GiB of text. */
const MAX_TEXT_BYTES = 0x7fffffff;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0);
}

/** The first `length` items; copied when the array is much larger, so growth slack is not kept alive. */
function fitted<T extends Uint8Array | Int32Array | Float64Array>(array: T, length: number): T {
  return (array.length > length + (length >> 3) + 64 ? array.slice(0, length) : array.subarray(0, length)) as T;
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(array: T, minimum: number, used: number): T {
  const next = new (array.constructor as new (length: number) => T)(Math.max(minimum, array.length * 2, 16));
  next.set(array.subarray(0, used));
  return next;
}

const encoder = new TextEncoder();

export class ColumnBuilder {
  /** Rows appended so far (values and nulls). */
  length = 0;
  /** Undefined until the first non-null value. */
  kind: ValueKind | undefined;
  /** Where the first value was (a line or record number, as the reader counts). */
  firstAt = 0;
  /** The column's name as UTF-8 bytes (readers compare keys against it without decoding). */
  readonly nameBytes: Uint8Array;

  private valid = new Uint8Array(16);
  private nullCount = 0;
  private int32: Int32Array | undefined;
  private float64: Float64Array | undefined;
  private bits: Uint8Array | undefined;
  private text: Uint8Array | undefined;
  private offsets: Int32Array | undefined;
  private textUsed = 0;

  constructor(readonly name: string) {
    this.nameBytes = encoder.encode(name);
  }

  /**
   * Sets the kind at the first value; the caller has checked that `kind` is undefined or
   * equal. `float` makes a number column Float64 from the start (its source type was float).
   */
  start(kind: ValueKind, at: number, float = false): void {
    this.kind = kind;
    this.firstAt = at;
    if (kind === 'number' && float) this.float64 = new Float64Array(Math.max(16, this.length * 2));
    else if (kind === 'number') this.int32 = new Int32Array(Math.max(16, this.length * 2));
    else if (kind === 'boolean') this.bits = new Uint8Array(Math.max(16, this.length >> 2));
    else {
      this.offsets = new Int32Array(Math.max(16, this.length * 2));
      this.text = new Uint8Array(256);
    }
  }

  /** Appends nulls until the column has `rows` rows (keys missing from records). */
  padTo(rows: number): void {
    if (rows <= this.length) return;
    this.reserve(rows);
    if (this.offsets) this.offsets.fill(this.textUsed, this.length + 1, rows + 1);
    this.nullCount += rows - this.length;
    this.length = rows;
  }

  appendNull(): void {
    this.padTo(this.length + 1);
  }

  /** A number; `integral` says its text had no fraction or exponent (JSON) or it was an SQLite INTEGER. */
  appendNumber(value: number, integral: boolean): void {
    const row = this.length;
    this.reserve(row + 1);
    if (this.float64 === undefined && (!integral || !isInt32(value))) this.toFloat64();
    if (this.float64 !== undefined) this.float64[row] = value;
    else this.int32![row] = value;
    this.markValid(row);
  }

  appendBoolean(value: boolean): void {
    const row = this.length;
    this.reserve(row + 1);
    if (value) this.bits![row >> 3]! |= 1 << (row & 7);
    this.markValid(row);
  }

  /** UTF-8 bytes[start, end), valid UTF-8 (the reader checked). */
  appendUtf8(bytes: Uint8Array, start: number, end: number): void {
    const target = this.textSpace(end - start);
    if (end - start > 24) target.set(bytes.subarray(start, end), this.textUsed);
    else for (let k = start, w = this.textUsed; k < end; k++, w++) target[w] = bytes[k]!;
    this.textUsed += end - start;
    this.endText();
  }

  appendString(value: string): void {
    const target = this.textSpace(value.length * 3);
    this.textUsed += encoder.encodeInto(value, target.subarray(this.textUsed)).written;
    this.endText();
  }

  /** Room for `bytes` more bytes of text; the caller writes them at `textUsed` and calls `endText`. */
  textSpace(bytes: number): Uint8Array {
    const need = this.textUsed + bytes;
    if (need > this.text!.length) {
      if (need > MAX_TEXT_BYTES) throw new NodeError(`column '${this.name}' holds more than 2 GiB of text, more than one column can hold; split the file`);
      this.text = grown(this.text!, Math.min(MAX_TEXT_BYTES, need), this.textUsed);
    }
    return this.text!;
  }

  /** Text written into textSpace(): the bytes after the last value, up to `used`. */
  commitText(used: number): void {
    this.textUsed = used;
    this.endText();
  }

  get textEnd(): number {
    return this.textUsed;
  }

  /** Bytes of the arrays this column holds now, growth slack included (for memory budgets). */
  get allocatedBytes(): number {
    return (
      this.valid.byteLength +
      (this.int32?.byteLength ?? 0) +
      (this.float64?.byteLength ?? 0) +
      (this.bits?.byteLength ?? 0) +
      (this.offsets?.byteLength ?? 0) +
      (this.text?.byteLength ?? 0)
    );
  }

  private endText(): void {
    const row = this.length;
    this.reserve(row + 1);
    this.offsets![row + 1] = this.textUsed;
    this.markValid(row);
  }

  private markValid(row: number): void {
    this.valid[row >> 3]! |= 1 << (row & 7);
    this.length = row + 1;
  }

  private reserve(rows: number): void {
    const bytes = (rows + 7) >> 3;
    if (bytes > this.valid.length) this.valid = grown(this.valid, bytes, (this.length + 7) >> 3);
    if (this.int32 && rows > this.int32.length) this.int32 = grown(this.int32, rows, this.length);
    if (this.float64 && rows > this.float64.length) this.float64 = grown(this.float64, rows, this.length);
    if (this.bits && bytes > this.bits.length) this.bits = grown(this.bits, bytes, (this.length + 7) >> 3);
    if (this.offsets && rows + 1 > this.offsets.length) this.offsets = grown(this.offsets, rows + 1, this.length + 1);
  }

  private toFloat64(): void {
    const float64 = new Float64Array(this.int32!.length);
    for (let k = 0; k < this.length; k++) float64[k] = this.int32![k]!;
    this.float64 = float64;
    this.int32 = undefined;
  }

  /** The Arrow column, `rows` long (padded with nulls). */
  finish(rows: number): Data<Int32> | Data<Float64> | Data<Bool> | Data<Utf8> {
    this.padTo(rows);
    if (this.kind === undefined) this.start('string', 0);
    const length = this.length;
    const nullCount = this.nullCount;
    let nullBitmap: Uint8Array | undefined;
    if (nullCount > 0) {
      // Exact length, bits past the last row cleared: equal input, equal bytes.
      nullBitmap = this.valid.slice(0, (length + 7) >> 3);
      if (length & 7) nullBitmap[nullBitmap.length - 1]! &= (1 << (length & 7)) - 1;
    }
    if (this.kind === 'number') {
      if (this.float64) return makeData({ type: new Float64(), length, nullCount, nullBitmap, data: fitted(this.float64, length) });
      return makeData({ type: new Int32(), length, nullCount, nullBitmap, data: fitted(this.int32!, length) });
    }
    if (this.kind === 'boolean') return makeData({ type: new Bool(), length, nullCount, nullBitmap, data: fitted(this.bits!, (length + 7) >> 3) });
    return makeData({ type: new Utf8(), length, nullCount, nullBitmap, valueOffsets: fitted(this.offsets!, length + 1), data: fitted(this.text!, this.textUsed) });
  }
}

/** How a kind reads in an error message. */
export function kindName(kind: ValueKind, plural = false): string {
  const names: Record<ValueKind, [string, string]> = {
    number: ['a number', 'numbers'],
    boolean: ['a boolean', 'booleans'],
    string: ['a string', 'strings'],
    nested: ['an object or array', 'objects or arrays'],
  };
  return names[kind][plural ? 1 : 0];
}
