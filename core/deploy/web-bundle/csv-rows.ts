/**
 * CSV files dropped on the browser bundle's page, read into the rows `predict` takes, the
 * way data.csv reads the same file (core/data/csv-cells.ts): spaces around numbers and
 * booleans ignored, empty cells and NA, N/A, NaN, nan, null, NULL, None missing (null), text
 * kept as it is. Each column is matched to a model input by its header; a missing input or
 * an unknown column is refused by name (the label column is set aside), a value of the wrong
 * type by line and column.
 */
import { MISSING_MARKERS } from '../../data/csv-cells.js';
import type { InputColumn } from '../../ml/bundle-format.js';

export type Cell = string | number | boolean | null;

export class CsvError extends Error {
  override readonly name = 'CsvError';
}

/** RFC 4180 records: quoted fields with "" escapes and line breaks, CRLF or LF, a UTF-8 BOM dropped. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fieldStarted = false;
  for (; at < text.length; at++) {
    const char = text[at]!;
    if (quoted) {
      if (char === '"') {
        if (text[at + 1] === '"') {
          field += '"';
          at++;
        } else quoted = false;
      } else field += char;
      continue;
    }
    if (char === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[at + 1] === '\n') at++;
      record.push(field);
      if (!(record.length === 1 && record[0] === '')) records.push(record);
      record = [];
      field = '';
      fieldStarted = false;
    } else {
      field += char;
      fieldStarted = true;
    }
  }
  if (quoted) throw new CsvError('the file ends inside a quoted field (a " is not closed)');
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const MISSING = new Set(MISSING_MARKERS);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?inf(?:inity)?$/i;

function isMissing(trimmed: string): boolean {
  return trimmed === '' || MISSING.has(trimmed);
}

function numberOf(trimmed: string): number {
  return /inf/i.test(trimmed) ? (trimmed.startsWith('-') ? -Infinity : Infinity) : Number(trimmed);
}

const trim = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, '');

export interface CsvRows {
  rows: Record<string, Cell>[];
  /** Columns set aside: the model's label. */
  ignored: string[];
}

/** The file's rows as model input records; throws a CsvError naming what does not fit. */
export function rowsFromCsv(text: string, inputs: readonly InputColumn[], target: string): CsvRows {
  const records = parseCsv(text);
  if (records.length === 0) throw new CsvError('the file is empty: a header line and at least one row are needed');
  const header = records[0]!.map(trim);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(`column '${name}' appears twice in the header`);
    seen.add(name);
  }
  const wanted = new Set(inputs.map((input) => input.name));
  const missing = inputs.filter((input) => !seen.has(input.name)).map((input) => `'${input.name}'`);
  if (missing.length > 0) throw new CsvError(`missing column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}; the model's inputs are ${inputs.map((input) => input.name).join(', ')}`);
  const extra = header.filter((name) => !wanted.has(name) && name !== target);
  if (extra.length > 0) throw new CsvError(`unknown column${extra.length === 1 ? '' : 's'} ${extra.map((name) => `'${name}'`).join(', ')}; the model's inputs are ${inputs.map((input) => input.name).join(', ')} (remove the other columns)`);
  const body = records.slice(1);
  if (body.length === 0) throw new CsvError('the file has a header but no rows');
  body.forEach((record, k) => {
    if (record.length !== header.length) throw new CsvError(`line ${k + 2} has ${record.length} fields, the header ${header.length}`);
  });
  const rows: Record<string, Cell>[] = body.map(() => ({}));
  for (const input of inputs) {
    const index = header.indexOf(input.name);
    const cells = body.map((record) => record[index]!);
    const kind = input.type === 'any' ? inferKind(cells) : input.type;
    cells.forEach((cell, k) => {
      rows[k]![input.name] = convert(cell, kind, input.name, k + 2);
    });
  }
  return { rows, ignored: header.includes(target) ? [target] : [] };
}

/** A free-typed input (it went through an encoder) takes the column's own type, as data.csv infers it. */
function inferKind(cells: readonly string[]): 'number' | 'boolean' | 'string' {
  const values = cells.map(trim).filter((cell) => !isMissing(cell));
  if (values.length > 0 && values.every((cell) => NUMBER.test(cell))) return 'number';
  if (values.length > 0 && values.every((cell) => /^(true|false)$/i.test(cell))) return 'boolean';
  return 'string';
}

function convert(cell: string, kind: 'number' | 'boolean' | 'string', column: string, line: number): Cell {
  const trimmed = trim(cell);
  if (isMissing(trimmed)) return null;
  if (kind === 'number') {
    if (!NUMBER.test(trimmed)) throw new CsvError(`line ${line}, column '${column}': expected a number, got ${JSON.stringify(cell)}`);
    return numberOf(trimmed);
  }
  if (kind === 'boolean') {
    if (!/^(true|false)$/i.test(trimmed)) throw new CsvError(`line ${line}, column '${column}': expected true or false, got ${JSON.stringify(cell)}`);
    return trimmed.toLowerCase() === 'true';
  }
  return cell;
}
