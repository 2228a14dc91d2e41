/**
 * Parquet files through parquet-wasm (Rust's parquet crate compiled to WebAssembly, Node
 * build), which hands Arrow IPC bytes to apache-arrow.
 *
 * Reading goes one row group at a time (the file is opened as a Blob, so only the bytes of
 * that row group are read) and each group's columns are normalised into the types the rest
 * of Tensorloom uses (arrow-normalize.ts) before the next one is decoded: memory stays
 * near the size of the final table. Writing streams slices of the table through the
 * Parquet writer (zstd compression) to a file handle.
 */
import { Buffer } from 'node:buffer';
import { openAsBlob } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tableToIPC, type Data, type Table } from 'apache-arrow';
import type * as ParquetWasmModule from 'parquet-wasm';
import type { ParquetFile } from 'parquet-wasm';
import { NodeError } from '../base/errors.js';
import { NormalizedColumn } from './arrow-normalize.js';
import { tableFromIpcBytes } from './arrow-wide.js';
import { DEFAULT_MAX_COLUMNS } from './csv.js';
import { fileError, makeTable, quoteName, yieldToEventLoop } from './source-file.js';

type ParquetWasm = typeof ParquetWasmModule;

let loaded: Promise<ParquetWasm> | undefined;

/** The WebAssembly module compiles on first use (a few hundred ms), not when the catalog loads. */
function parquetWasm(): Promise<ParquetWasm> {
  loaded ??= import('parquet-wasm');
  return loaded;
}

export interface ParquetReadOptions {
  signal?: AbortSignal;
  /**
   * Most columns the file may have, default DEFAULT_MAX_COLUMNS as for CSV; a wider
   * schema is a NodeError (field `maxColumns`), found from the footer before any row is read.
   */
  maxColumns?: number;
  /** Fraction done, 0..1, after each row group. */
  onProgress?: (fraction: number) => void;
}

export interface ParquetReadResult {
  readonly table: Table;
  readonly rowsRead: number;
  /** Columns whose type changed, e.g. `delay: Int64 → Int32`. */
  readonly conversions: readonly string[];
}

/** Rows per Arrow batch inside a row group (parquet-wasm's default of 1024 makes many tiny chunks). */
const BATCH_ROWS = 64 * 1024;
const MAGIC = 'PAR1';

/** Checks the `PAR1` markers at both ends, so a CSV renamed .parquet gets a plain answer. */
async function checkMagic(path: string, name: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size === 0) throw new NodeError(`${quoteName(name)} is empty`, { field: 'path' });
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(4);
    await handle.read(head, 0, 4, 0);
    if (size >= 8) await handle.read(tail, 0, 4, size - 4);
    if (size < 12 || head.toString('latin1') !== MAGIC || tail.toString('latin1') !== MAGIC) {
      throw new NodeError(`${quoteName(name)} is not a Parquet file (it lacks the PAR1 markers at its start and end)`, { field: 'path' });
    }
  } catch (error) {
    if (error instanceof NodeError) throw error;
    throw fileError(name, (error as NodeJS.ErrnoException).code, error, 'a Parquet file');
  } finally {
    await handle?.close();
  }
}

function parquetError(name: string, error: unknown): NodeError {
  const message = error instanceof Error ? error.message : String(error);
  return new NodeError(`${quoteName(name)} cannot be read as Parquet: ${message}`, { field: 'path', cause: error });
}

export async function readParquetFile(source: { path: string; name?: string }, options: ParquetReadOptions = {}): Promise<ParquetReadResult> {
  const name = source.name ?? source.path;
  const { signal, onProgress } = options;
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  if (!Number.isSafeInteger(maxColumns) || maxColumns < 1) {
    throw new NodeError(`maxColumns must be a whole number of at least 1, not ${maxColumns}`, { field: 'maxColumns' });
  }
  await checkMagic(source.path, name);
  signal?.throwIfAborted();
  const parquet = await parquetWasm();
  let file: ParquetFile;
  try {
    file = await parquet.ParquetFile.fromFile(await openAsBlob(source.path));
  } catch (error) {
    throw parquetError(name, error);
  }
  try {
    let groups: number;
    let total: number;
    let fields: Table['schema']['fields'];
    try {
      const metadata = file.metadata();
      groups = metadata.numRowGroups();
      total = metadata.fileMetadata().numRows();
      fields = tableFromIpcBytes(file.schema().intoIPCStream()).schema.fields;
    } catch (error) {
      throw parquetError(name, error);
    }
    if (fields.length > maxColumns) {
      const number = (n: number) => n.toLocaleString('en-US');
      throw new NodeError(
        `${quoteName(name)} has ${number(fields.length)} columns, more than the limit of ${number(maxColumns)} (param maxColumns); raise maxColumns to read a table this wide`,
        { field: 'maxColumns' },
      );
    }
    const columns = fields.map((field) => new NormalizedColumn(field));
    let rows = 0;
    for (let group = 0; group < groups; group++) {
      signal?.throwIfAborted();
      let part: Table;
      try {
        part = tableFromIpcBytes((await file.read({ rowGroups: [group], batchSize: BATCH_ROWS })).intoIPCStream());
      } catch (error) {
        throw parquetError(name, error);
      }
      for (const batch of part.batches) {
        columns.forEach((column, k) => column.append(batch.data.children[k]!));
      }
      rows += part.numRows;
      onProgress?.(total > 0 ? rows / total : 1);
      await yieldToEventLoop();
    }
    signal?.throwIfAborted();
    const finished: Data[] = columns.map((column) => column.finish(rows));
    const names = columns.map((column) => column.name);
    const conversions = columns.flatMap((column, k) => {
      const note = column.describe(finished[k]!);
      return note === undefined ? [] : [`${names[k]}: ${note}`];
    });
    onProgress?.(1);
    return { table: makeTable(names, finished, rows), rowsRead: rows, conversions };
  } finally {
    file.free();
  }
}

export interface ParquetWriteOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/** Rows per slice handed to the Parquet writer. */
const WRITE_SLICE_ROWS = 64 * 1024;

/** Writes `table` as Parquet (zstd) to an open file handle, slice by slice; returns the bytes written. */
export async function writeParquetTo(table: Table, handle: FileHandle, options: ParquetWriteOptions = {}): Promise<number> {
  const parquet = await parquetWasm();
  const { signal, onProgress } = options;
  const properties = () => new parquet.WriterPropertiesBuilder().setCompression(parquet.Compression.ZSTD).build();
  if (table.numRows === 0) {
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, 'stream')), properties());
    await handle.write(bytes);
    return bytes.byteLength;
  }
  let row = 0;
  const slices = new ReadableStream({
    pull(controller) {
      if (signal?.aborted) return controller.error(signal.reason);
      if (row >= table.numRows) return controller.close();
      const slice = table.slice(row, row + WRITE_SLICE_ROWS);
      row += slice.numRows;
      const wasm = parquet.Table.fromIPCStream(tableToIPC(slice, 'stream'));
      for (const batch of wasm.recordBatches()) controller.enqueue(batch);
      wasm.free();
      onProgress?.(row / table.numRows);
    },
  });
  const output = await parquet.transformParquetStream(slices, properties());
  let written = 0;
  for await (const chunk of output as AsyncIterable<Uint8Array>) {
    await handle.write(chunk);
    written += chunk.byteLength;
  }
  signal?.throwIfAborted();
  return written;
}
