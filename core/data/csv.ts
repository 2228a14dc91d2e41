/**
 * A fast CSV reader producing an Apache Arrow table: a byte-level RFC 4180 tokenizer
 * (csv-tokenize.ts), per-cell type inference from bytes (csv-cells.ts), and columns built
 * straight into Arrow buffers (csv-columns.ts). Every user mistake is a NodeError naming
 * the file; see readCsv for the rules.
 */
import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { Field, RecordBatch, Schema, Struct, Table, makeData, type Data } from 'apache-arrow';
import { NodeError } from '../sdk/errors.js';
import { ColumnReader, Scratch, type InferredType } from './csv-columns.js';
import { unquoteInto } from './csv-cells.js';
import { createTokenizer, fieldCountOf, sniffDelimiter, tokenizeUntil, type Tokens } from './csv-tokenize.js';
import { takeRows } from './table-ops.js';

export type CsvSource = { path: string; name?: string } | { bytes: Uint8Array; name: string };

export interface CsvReadOptions {
  /** 'auto' (default) sniffs `,` `;` tab `|`. Otherwise one ASCII character; 'tab' and '\t' mean tab. */
  delimiter?: 'auto' | string;
  /** First record holds the column names (default true). */
  header?: boolean;
  /** 'fail' (default) throws on any bad row; 'skip' drops bad rows and reports them. */
  onBadRow?: 'fail' | 'skip';
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
}

export const MAX_REPORTED_BAD_ROWS = 100;
/** How many bad rows a 'fail' error message lists. */
const BAD_ROWS_IN_MESSAGE = 5;
/** Bytes tokenized between progress reports and cancel checks. */
const CHUNK_BYTES = 4 << 20;
/** Bytes tokenized per block: small enough that the block is still cached when its cells are parsed. */
const BLOCK_BYTES = 256 << 10;
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
  const { signal, onProgress } = options;
  const header = options.header ?? true;
  const onBadRow = options.onBadRow ?? 'fail';
  const name = 'bytes' in source ? source.name : (source.name ?? source.path);
  const loaded = 'bytes' in source ? source.bytes : await loadFile(source.path, name);
  // One element kind (plain Uint8Array, not Buffer) keeps the hot loops monomorphic.
  const bytes = new Uint8Array(loaded.buffer, loaded.byteOffset, loaded.byteLength);
  signal?.throwIfAborted();

  const start = checkEncoding(bytes, name);
  const delimiter = options.delimiter === undefined || options.delimiter === 'auto' ? sniffDelimiter(bytes, start) : normalizeDelimiter(options.delimiter);

  // Tokenize a block of records, then parse its cells while those bytes are still cached.
  const tokenizer = createTokenizer(bytes, start, delimiter.charCodeAt(0));
  const tokens = tokenizer.tokens;
  const scratch = new Scratch();
  let names: string[] = [];
  let columnCount = -1;
  let readers: ColumnReader[] = [];
  let nextRecord = 0;
  let rows = new Uint32Array(0);
  let rowCount = 0;
  const ragged: number[] = [];
  let nextReport = CHUNK_BYTES;
  for (let done = false; !done; ) {
    done = tokenizeUntil(tokenizer, tokenizer.position + BLOCK_BYTES);
    if (tokenizer.unterminatedQuoteLine !== undefined) {
      throw new NodeError(
        `${quoteName(name)} line ${tokenizer.unterminatedQuoteLine}: a quoted field starts here and is never closed; check for a stray '"' on that line`,
        { field: 'path' },
      );
    }
    if (columnCount < 0) {
      if (tokens.recordCount === 0) continue;
      columnCount = fieldCountOf(tokens, 0);
      names = header ? headerNames(bytes, tokens) : Array.from({ length: columnCount }, (_, k) => `column${k + 1}`);
      nextRecord = header ? 1 : 0;
      const expectedRows = Math.ceil((tokens.recordCount / Math.max(1, tokenizer.position - start)) * (bytes.length - start) * 1.05) + 16;
      rows = new Uint32Array(expectedRows);
      readers = Array.from({ length: columnCount }, (_, c) => new ColumnReader(c, expectedRows, scratch));
    }
    // Records with the wrong field count are bad; the others are parsed.
    const from = rowCount;
    if (tokens.recordCount > rows.length) {
      const bigger = new Uint32Array(Math.max(tokens.recordCount, rows.length * 2));
      bigger.set(rows.subarray(0, rowCount));
      rows = bigger;
    }
    for (let r = nextRecord; r < tokens.recordCount; r++) {
      if (fieldCountOf(tokens, r) === columnCount) rows[rowCount++] = r;
      else ragged.push(r);
    }
    nextRecord = tokens.recordCount;
    for (const reader of readers) reader.consume(bytes, tokens, rows, from, rowCount);
    if (!done && tokenizer.position >= nextReport) {
      nextReport = tokenizer.position + CHUNK_BYTES;
      onProgress?.((PARSE_SHARE * tokenizer.position) / bytes.length);
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
  }
  if (columnCount < 0) throw new NodeError(`${quoteName(name)} is empty: it has no header and no rows`, { field: 'path' });

  const goodRows = rows.subarray(0, rowCount);
  const columns: Data[] = [];
  const columnTypes: InferredType[] = [];
  /** Per parsed row: 0 = fine, c + 1 = first column whose cell is a stray. */
  let strayColumn: Int32Array | undefined;
  let strayRows = 0;
  for (let c = 0; c < columnCount; c++) {
    const result = readers[c]!.finish(bytes, tokens, goodRows);
    readers[c] = undefined as never; // let its buffers go
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
  signal?.throwIfAborted();

  const skipped = ragged.length + strayRows;
  const badRows = describeBadRows(bytes, tokens, names, columnCount, ragged, goodRows, strayColumn, scratch);
  if (skipped > 0 && onBadRow === 'fail') throw badRowsError(name, skipped, badRows);

  let table = makeTable(names, columns, rowCount);
  if (strayColumn) {
    const keep: number[] = [];
    for (let p = 0; p < rowCount; p++) if (strayColumn[p] === 0) keep.push(p);
    table = takeRows(table, keep);
  }
  onProgress?.(1);
  return { table, delimiter, rowsRead: table.numRows, badRows, skipped, columnTypes };
}

async function loadFile(path: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = quoteName(name);
    if (code === 'ENOENT') throw new NodeError(`file ${where} not found; check the path (relative paths start at the pipeline's folder)`, { field: 'path' });
    if (code === 'EISDIR') throw new NodeError(`${where} is a folder, not a CSV file`, { field: 'path' });
    if (code === 'EACCES' || code === 'EPERM') throw new NodeError(`${where} cannot be read: permission denied`, { field: 'path' });
    throw new NodeError(`${where} cannot be read (${code ?? String(error)})`, { field: 'path', cause: error });
  }
}

/** Validates the text encoding; returns the offset after a UTF-8 BOM. */
function checkEncoding(bytes: Uint8Array, name: string): number {
  const where = quoteName(name);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new NodeError(`${where} is UTF-16 text; save it as UTF-8 (CSV UTF-8) and try again`, { field: 'path' });
  }
  const head = bytes.subarray(0, 65536);
  if (head.includes(0)) throw new NodeError(`${where} is not a text file (it contains zero bytes); is it a spreadsheet or a compressed file?`, { field: 'path' });
  if (!isUtf8(bytes)) {
    throw new NodeError(
      `${where} is not valid UTF-8 text (first bad byte on line ${firstBadUtf8Line(bytes)}); re-save it with UTF-8 encoding`,
      { field: 'path' },
    );
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

function firstBadUtf8Line(bytes: Uint8Array): number {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 10) {
      if (!isUtf8(bytes.subarray(lineStart, i))) return line;
      line++;
      lineStart = i + 1;
    }
  }
  return line;
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

function describeBadRows(
  bytes: Uint8Array,
  tokens: Tokens,
  names: readonly string[],
  columnCount: number,
  ragged: readonly number[],
  rows: Uint32Array,
  strayColumn: Int32Array | undefined,
  scratch: Scratch,
): CsvBadRow[] {
  const out: CsvBadRow[] = [];
  let k = 0;
  let p = 0;
  // Merge ragged records and rows with stray cells in record (= line) order.
  while (out.length < MAX_REPORTED_BAD_ROWS) {
    if (strayColumn) while (p < rows.length && strayColumn[p] === 0) p++;
    const nextRagged = k < ragged.length ? ragged[k]! : Infinity;
    const nextStray = strayColumn && p < rows.length ? rows[p]! : Infinity;
    if (nextRagged === Infinity && nextStray === Infinity) break;
    if (nextRagged < nextStray) {
      out.push({ line: tokens.recordLine[nextRagged]!, reason: `expected ${columnCount} fields, found ${fieldCountOf(tokens, nextRagged)}` });
      k++;
    } else {
      const c = strayColumn![p]! - 1;
      const text = fieldText(bytes, tokens, tokens.recordField[nextStray]! + c, scratch);
      const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
      out.push({ line: tokens.recordLine[nextStray]!, column: names[c]!, reason: `'${shown}' is not a number` });
      p++;
    }
  }
  return out;
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

function makeTable(names: readonly string[], columns: readonly Data[], length: number): Table {
  const fields = names.map((name, k) => new Field(name, columns[k]!.type, true));
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: [...columns] });
  return new Table(schema, new RecordBatch(schema, struct));
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
