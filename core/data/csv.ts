/**
 * A fast CSV reader producing an Apache Arrow table: a byte-level RFC 4180 tokenizer
 * (csv-tokenize.ts), per-cell type inference from bytes (csv-cells.ts), and columns built
 * straight into Arrow buffers (csv-columns.ts). Every user mistake is a NodeError naming
 * the file; see readCsv for the rules.
 */
import type { Data, Table } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { ColumnReader, Scratch, type InferredType, type Replay, type RowBlock } from './csv-columns.js';
import { PARALLEL_MIN_BYTES, readChunked } from './csv-chunks.js';
import { replayRows, Utf8Check, type CsvTuning, type DataStart } from './csv-scan.js';
import { unquoteInto } from './csv-cells.js';
import { memoryInput, openInput, Window, WINDOW_BYTES, type Input } from './csv-source.js';
import {
  createTokenizer,
  FieldCounter,
  fieldCountOf,
  recordOffset,
  setWindow,
  SNIFF_BYTES,
  sniffDelimiter,
  startBlock,
  tokenizeUntil,
  type TokenizeStatus,
  type Tokens,
} from './csv-tokenize.js';
import { makeTable } from './source-file.js';
import { takeRows } from './table-ops.js';

export type CsvSource = { path: string; name?: string } | { bytes: Uint8Array; name: string };

export interface CsvReadOptions {
  /** 'auto' (default) sniffs `,` `;` tab `|`. Otherwise one ASCII character; 'tab' and '\t' mean tab. */
  delimiter?: 'auto' | string;
  /** First record holds the column names (default true). */
  header?: boolean;
  /** 'fail' (default) throws on any bad row; 'skip' drops bad rows and reports them. */
  onBadRow?: 'fail' | 'skip';
  /**
   * Most columns the file may have (default DEFAULT_MAX_COLUMNS). A wider header, or a
   * row with more fields than this, is a NodeError (field `maxColumns`).
   */
  maxColumns?: number;
  signal?: AbortSignal;
  /** Fraction done, 0..1, reported a few times per file. */
  onProgress?: (fraction: number) => void;
}

export interface CsvBadRow {
  /** 1-based physical line of the file where the record starts. */
  readonly line: number;
  readonly column?: string;
  readonly reason: string;
}

export interface CsvReadResult {
  readonly table: Table;
  /** The delimiter used (the sniffed one for 'auto'). */
  readonly delimiter: string;
  /** Data rows in `table` (bad rows not counted). */
  readonly rowsRead: number;
  /** The first MAX_REPORTED_BAD_ROWS skipped rows, in file order. */
  readonly badRows: readonly CsvBadRow[];
  /** How many rows were skipped in all. */
  readonly skipped: number;
  /** Inferred type per column, in column order. */
  readonly columnTypes: readonly InferredType[];
  /** Threads that parsed the rows (more than 1: read in chunks, see csv-chunks.ts). */
  readonly threads: number;
}

export const MAX_REPORTED_BAD_ROWS = 100;
/**
 * Column limit unless the caller sets one. Real data sets wider than this are rare, and a
 * header of millions of delimiters (a wrong file, or a generated one) would otherwise
 * allocate per-column state for each: the tokenizer stops at the limit instead.
 */
export const DEFAULT_MAX_COLUMNS = 10_000;
/** How far past the limit an over-wide record is counted for the message; beyond, it says "at least". */
const COUNT_FIELDS_BYTES = 64 << 20;
/** How many bad rows a 'fail' error message lists. */
const BAD_ROWS_IN_MESSAGE = 5;
/** Share of the progress bar for tokenizing and parsing; the rest is building columns. */
const PARSE_SHARE = 0.9;

/**
 * Reads a CSV file (or bytes) into an Arrow table.
 *
 * - Quoting per RFC 4180 (delimiters, newlines and `""` inside quotes); CRLF, LF or CR
 *   line ends; a UTF-8 BOM is dropped; blank lines are skipped.
 * - Header names are trimmed; an empty name becomes `column<N>` (N = 1-based position), a
 *   repeated name gets `_2`, `_3`… (skipping names taken elsewhere in the header).
 *   Without a header, columns are `column1..N`, N = fields on the first record.
 * - Types per column: Int32, Float64, Bool or Utf8 (see ColumnReader). Empty cells and
 *   NA, N/A, NaN, nan, null, NULL, None are null. `inf`/`Infinity` are Float64 infinities.
 * - Bad rows: a record with the wrong number of fields, or a text cell in a column that
 *   is numeric in ≥ 95% of its values. An unterminated quote always fails.
 * - A header-only file gives a table with 0 rows and Utf8 columns.
 * - Aborting `signal` rejects with `signal.reason`.
 */
export async function readCsv(source: CsvSource, options: CsvReadOptions = {}): Promise<CsvReadResult> {
  return readCsvTuned(source, options, DEFAULT_TUNING);
}

export type { CsvTuning } from './csv-scan.js';

/** The buffer sizes readCsv uses. */
export const DEFAULT_TUNING: CsvTuning = { windowBytes: WINDOW_BYTES, blockBytes: 256 << 10, reportBytes: 4 << 20 };

/** readCsv with explicit buffer sizes (for tests). */
export async function readCsvTuned(source: CsvSource, options: CsvReadOptions, tuning: CsvTuning): Promise<CsvReadResult> {
  const name = 'bytes' in source ? source.name : (source.name ?? source.path);
  const input = 'bytes' in source ? memoryInput(source.bytes) : await openInput(source.path, (code, error) => fileError(name, code, error));
  try {
    return await parse(input, name, options, tuning, 'path' in source ? source.path : undefined);
  } finally {
    await input.handle?.close();
  }
}

async function parse(input: Input, name: string, options: CsvReadOptions, tuning: CsvTuning, path: string | undefined): Promise<CsvReadResult> {
  const { signal, onProgress } = options;
  const header = options.header ?? true;
  const onBadRow = options.onBadRow ?? 'fail';
  const maxColumns = options.maxColumns ?? DEFAULT_MAX_COLUMNS;
  if (!Number.isSafeInteger(maxColumns) || maxColumns < 1) {
    throw new NodeError(`maxColumns must be a whole number of at least 1, not ${maxColumns}`, { field: 'maxColumns' });
  }
  signal?.throwIfAborted();

  const { windowBytes, blockBytes, reportBytes } = tuning;
  const window = await Window.at(input, 0, windowBytes);
  // The sniffer and the binary check look at the first 64 KiB (a window is larger, but in tests).
  const sample = window.final || window.bytes.length >= SNIFF_BYTES ? window : await Window.at(input, 0, SNIFF_BYTES);
  const start = checkStart(sample.bytes, name);
  const delimiter =
    options.delimiter === undefined || options.delimiter === 'auto' ? sniffDelimiter(sample.bytes, start, sample.final) : normalizeDelimiter(options.delimiter);
  const delimiterCode = delimiter.charCodeAt(0);
  const utf8 = new Utf8Check(name);
  utf8.check(window, 1);

  // Tokenize a block of records, then parse its cells while those bytes are still cached.
  const tokenizer = createTokenizer(window.bytes, window.final, start, delimiterCode, blockBytes, 1, maxColumns);
  const tokens = tokenizer.tokens;
  const scratch = new Scratch();
  let names: string[] = [];
  let columnCount = -1;
  let readers: ColumnReader[] = [];
  let records = new Uint32Array(1024);
  let rowCount = 0;
  const ragged: CsvBadRow[] = [];
  let raggedCount = 0;
  let dataStart: DataStart = { offset: start, line: 1 };
  let nextReport = reportBytes;
  const replay: Replay = (throughRow, visit) => replayRows(input, tuning, dataStart, delimiterCode, columnCount, maxColumns, throughRow, visit);

  for (let status: TokenizeStatus = 'block'; status !== 'done'; ) {
    startBlock(tokenizer);
    status = tokenizeUntil(tokenizer, tokenizer.position + blockBytes);
    if (tokenizer.unterminatedQuoteLine !== undefined) {
      throw new NodeError(
        `${quoteName(name)} line ${tokenizer.unterminatedQuoteLine}: a quoted field starts here and is never closed; check for a stray '"' on that line`,
        { field: 'path' },
      );
    }
    const wide = tokenizer.tooManyFields;
    if (wide) {
      const isFirst = columnCount < 0 && tokens.recordCount === 0;
      const { count, complete } = await countFields(input, window.offset + wide.offset, delimiterCode, signal);
      const columns = isFirst || columnCount >= 0 ? columnCount : fieldCountOf(tokens, 0);
      throw tooManyFieldsError(name, { count, complete, line: wide.line, isFirst, header, maxColumns, columnCount: columns });
    }
    if (tokens.recordCount > 0) {
      let firstRecord = 0;
      if (columnCount < 0) {
        columnCount = fieldCountOf(tokens, 0);
        names = header ? headerNames(window.bytes, tokens) : Array.from({ length: columnCount }, (_, k) => `column${k + 1}`);
        firstRecord = header ? 1 : 0;
        dataStart =
          firstRecord < tokens.recordCount
            ? { offset: window.offset + recordOffset(tokens, firstRecord), line: tokens.recordLine[firstRecord]! }
            : { offset: window.offset + tokenizer.position, line: tokenizer.line };
        if (path !== undefined && input.size - dataStart.offset >= (tuning.parallelMinBytes ?? PARALLEL_MIN_BYTES)) {
          const settings = { name, delimiter: delimiterCode, columnCount, maxColumns };
          const chunked = await readChunked(path, input, dataStart.offset, settings, tuning, signal, onProgress && ((fraction) => onProgress(PARSE_SHARE * fraction)));
          if (chunked !== undefined) {
            onProgress?.(1);
            const table = makeTable(names, chunked.columns, chunked.rows);
            return { table, delimiter, rowsRead: chunked.rows, badRows: [], skipped: 0, columnTypes: chunked.columnTypes, threads: chunked.threads };
          }
          // Something only the one-pass read reports or decides: it goes on from here.
        }
        const seen = Math.max(1, window.offset + tokenizer.position - start);
        const expectedRows = Math.ceil((tokens.recordCount / seen) * (input.size - start) * 1.05) + 16;
        readers = Array.from({ length: columnCount }, (_, c) => new ColumnReader(c, expectedRows, scratch));
      }
      // Records with the wrong number of fields are bad rows; the others are parsed.
      if (tokens.recordCount > records.length) records = new Uint32Array(tokens.recordCount * 2);
      let count = 0;
      for (let r = firstRecord; r < tokens.recordCount; r++) {
        const found = fieldCountOf(tokens, r);
        if (found === columnCount) {
          records[count++] = r;
        } else {
          if (ragged.length < MAX_REPORTED_BAD_ROWS) ragged.push({ line: tokens.recordLine[r]!, reason: `expected ${columnCount} fields, found ${found}` });
          raggedCount++;
        }
      }
      const block: RowBlock = { bytes: window.bytes, tokens, records, count };
      for (const reader of readers) reader.consume(block, replay);
      rowCount += count;
    }
    if (status === 'more') {
      const lineAtWindowStart = tokenizer.line;
      await window.refill(tokenizer.position);
      setWindow(tokenizer, window.bytes, window.final);
      utf8.check(window, lineAtWindowStart);
    }
    const done = window.offset + tokenizer.position;
    if (status !== 'done' && done >= nextReport) {
      nextReport = done + reportBytes;
      onProgress?.((PARSE_SHARE * done) / Math.max(1, input.size));
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
  }
  if (columnCount < 0) throw new NodeError(`${quoteName(name)} is empty: it has no header and no rows`, { field: 'path' });

  const columns: Data[] = [];
  const columnTypes: InferredType[] = [];
  /** Per row: 0 = fine, c + 1 = first column whose cell is a stray. */
  let strayColumn: Int32Array | undefined;
  let strayRows = 0;
  for (let c = 0; c < columnCount; c++) {
    const result = readers[c]!.finish(replay);
    columns.push(result.data);
    columnTypes.push(result.type);
    for (const p of result.strays) {
      strayColumn ??= new Int32Array(rowCount);
      if (strayColumn[p] === 0) {
        strayColumn[p] = c + 1;
        strayRows++;
      }
    }
  }
  readers = [];
  signal?.throwIfAborted();

  const skipped = raggedCount + strayRows;
  const strays = strayColumn ? describeStrays(input, tuning, dataStart, delimiterCode, columnCount, names, strayColumn) : [];
  const badRows = mergeBadRows(ragged, strays);
  if (skipped > 0 && onBadRow === 'fail') throw badRowsError(name, skipped, badRows);

  let table = makeTable(names, columns, rowCount);
  if (strayColumn) {
    const keep: number[] = [];
    for (let p = 0; p < rowCount; p++) if (strayColumn[p] === 0) keep.push(p);
    table = takeRows(table, keep);
  }
  onProgress?.(1);
  return { table, delimiter, rowsRead: table.numRows, badRows, skipped, columnTypes, threads: 1 };
}

/** Line and text of the first stray cells, found by replaying up to the last one listed. */
function describeStrays(input: Input, tuning: CsvTuning, from: DataStart, delimiter: number, columnCount: number, names: readonly string[], strayColumn: Int32Array): CsvBadRow[] {
  const wanted: number[] = [];
  for (let p = 0; p < strayColumn.length && wanted.length < MAX_REPORTED_BAD_ROWS; p++) if (strayColumn[p] !== 0) wanted.push(p);
  const out: CsvBadRow[] = [];
  const scratch = new Scratch();
  let row = 0;
  let next = 0;
  replayRows(input, tuning, from, delimiter, columnCount, Number.MAX_SAFE_INTEGER, (wanted.at(-1) ?? -1) + 1, (block) => {
    for (; next < wanted.length && wanted[next]! < row + block.count; next++) {
      const p = wanted[next]!;
      const record = block.records[p - row]!;
      const c = strayColumn[p]! - 1;
      const text = fieldText(block.bytes, block.tokens, block.tokens.recordField[record]! + c, scratch);
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      out.push({ line: block.tokens.recordLine[record]!, column: names[c]!, reason: `'${shown}' is not a number` });
    }
    row += block.count;
  });
  return out;
}

/** Ragged records and stray cells together, in line order, at most MAX_REPORTED_BAD_ROWS. */
function mergeBadRows(ragged: readonly CsvBadRow[], strays: readonly CsvBadRow[]): CsvBadRow[] {
  const out: CsvBadRow[] = [];
  let k = 0;
  let j = 0;
  while (out.length < MAX_REPORTED_BAD_ROWS && (k < ragged.length || j < strays.length)) {
    if (j >= strays.length || (k < ragged.length && ragged[k]!.line < strays[j]!.line)) out.push(ragged[k++]!);
    else out.push(strays[j++]!);
  }
  return out;
}

/**
 * Counts the fields of the record at input offset `offset` chunk by chunk (nothing kept
 * but the count), up to COUNT_FIELDS_BYTES; `complete` says the whole record was seen.
 */
async function countFields(input: Input, offset: number, delimiter: number, signal: AbortSignal | undefined): Promise<{ count: number; complete: boolean }> {
  const counter = new FieldCounter(delimiter);
  const window = await Window.at(input, offset);
  for (let scanned = 0; ; ) {
    scanned += counter.feed(window.bytes);
    if (counter.ended || window.final) return { count: counter.fields, complete: true };
    if (scanned >= COUNT_FIELDS_BYTES) return { count: counter.fields, complete: false };
    signal?.throwIfAborted();
    await window.refill(window.bytes.length);
  }
}

interface TooWide {
  readonly count: number;
  readonly complete: boolean;
  readonly line: number;
  /** The record is the file's first (the header, or the first row without one). */
  readonly isFirst: boolean;
  readonly header: boolean;
  readonly maxColumns: number;
  /** Columns of the table, known once the first record is read. */
  readonly columnCount: number;
}

function tooManyFieldsError(name: string, wide: TooWide): NodeError {
  const number = (n: number) => n.toLocaleString('en-US');
  const count = wide.complete ? number(wide.count) : `at least ${number(wide.count)}`;
  const limit = `more than the limit of ${number(wide.maxColumns)} (param maxColumns)`;
  if (wide.isFirst) {
    const what = wide.header ? `the header has ${count} columns` : `the first line has ${count} fields`;
    return new NodeError(`${quoteName(name)}: ${what}, ${limit}. Check the delimiter, or raise maxColumns to read a table this wide.`, {
      field: 'maxColumns',
    });
  }
  return new NodeError(
    `${quoteName(name)} line ${wide.line} has ${count} fields, ${limit}, while the table has ${number(wide.columnCount)} columns; ` +
      'the file looks damaged. A row this long stops the read even with onBadRow \'skip\' (raise maxColumns to have it counted as a bad row).',
    { field: 'maxColumns' },
  );
}

function fileError(name: string, code: string | undefined, error: unknown): NodeError {
  const where = quoteName(name);
  if (code === 'ENOENT') return new NodeError(`file ${where} not found; check the path (relative paths start at the pipeline's folder)`, { field: 'path' });
  if (code === 'EISDIR') return new NodeError(`${where} is a folder, not a CSV file`, { field: 'path' });
  if (code === 'EACCES' || code === 'EPERM') return new NodeError(`${where} cannot be read: permission denied`, { field: 'path' });
  return new NodeError(`${where} cannot be read (${code ?? String(error)})`, { field: 'path', cause: error });
}

/** Rejects UTF-16 and binary files; returns the offset after a UTF-8 BOM. */
function checkStart(bytes: Uint8Array, name: string): number {
  const where = quoteName(name);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new NodeError(`${where} is UTF-16 text; save it as UTF-8 (CSV UTF-8) and try again`, { field: 'path' });
  }
  if (bytes.subarray(0, SNIFF_BYTES).includes(0)) {
    throw new NodeError(`${where} is not a text file (it contains zero bytes); is it a spreadsheet or a compressed file?`, { field: 'path' });
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

function normalizeDelimiter(delimiter: string): string {
  const value = delimiter === 'tab' || delimiter === '\\t' ? '\t' : delimiter;
  if (value.length !== 1 || value.charCodeAt(0) > 127 || value === '"' || value === '\n' || value === '\r') {
    throw new NodeError(`delimiter ${JSON.stringify(delimiter)} is not usable: use 'auto' or one ASCII character such as ',' ';' '|' or 'tab'`, {
      field: 'delimiter',
    });
  }
  return value;
}

const decoder = new TextDecoder();

function fieldText(bytes: Uint8Array, tokens: Tokens, field: number, scratch: Scratch): string {
  const s = tokens.fieldStart[field]!;
  const e = tokens.fieldStart[field + 1]! - 1;
  if (s === e || bytes[s] !== 34) return decoder.decode(bytes.subarray(s, e));
  const buffer = scratch.fit(e - s);
  return decoder.decode(buffer.subarray(0, unquoteInto(bytes, s, e, buffer, 0)));
}

function headerNames(bytes: Uint8Array, tokens: Tokens): string[] {
  const scratch = new Scratch();
  const raw: string[] = [];
  for (let f = tokens.recordField[0]!; f < tokens.recordField[1]! - 1; f++) raw.push(fieldText(bytes, tokens, f, scratch).trim());
  return uniqueNames(raw);
}

/** Empty names become `column<N>`; repeats get `_2`, `_3`… avoiding every name in the header. */
export function uniqueNames(raw: readonly string[]): string[] {
  const named = raw.map((name, k) => (name === '' ? `column${k + 1}` : name));
  const reserved = new Set(named);
  const used = new Set<string>();
  return named.map((name) => {
    let unique = name;
    if (used.has(unique)) {
      let n = 2;
      while (reserved.has(`${name}_${n}`) || used.has(`${name}_${n}`)) n++;
      unique = `${name}_${n}`;
    }
    used.add(unique);
    return unique;
  });
}

export function formatBadRow(row: CsvBadRow): string {
  return row.column === undefined ? `line ${row.line}: ${row.reason}` : `line ${row.line}, column '${row.column}': ${row.reason}`;
}

function badRowsError(name: string, total: number, badRows: readonly CsvBadRow[]): NodeError {
  const hint = "Fix the file, or set onBadRow to 'skip' to drop bad rows.";
  if (total === 1 && badRows[0]) return new NodeError(`${quoteName(name)} ${formatBadRow(badRows[0])}. ${hint}`, { field: 'path' });
  const shown = badRows.slice(0, BAD_ROWS_IN_MESSAGE).map((row) => `  ${formatBadRow(row)}`);
  const more = total > shown.length ? `\n  … and ${total - shown.length} more` : '';
  return new NodeError(`${quoteName(name)} has ${total} bad rows:\n${shown.join('\n')}${more}\n${hint}`, { field: 'path' });
}

function quoteName(name: string): string {
  return `'${name}'`;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
