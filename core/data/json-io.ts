/**
 * Reading JSON Lines (one object per line) and JSON arrays of objects into Arrow tables.
 * Types per column, over all records, as the CSV reader types them: Int32 when every
 * number is an integer (written without fraction or exponent) in Int32 range, else
 * Float64; Bool; Utf8 (dates stay text, as in CSV). null and missing keys are null; a
 * column without any value is Utf8. Nested objects and arrays become their JSON text
 * (Utf8) and are listed in `nestedColumns`. Columns come in first-seen key order.
 *
 * Every user mistake is a NodeError (field `path`) naming the file and the line and
 * column (bad JSON) or the line / record and column name (a value of another type).
 */
import { readFile } from 'node:fs/promises';
import type { Table } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { kindName } from './column-builder.js';
import { openInput, memoryInput, Window } from './csv-source.js';
import { DEFAULT_MAX_COLUMNS } from './csv.js';
import { JsonKindMismatch, JsonSyntaxError, JsonTooManyColumns, RecordParser, describeValueStart, isJsonSpace } from './json-scan.js';
import { checkTextStart, checkUtf8, fileError, lineAndColumn, makeTable, quoteName, yieldToEventLoop } from './source-file.js';

export type JsonSource = { path: string; name?: string } | { bytes: Uint8Array; name: string };

export interface JsonReadOptions {
  signal?: AbortSignal;
  /**
   * Most columns (distinct keys over all records) the file may have, default
   * DEFAULT_MAX_COLUMNS as for CSV; one more key is a NodeError (field `maxColumns`).
   */
  maxColumns?: number;
  /** Fraction done, 0..1, reported a few times per file. */
  onProgress?: (fraction: number) => void;
}

export interface JsonReadResult {
  readonly table: Table;
  readonly rowsRead: number;
  /** Columns that held objects or arrays, kept as their JSON text. */
  readonly nestedColumns: readonly string[];
}

/** Bytes between progress reports and cancel checks. */
const REPORT_BYTES = 4 << 20;
const LF = 10;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COMMA = 44;

function sourceName(source: JsonSource): string {
  return 'bytes' in source ? source.name : (source.name ?? source.path);
}

/** Reads JSON Lines: one object per line; blank lines are skipped. The file is read through a sliding window. */
export async function readJsonLines(source: JsonSource, options: JsonReadOptions = {}): Promise<JsonReadResult> {
  const name = sourceName(source);
  const input = 'bytes' in source ? memoryInput(source.bytes) : await openInput(source.path, (code, error) => fileError(name, code, error, 'a JSON Lines file'));
  try {
    options.signal?.throwIfAborted();
    const window = await Window.at(input, 0);
    let pos = checkTextStart(window.bytes, name);
    const parser = new RecordParser(maxColumnsOf(options));
    let line = 1;
    let nextReport = REPORT_BYTES;
    for (;;) {
      const bytes = window.bytes;
      // Whole lines only; the rest waits for the next window.
      const limit = window.final ? bytes.length : bytes.lastIndexOf(LF) + 1;
      if (limit > pos) checkUtf8(bytes, pos, limit, name, line);
      while (pos < limit) {
        let lineEnd = bytes.indexOf(LF, pos);
        if (lineEnd < 0 || lineEnd >= limit) lineEnd = limit;
        let start = pos;
        while (start < lineEnd && isJsonSpace(bytes[start])) start++;
        if (start < lineEnd) parseLine(parser, bytes, pos, start, lineEnd, line, name);
        pos = lineEnd + 1;
        line++;
      }
      const done = window.offset + Math.min(pos, bytes.length);
      if (done >= nextReport) {
        nextReport = done + REPORT_BYTES;
        options.onProgress?.(done / Math.max(1, input.size));
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
      if (window.final) break;
      await window.refill(Math.min(pos, bytes.length));
      pos = 0;
    }
    options.onProgress?.(1);
    return finish(parser, name);
  } finally {
    await input.handle?.close();
  }
}

function parseLine(parser: RecordParser, bytes: Uint8Array, lineStart: number, start: number, lineEnd: number, line: number, name: string): void {
  const where = (position: number) => `${quoteName(name)} line ${line}, column ${lineAndColumn(bytes, position, lineStart, line).column}`;
  if (bytes[start] !== OPEN_BRACE) {
    const what = describeValueStart(bytes[start]);
    const hint = bytes[start] === OPEN_BRACKET ? '; a file holding one JSON array is read by the JSON node (data.json)' : '';
    throw new NodeError(`${quoteName(name)} line ${line} holds ${what}, not an object: JSON Lines has one object per line${hint}`, { field: 'path' });
  }
  try {
    const after = parser.parseRecord(bytes, start, lineEnd, line);
    const rest = parser.skipSpace(after);
    if (rest < lineEnd) throw new JsonSyntaxError(rest, 'unexpected text after the record: JSON Lines has one object per line');
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      const spans = error.position >= lineEnd ? '; a record must fit on one line in JSON Lines' : '';
      throw new NodeError(`${where(error.position)}: ${error.reason}${spans}`, { field: 'path', cause: error });
    }
    if (error instanceof JsonKindMismatch) throw kindError(error, name, `line ${line}`, `line ${error.column.firstAt}`, 'lines');
    if (error instanceof JsonTooManyColumns) throw tooManyColumnsError(error, name, `line ${line}`);
    throw error;
  }
}

/** Reads a file holding one JSON array of objects. The file is read whole into memory. */
export async function readJson(source: JsonSource, options: JsonReadOptions = {}): Promise<JsonReadResult> {
  const name = sourceName(source);
  let bytes: Uint8Array;
  if ('bytes' in source) bytes = source.bytes;
  else {
    try {
      bytes = new Uint8Array(await readFile(source.path));
    } catch (error) {
      throw fileError(name, (error as NodeJS.ErrnoException).code, error, 'a JSON file');
    }
  }
  options.signal?.throwIfAborted();
  const where = (position: number) => {
    const { line, column } = lineAndColumn(bytes, position);
    return `${quoteName(name)} line ${line}, column ${column}`;
  };
  const parser = new RecordParser(maxColumnsOf(options));
  const end = bytes.length;
  let pos = checkTextStart(bytes, name);
  checkUtf8(bytes, pos, end, name, 1);
  const skip = (i: number) => {
    while (i < end && isJsonSpace(bytes[i])) i++;
    return i;
  };
  pos = skip(pos);
  if (pos >= end) throw new NodeError(`${quoteName(name)} is empty: it holds no JSON`, { field: 'path' });
  if (bytes[pos] !== OPEN_BRACKET) {
    const what = describeValueStart(bytes[pos]);
    const hint = bytes[pos] === OPEN_BRACE ? '; for one object per line use the JSON Lines node (data.jsonl)' : '';
    throw new NodeError(`${quoteName(name)} holds ${what}, not an array of records ([{…}, {…}])${hint}`, { field: 'path' });
  }
  pos = skip(pos + 1);
  if (bytes[pos] === CLOSE_BRACKET) throw new NodeError(`${quoteName(name)} holds an empty array: there are no records to read`, { field: 'path' });
  let nextReport = REPORT_BYTES;
  try {
    for (let record = 1; ; record++) {
      if (bytes[pos] !== OPEN_BRACE) {
        if (pos >= end) throw new JsonSyntaxError(pos, "the file ends early: the array is never closed with ']'");
        throw new NodeError(`${where(pos)}: record ${record} is ${describeValueStart(bytes[pos])}, not an object`, { field: 'path' });
      }
      pos = skip(parser.parseRecord(bytes, pos, end, record));
      if (bytes[pos] === CLOSE_BRACKET) break;
      if (bytes[pos] !== COMMA) throw new JsonSyntaxError(pos, pos >= end ? "the file ends early: the array is never closed with ']'" : `expected ',' or ']' after record ${record}`);
      pos = skip(pos + 1);
      if (bytes[pos] === CLOSE_BRACKET) throw new JsonSyntaxError(pos, "a comma before ']' is not allowed in JSON");
      if (pos >= nextReport) {
        nextReport = pos + REPORT_BYTES;
        options.onProgress?.(pos / end);
        await yieldToEventLoop();
        options.signal?.throwIfAborted();
      }
    }
    const rest = skip(pos + 1);
    if (rest < end) throw new JsonSyntaxError(rest, 'unexpected text after the array');
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new NodeError(`${where(error.position)}: ${error.reason}`, { field: 'path', cause: error });
    if (error instanceof JsonKindMismatch) {
      const here = `record ${parser.rows + 1} (line ${lineAndColumn(bytes, error.position).line})`;
      throw kindError(error, name, here, `record ${error.column.firstAt}`, 'records');
    }
    if (error instanceof JsonTooManyColumns) throw tooManyColumnsError(error, name, `record ${parser.rows + 1} (line ${lineAndColumn(bytes, error.position).line})`);
    throw error;
  }
  options.onProgress?.(1);
  return finish(parser, name);
}

function maxColumnsOf(options: JsonReadOptions): number {
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  if (!Number.isSafeInteger(maxColumns) || maxColumns < 1) {
    throw new NodeError(`maxColumns must be a whole number of at least 1, not ${maxColumns}`, { field: 'maxColumns' });
  }
  return maxColumns;
}

function tooManyColumnsError(error: JsonTooManyColumns, name: string, here: string): NodeError {
  const number = (n: number) => n.toLocaleString('en-US');
  const key = error.key.length > 40 ? `${error.key.slice(0, 40)}…` : error.key;
  return new NodeError(
    `${quoteName(name)} ${here}: key '${key}' would be column ${number(error.limit + 1)}, more than the limit of ${number(error.limit)} (param maxColumns). ` +
      'Every distinct key is a column; raise maxColumns to read records with this many keys.',
    { field: 'maxColumns' },
  );
}

function kindError(error: JsonKindMismatch, name: string, here: string, first: string, unit: string): NodeError {
  const { column, found, preview } = error;
  return new NodeError(
    `${quoteName(name)} ${here}: column '${column.name}' holds ${kindName(column.kind!, true)} (from ${first} on), but here it is ${kindName(found)} (${preview}). ` +
      `Every value of a column must have one type or be null; fix the ${unit} or the file's producer.`,
    { field: 'path' },
  );
}

function finish(parser: RecordParser, name: string): JsonReadResult {
  if (parser.rows === 0) throw new NodeError(`${quoteName(name)} is empty: it has no records`, { field: 'path' });
  if (parser.columns.length === 0) throw new NodeError(`${quoteName(name)} has no columns: every record is an empty object`, { field: 'path' });
  const rows = parser.rows;
  const columns = parser.columns.map((column) => column.finish(rows));
  const table = makeTable(
    parser.columns.map((column) => column.name),
    columns,
    rows,
  );
  const nestedColumns = parser.columns.filter((column) => column.kind === 'nested').map((column) => column.name);
  return { table, rowsRead: rows, nestedColumns };
}
