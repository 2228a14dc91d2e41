/**
 * Writing a table as CSV or JSON Lines, byte by byte into one reused buffer that is
 * flushed to the file handle between rows: no string per row, text cells copied as the
 * UTF-8 bytes they already are.
 *
 * Both write what the readers read back to the same table: Float64 values that happen
 * to be whole carry a `.0` (`3.0`), so the column stays Float64; Int32 values have none.
 * Columns of other types are first converted as the Parquet reader converts them
 * (arrow-normalize.ts: Int64 → Int32/Float64, timestamps → ISO text, nested → JSON text).
 */
import { DataType, type Data, type Table } from 'apache-arrow';
import type { FileHandle } from 'node:fs/promises';
import { NormalizedColumn } from './arrow-normalize.js';
import { compactTable } from './table-ops.js';

export interface TextWriteOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Bytes gathered before a write to the file. */
const FLUSH_BYTES = 1 << 20;
const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const encoder = new TextEncoder();

class ByteSink {
  private buffer = new Uint8Array(FLUSH_BYTES * 2);
  used = 0;
  written = 0;

  constructor(private readonly handle: FileHandle) {}

  /** Room for `bytes` more bytes at `used`. */
  reserve(bytes: number): Uint8Array {
    if (this.used + bytes > this.buffer.length) {
      const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.used + bytes));
      bigger.set(this.buffer.subarray(0, this.used));
      this.buffer = bigger;
    }
    return this.buffer;
  }

  byte(b: number): void {
    this.reserve(1)[this.used++] = b;
  }

  ascii(text: string): void {
    const target = this.reserve(text.length);
    for (let k = 0; k < text.length; k++) target[this.used++] = text.charCodeAt(k);
  }

  bytes(source: Uint8Array): void {
    this.reserve(source.length).set(source, this.used);
    this.used += source.length;
  }

  get full(): boolean {
    return this.used >= FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.handle.write(this.buffer, 0, this.used);
    this.written += this.used;
    this.used = 0;
  }
}

/** One column as a single Data of Int32, Float64, Bool or Utf8. */
function coreColumn(table: Table, k: number): Data {
  const field = table.schema.fields[k]!;
  const data = table.getChildAt(k)!.data[0]!;
  const type = field.type;
  const core =
    (DataType.isInt(type) && type.bitWidth === 32 && type.isSigned) ||
    (DataType.isFloat(type) && type.precision === 2) ||
    DataType.isBool(type) ||
    DataType.isUtf8(type);
  if (core) return data;
  const column = new NormalizedColumn(field);
  column.append(data);
  return column.finish(data.length);
}

function isValid(data: Data, row: number): boolean {
  if (data.nullCount === 0) return true;
  const bit = data.offset + row;
  return data.nullBitmap !== undefined && ((data.nullBitmap[bit >> 3]! >> (bit & 7)) & 1) === 1;
}

/** A Float64 as text the readers read back as a float: whole numbers get `.0`. */
function floatText(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return Object.is(value, -0) ? '-0.0' : `${value}.0`;
  return String(value);
}

type CellWriter = (sink: ByteSink, row: number) => void;

/** How one column's cells are written; `null` says the value is missing (the format writes it). */
function cellWriter(data: Data, text: (sink: ByteSink, bytes: Uint8Array, start: number, end: number) => void, special: (value: number) => string | null): CellWriter {
  const type = data.type;
  if (DataType.isInt(type)) {
    const values = data.values as Int32Array;
    return (sink, row) => sink.ascii(String(values[row]!));
  }
  if (DataType.isFloat(type)) {
    const values = data.values as Float64Array;
    return (sink, row) => {
      const value = values[row]!;
      sink.ascii(Number.isFinite(value) ? floatText(value) : (special(value) ?? ''));
    };
  }
  if (DataType.isBool(type)) {
    const bits = data.values as Uint8Array;
    return (sink, row) => {
      const bit = data.offset + row;
      sink.ascii((bits[bit >> 3]! >> (bit & 7)) & 1 ? 'true' : 'false');
    };
  }
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  return (sink, row) => text(sink, bytes, offsets[row]!, offsets[row + 1]!);
}

/** CSV text cell: quoted (quotes doubled) when it holds a comma, quote or line break. */
function csvText(sink: ByteSink, bytes: Uint8Array, start: number, end: number): void {
  let quote = false;
  for (let k = start; k < end; k++) {
    const b = bytes[k]!;
    if (b === COMMA || b === QUOTE || b === LF || b === CR) {
      quote = true;
      break;
    }
  }
  if (!quote) {
    const target = sink.reserve(end - start);
    target.set(bytes.subarray(start, end), sink.used);
    sink.used += end - start;
    return;
  }
  const target = sink.reserve(2 * (end - start) + 2);
  let w = sink.used;
  target[w++] = QUOTE;
  for (let k = start; k < end; k++) {
    const b = bytes[k]!;
    target[w++] = b;
    if (b === QUOTE) target[w++] = QUOTE;
  }
  target[w++] = QUOTE;
  sink.used = w;
}

const SHORT_ESCAPES: Record<number, number> = { 8: 98, 9: 116, 10: 110, 12: 102, 13: 114 };

/** JSON string from UTF-8 bytes: quotes, backslashes and control characters escaped. */
function jsonText(sink: ByteSink, bytes: Uint8Array, start: number, end: number): void {
  const target = sink.reserve(6 * (end - start) + 2);
  let w = sink.used;
  target[w++] = QUOTE;
  for (let k = start; k < end; k++) {
    const b = bytes[k]!;
    if (b >= 32 && b !== QUOTE && b !== BACKSLASH) {
      target[w++] = b;
    } else if (b === QUOTE || b === BACKSLASH) {
      target[w++] = BACKSLASH;
      target[w++] = b;
    } else if (SHORT_ESCAPES[b] !== undefined) {
      target[w++] = BACKSLASH;
      target[w++] = SHORT_ESCAPES[b];
    } else {
      const hex = b.toString(16).padStart(4, '0');
      target[w++] = BACKSLASH;
      target[w++] = 117;
      for (let h = 0; h < 4; h++) target[w++] = hex.charCodeAt(h);
    }
  }
  target[w++] = QUOTE;
  sink.used = w;
}

function csvName(name: string): Uint8Array {
  return encoder.encode(/[",\r\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name);
}

async function writeRows(
  table: Table,
  handle: FileHandle,
  options: TextWriteOptions,
  begin: (sink: ByteSink) => void,
  row: (sink: ByteSink, columns: readonly Data[], writers: readonly CellWriter[], r: number) => void,
  writerFor: (data: Data) => CellWriter,
): Promise<number> {
  const single = compactTable(table);
  const columns = single.schema.fields.map((_, k) => coreColumn(single, k));
  const writers = columns.map(writerFor);
  const sink = new ByteSink(handle);
  begin(sink);
  const rows = single.numRows;
  for (let r = 0; r < rows; r++) {
    row(sink, columns, writers, r);
    if (sink.full) {
      await sink.flush();
      options.signal?.throwIfAborted();
      options.onProgress?.(r / rows);
    }
  }
  await sink.flush();
  options.signal?.throwIfAborted();
  options.onProgress?.(1);
  return sink.written;
}

/** CSV: a header, `,` between fields, LF line ends, empty cells for nulls, NaN empty, ±inf as `inf`/`-inf`. */
export function writeCsvTo(table: Table, handle: FileHandle, options: TextWriteOptions = {}): Promise<number> {
  const header = table.schema.fields.map((field) => csvName(field.name));
  return writeRows(
    table,
    handle,
    options,
    (sink) => {
      header.forEach((name, k) => {
        if (k > 0) sink.byte(COMMA);
        sink.bytes(name);
      });
      sink.byte(LF);
    },
    (sink, columns, writers, r) => {
      for (let c = 0; c < columns.length; c++) {
        if (c > 0) sink.byte(COMMA);
        if (isValid(columns[c]!, r)) writers[c]!(sink, r);
      }
      sink.byte(LF);
    },
    (data) => cellWriter(data, csvText, (value) => (Number.isNaN(value) ? null : value > 0 ? 'inf' : '-inf')),
  );
}

/** JSON Lines: one object per row with every column (null where missing); NaN and ±Infinity, which JSON lacks, are null. */
export function writeJsonLinesTo(table: Table, handle: FileHandle, options: TextWriteOptions = {}): Promise<number> {
  const keys = table.schema.fields.map((field, k) => encoder.encode(`${k === 0 ? '{' : ','}${JSON.stringify(field.name)}:`));
  return writeRows(
    table,
    handle,
    options,
    () => {},
    (sink, columns, writers, r) => {
      for (let c = 0; c < columns.length; c++) {
        sink.bytes(keys[c]!);
        if (isValid(columns[c]!, r)) writers[c]!(sink, r);
        else sink.ascii('null');
      }
      sink.ascii(columns.length === 0 ? '{}\n' : '}\n');
    },
    (data) => cellWriter(data, jsonText, () => 'null'),
  );
}
