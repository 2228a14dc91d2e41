/**
 * Writing a table to a file in one of the formats users exchange tables in, atomically:
 * the bytes go to a temp file beside the target, are fsynced, then renamed over it. A
 * crash or cancel leaves the old file (or none), never half a file.
 *
 * - csv: see text-writers.ts (a header, nulls as empty cells)
 * - jsonl: one object per row, see text-writers.ts
 * - parquet: zstd-compressed Parquet, see parquet-io.ts
 * - arrow: Arrow IPC file (Feather v2), exactly the engine's table artifact: the recipe
 *   travels in the schema metadata (arrow-io.ts)
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { NodeError } from '../base/errors.js';
import { encodeTable } from './arrow-io.js';
import { writeParquetTo } from './parquet-io.js';
import { quoteName } from './source-file.js';
import type { DataTable } from '../base/table.js';
import { writeCsvTo, writeJsonLinesTo } from './text-writers.js';

export const TABLE_FILE_FORMATS = ['csv', 'parquet', 'jsonl', 'arrow'] as const;
export type TableFileFormat = (typeof TABLE_FILE_FORMATS)[number];

/** The file name endings each format usually has. */
export const FORMAT_EXTENSIONS: Record<TableFileFormat, readonly string[]> = {
  csv: ['.csv'],
  parquet: ['.parquet', '.pq'],
  jsonl: ['.jsonl', '.ndjson'],
  arrow: ['.arrow', '.feather', '.ipc'],
};

export interface TableWriteOptions {
  /** The path as the user wrote it, for messages. */
  name?: string;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * Writes `path` atomically: `write` fills a temp file in the same folder (so the rename
 * stays on one file system), which is fsynced and renamed over `path`. Missing folders are
 * made. Returns the file's size.
 */
export async function writeFileAtomically(path: string, write: (handle: FileHandle) => Promise<void>, name = path): Promise<number> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new NodeError(`${quoteName(name)} is a folder; name a file to write`, { field: 'path' });
  const folder = dirname(path);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new NodeError(`cannot make the folder for ${quoteName(name)}: ${(error as Error).message}`, { field: 'path', cause: error });
  }
  const temp = join(folder, `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle;
  try {
    handle = await open(temp, 'wx');
  } catch (error) {
    throw new NodeError(`cannot write in the folder of ${quoteName(name)}: ${(error as Error).message}`, { field: 'path', cause: error });
  }
  let done = false;
  try {
    await write(handle);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
    done = true;
  } finally {
    if (!done) {
      await handle.close().catch(() => {});
      await rm(temp, { force: true });
    }
  }
  // The rename itself is durable once the folder is synced (not possible everywhere: best effort).
  await open(folder, 'r')
    .then(async (dir) => {
      await dir.sync().catch(() => {});
      await dir.close();
    })
    .catch(() => {});
  return (await stat(path)).size;
}

/** Writes the table (every row and column, nulls kept) to `path` in `format`; returns the bytes written. */
export async function exportTable(table: DataTable, path: string, format: TableFileFormat, options: TableWriteOptions = {}): Promise<number> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const name = options.name ?? path;
  return writeFileAtomically(
    path,
    async (handle) => {
      switch (format) {
        case 'csv':
          await writeCsvTo(table.table, handle, { signal, onProgress });
          return;
        case 'jsonl':
          await writeJsonLinesTo(table.table, handle, { signal, onProgress });
          return;
        case 'parquet':
          await writeParquetTo(table.table, handle, { signal, onProgress });
          return;
        case 'arrow':
          await handle.write(encodeTable(table));
          onProgress?.(1);
          return;
        default:
          throw new NodeError(`format '${String(format)}' is not one of ${TABLE_FILE_FORMATS.join(', ')}`, { field: 'format' });
      }
    },
    name,
  );
}
