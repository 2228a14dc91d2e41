/**
 * Appending a table to a CSV or JSON Lines file, atomically and at most once per stream
 * batch (data.write `mode: append`).
 *
 * The node's durable state (ctx.state) holds, per file, the batch appended last and, while
 * an append is under way, the file's size before it. An append that a crash cut short (or
 * finished without being recorded) is rolled back to that size the next time, so the file
 * never keeps half a batch; and a batch whose id is the last one appended (a streaming run
 * replaying a batch whose offset was not committed) is not appended again.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rm, stat, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NodeState } from '../base/context.js';
import { NodeError } from '../base/errors.js';
import type { DataTable } from '../base/table.js';
import { exportTable } from './writers.js';

export const APPEND_FORMATS = ['csv', 'jsonl'] as const;

interface AppendState {
  /** The stream batch appended last (null: a plain run's append). */
  last: string | null;
  /** Set while an append is under way: the file's size before it, and the batch. */
  pending?: { size: number; batch: string | null };
}

export interface AppendOptions {
  /** The file as the pipeline names it, for messages. */
  readonly name: string;
  /** The stream batch being appended (ctx.stream.batch); undefined in a plain run. */
  readonly batch: string | undefined;
  readonly state: NodeState;
  /** A scratch path to render the rows in. */
  readonly tempPath: string;
  readonly signal?: AbortSignal;
}

export interface AppendResult {
  /** False when this batch was appended before (a replay). */
  readonly appended: boolean;
  readonly bytes: number;
  /** Bytes rolled back from an append a crash left unfinished. */
  readonly rolledBack: number;
}

export async function appendTable(value: DataTable, path: string, format: (typeof APPEND_FORMATS)[number], options: AppendOptions): Promise<AppendResult> {
  const key = `append:${createHash('sha256').update(path).digest('hex').slice(0, 40)}`;
  const saved = (await options.state.get(key)) as unknown as AppendState | undefined;
  let size = await fileSize(path);
  let rolledBack = 0;
  if (saved?.pending && size > saved.pending.size) {
    rolledBack = size - saved.pending.size;
    await truncate(path, saved.pending.size);
    size = saved.pending.size;
  }
  if (options.batch !== undefined && saved?.last === options.batch) {
    if (saved.pending) await options.state.set(key, { last: saved.last });
    return { appended: false, bytes: 0, rolledBack };
  }
  await exportTable(value, options.tempPath, format, { name: options.name, ...(options.signal ? { signal: options.signal } : {}) });
  let bytes: Buffer = await readFile(options.tempPath);
  await rm(options.tempPath, { force: true });
  if (format === 'csv' && size > 0) {
    const header = firstLine(bytes);
    const existing = firstLine(await readHead(path));
    if (header.text !== existing.text) {
      throw new NodeError(`cannot append to '${options.name}': its columns are ${existing.text.trim()}, the table's are ${header.text.trim()}`, { field: 'path' });
    }
    bytes = bytes.subarray(header.length);
  }
  options.signal?.throwIfAborted();
  await mkdir(dirname(path), { recursive: true });
  await options.state.set(key, { last: saved?.last ?? null, pending: { size, batch: options.batch ?? null } });
  const handle = await open(path, 'a');
  try {
    await handle.write(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await options.state.set(key, { last: options.batch ?? null });
  return { appended: true, bytes: bytes.length, rolledBack };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first line with its line break: its text and its length in bytes. */
function firstLine(bytes: Buffer): { text: string; length: number } {
  const end = bytes.indexOf(10);
  const length = end < 0 ? bytes.length : end + 1;
  return { text: bytes.subarray(0, length).toString('utf8').replace(/\r?\n$/, ''), length };
}
