/**
 * Reading the result of one read-only SQL query on an SQLite file (better-sqlite3) into an
 * Arrow table. The database is opened read-only and the statement must return rows
 * without writing (SQLite itself says so: `reader` and `readonly`), so a pipeline can
 * never change the file it reads.
 *
 * SQLite columns have no fixed type, so types come from the values, as for JSON: INTEGER
 * values → Int32 while every one fits, REAL among them or a larger integer → Float64,
 * TEXT → Utf8 (dates stay text), no value at all → Utf8. A column mixing storage classes
 * (text and numbers, say) or holding BLOBs is a NodeError naming the column and row.
 */
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Table } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { ColumnBuilder, kindName, type ValueKind } from './column-builder.js';
import { uniqueNames } from './csv.js';
import { fileError, makeTable, quoteName, yieldToEventLoop } from './source-file.js';

export interface SqliteReadOptions {
  signal?: AbortSignal;
  /** Rows read so far (the total is unknown until the query ends). */
  onRows?: (rows: number) => void;
  /** Most rows the query may return (default DEFAULT_MAX_ROWS); one more is a NodeError (field `maxRows`). */
  maxRows?: number;
  /** Seconds the query may run (default DEFAULT_TIMEOUT_SECONDS), checked between rows; then a NodeError (field `timeoutSeconds`). */
  timeoutSeconds?: number;
  /** MiB the columns being built may hold (default DEFAULT_MAX_MEGABYTES); more is a NodeError (field `maxMegabytes`). */
  maxMegabytes?: number;
}

/*
 * Budgets for a query. better-sqlite3 runs a statement on the calling thread and has no
 * interrupt or memory cap, so the reader enforces them between rows:
 *
 * - Rows: an unbounded recursive CTE streams rows forever; 5,000,000 rows is more than
 *   a desktop pipeline loads on purpose from one query (and, for a 20-number-column
 *   result, already ~0.8 GB), so more is taken for a runaway query, to be fixed with a
 *   LIMIT or by raising the param.
 * - Memory: a row count alone does not bound memory (wide text rows), so the arrays
 *   being built are measured too, every MEMORY_CHECK_ROWS rows: what the table will
 *   hold, growth slack included (SQLite's own page cache is small and bounded by SQLite).
 *   2 GiB leaves room for the copy the engine writes as the artifact.
 * - Time: checked every TIME_CHECK_ROWS rows. A query that computes for a long time
 *   before (or between) rows cannot be stopped by it: only cancel (which ends the
 *   worker thread) reaches a statement in progress.
 */
export const DEFAULT_MAX_ROWS = 5_000_000;
export const DEFAULT_TIMEOUT_SECONDS = 300;
export const DEFAULT_MAX_MEGABYTES = 2048;
const TIME_CHECK_ROWS = 64;
const MEMORY_CHECK_ROWS = 4096;

export interface SqliteReadResult {
  readonly table: Table;
  readonly rowsRead: number;
}

/** Rows between cancel checks and progress reports. */
const REPORT_ROWS = 50_000;

/** The query shortened for messages. */
function shortQuery(query: string): string {
  const flat = query.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

export async function readSqlite(source: { path: string; name?: string }, query: string, options: SqliteReadOptions = {}): Promise<SqliteReadResult> {
  const name = source.name ?? source.path;
  const { signal, onRows } = options;
  if (query.trim() === '') throw new NodeError('param \'query\': a SELECT statement is required', { field: 'query' });
  const maxRows = budget(options.maxRows, DEFAULT_MAX_ROWS, 'maxRows', true);
  const timeoutSeconds = budget(options.timeoutSeconds, DEFAULT_TIMEOUT_SECONDS, 'timeoutSeconds', false);
  const maxMegabytes = budget(options.maxMegabytes, DEFAULT_MAX_MEGABYTES, 'maxMegabytes', true);
  signal?.throwIfAborted();
  try {
    // better-sqlite3 reports a missing file and a folder alike; tell them apart first.
    if (statSync(source.path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    throw fileError(name, (error as NodeJS.ErrnoException).code, error, 'an SQLite database');
  }
  let db: Database.Database;
  try {
    db = new Database(source.path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new NodeError(`${quoteName(name)} cannot be opened as an SQLite database: ${(error as Error).message}`, { field: 'path', cause: error });
  }
  try {
    let statement: Database.Statement;
    try {
      statement = db.prepare(query);
    } catch (error) {
      const code = sqliteCode(error);
      if (code === 'SQLITE_NOTADB') throw new NodeError(`${quoteName(name)} is not an SQLite database`, { field: 'path', cause: error });
      throw new NodeError(`param 'query': ${(error as Error).message} (in: ${shortQuery(query)})`, { field: 'query', cause: error });
    }
    if (!statement.reader || !statement.readonly) {
      throw new NodeError(`param 'query': only a read-only query that returns rows (SELECT, WITH … SELECT) can run here, not: ${shortQuery(query)}`, { field: 'query' });
    }
    statement.raw(true).safeIntegers(true);
    const names = uniqueNames(statement.columns().map((column) => column.name));
    const columns = names.map((column) => new ColumnBuilder(column));
    let rows = 0;
    const deadline = performance.now() + timeoutSeconds * 1000;
    const maxBytes = maxMegabytes * 2 ** 20;
    const number = (n: number) => n.toLocaleString('en-US');
    try {
      for (const row of statement.iterate() as IterableIterator<unknown[]>) {
        if (rows === maxRows) {
          throw new NodeError(
            `${quoteName(name)}: the query returned more than ${number(maxRows)} rows (param maxRows); add a LIMIT to the query or raise maxRows`,
            { field: 'maxRows' },
          );
        }
        rows++;
        for (let c = 0; c < columns.length; c++) appendValue(columns[c]!, row[c], rows, name);
        if (rows % TIME_CHECK_ROWS === 0 && performance.now() > deadline) {
          throw new NodeError(
            `${quoteName(name)}: the query ran longer than ${number(timeoutSeconds)} seconds (param timeoutSeconds) and was stopped after ${number(rows)} rows; ` +
              'narrow it with WHERE or LIMIT, or raise timeoutSeconds',
            { field: 'timeoutSeconds' },
          );
        }
        if (rows % MEMORY_CHECK_ROWS === 0) {
          let bytes = 0;
          for (const column of columns) bytes += column.allocatedBytes;
          if (bytes > maxBytes) {
            throw new NodeError(
              `${quoteName(name)}: the query's result took more than ${number(maxMegabytes)} MiB after ${number(rows)} rows (param maxMegabytes); ` +
                'select fewer columns or rows, or raise maxMegabytes',
              { field: 'maxMegabytes' },
            );
          }
        }
        if (rows % REPORT_ROWS === 0) {
          onRows?.(rows);
          await yieldToEventLoop();
          signal?.throwIfAborted();
        }
      }
    } catch (error) {
      if (error instanceof NodeError || signal?.aborted) throw error;
      throw new NodeError(`param 'query': ${(error as Error).message} (in: ${shortQuery(query)})`, { field: 'query', cause: error });
    }
    signal?.throwIfAborted();
    onRows?.(rows);
    const table = makeTable(
      names,
      columns.map((column) => column.finish(rows)),
      rows,
    );
    return { table, rowsRead: rows };
  } finally {
    db.close();
  }
}

/** A budget option: its default when unset, else a positive number (whole when `integer`). */
function budget(value: number | undefined, fallback: number, field: string, integer: boolean): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw new NodeError(`${field} must be a ${integer ? 'whole ' : ''}number above 0, not ${value}`, { field });
  }
  return value;
}

/** The kind of an SQLite value as better-sqlite3 returns it with safe integers on. */
function kindOf(value: unknown): ValueKind | 'blob' {
  if (typeof value === 'bigint' || typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'blob';
}

function appendValue(column: ColumnBuilder, value: unknown, row: number, name: string): void {
  if (value === null || value === undefined) return column.appendNull();
  const kind = kindOf(value);
  if (kind === 'blob') {
    throw new NodeError(`${quoteName(name)} row ${row}, column '${column.name}': binary data (BLOB) cannot go into a table; select hex(${column.name}) or leave the column out`, {
      field: 'query',
    });
  }
  if (column.kind !== kind) {
    if (column.kind !== undefined) {
      throw new NodeError(
        `${quoteName(name)} row ${row}: column '${column.name}' holds ${kindName(column.kind, true)} (from row ${column.firstAt} on), but here it is ${kindName(kind)} (${describeValue(value)}). ` +
          `Every value of a column must have one type or be null; CAST it in the query.`,
        { field: 'query' },
      );
    }
    column.start(kind, row);
  }
  if (typeof value === 'bigint') {
    // INTEGER storage: Int32 while it fits; beyond ±2^53 the nearest double.
    column.appendNumber(Number(value), true);
  } else if (typeof value === 'number') {
    column.appendNumber(value, false);
  } else {
    column.appendString(value as string);
  }
}
