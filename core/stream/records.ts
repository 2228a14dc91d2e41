/**
 * Stream messages into records, and records against a stream's fixed schema.
 *
 * A message is JSON (one object, or an array of objects) or CSV text whose first line is
 * the header (one or more rows below it). CSV cells become typed values the way a CSV file's
 * do: empty → missing, true/false → boolean, a number → number, anything else text, so the
 * two formats give the same records.
 *
 * The schema is inferred from the first batch: each column's type is the type most of its
 * values have (ties: text), so one odd message in the first batch cannot fix the wrong type.
 * From then on a record fits when it has exactly the schema's keys and each value is of its
 * column's type or missing (null); an integer fits a number column.
 */
import type { StreamColumn } from '../base/stream.js';

export type StreamValue = number | boolean | string | null;
export type StreamRecord = Record<string, StreamValue>;

export type MessageFormat = 'json' | 'csv';

export type Parsed = { ok: true; records: StreamRecord[] } | { ok: false; reason: string };

/** The largest message (bytes of text) a stream takes; a bigger one is a dead letter. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export function parseMessage(text: string, format: MessageFormat): Parsed {
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return { ok: false, reason: `the message is over ${MAX_MESSAGE_BYTES} bytes` };
  return format === 'json' ? parseJsonMessage(text) : parseCsvMessage(text);
}

function parseJsonMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const items = Array.isArray(value) ? value : [value];
  if (items.length === 0) return { ok: false, reason: 'an empty JSON array (no records)' };
  const records: StreamRecord[] = [];
  for (const [index, item] of items.entries()) {
    const where = Array.isArray(value) ? `item ${index + 1}: ` : '';
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return { ok: false, reason: `${where}a record is a JSON object, got ${jsonKind(item)}` };
    const record: StreamRecord = {};
    for (const [key, field] of Object.entries(item as Record<string, unknown>)) {
      if (field === null || typeof field === 'string' || typeof field === 'boolean') record[key] = field;
      else if (typeof field === 'number') record[key] = field;
      else return { ok: false, reason: `${where}field '${key}' is ${jsonKind(field)}; a field is a number, true/false, text or null` };
    }
    records.push(record);
  }
  return { ok: true, records };
}

function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function parseCsvMessage(text: string): Parsed {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length < 2) return { ok: false, reason: 'a CSV message is a header line and at least one row' };
  const header = splitCsvLine(lines[0]!);
  if (header === undefined) return { ok: false, reason: 'the CSV header has an unclosed quote' };
  const seen = new Set<string>();
  for (const name of header) {
    if (name === '') return { ok: false, reason: 'the CSV header has an empty column name' };
    if (seen.has(name)) return { ok: false, reason: `the CSV header names '${name}' twice` };
    seen.add(name);
  }
  const records: StreamRecord[] = [];
  for (const [index, line] of lines.slice(1).entries()) {
    const cells = splitCsvLine(line);
    if (cells === undefined) return { ok: false, reason: `CSV row ${index + 1} has an unclosed quote` };
    if (cells.length !== header.length) return { ok: false, reason: `CSV row ${index + 1} has ${cells.length} fields; the header has ${header.length}` };
    const record: StreamRecord = {};
    header.forEach((name, column) => (record[name] = csvValue(cells[column]!)));
    records.push(record);
  }
  return { ok: true, records };
}

/** One CSV line (RFC 4180 quoting, comma-separated); undefined for an unclosed quote. */
function splitCsvLine(line: string): string[] | undefined {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  if (quoted) return undefined;
  cells.push(cell);
  return cells;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function csvValue(cell: string): StreamValue {
  const text = cell.trim();
  if (text === '') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (NUMBER.test(text)) return Number(text);
  return cell;
}

function typeOf(value: StreamValue): StreamColumn['type'] | null {
  if (value === null) return null;
  return typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'string';
}

/** The schema of a first batch: its columns in order of first appearance, each of its majority type. */
export function inferSchema(records: readonly StreamRecord[]): StreamColumn[] {
  const counts = new Map<string, Record<StreamColumn['type'], number>>();
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      const count = counts.get(key) ?? { number: 0, boolean: 0, string: 0 };
      counts.set(key, count);
      const type = typeOf(value);
      if (type !== null) count[type]++;
    }
  }
  // A column most records lack is not part of the schema: those few records are dead letters.
  const present = (key: string) => records.filter((record) => key in record).length;
  return [...counts.entries()]
    .filter(([key]) => present(key) * 2 > records.length)
    .map(([name, count]) => {
      const type = count.number > count.string && count.number >= count.boolean ? 'number' : count.boolean > count.string && count.boolean > count.number ? 'boolean' : 'string';
      return { name, type };
    });
}

/** Why a record does not fit the schema, or undefined when it does. */
export function misfit(record: StreamRecord, schema: readonly StreamColumn[]): string | undefined {
  for (const column of schema) {
    if (!(column.name in record)) return `missing key '${column.name}'`;
    const value = record[column.name]!;
    const type = typeOf(value);
    if (type !== null && type !== column.type) {
      return `wrong type for '${column.name}': ${type} ${JSON.stringify(value).slice(0, 40)}, expected ${column.type === 'string' ? 'text' : column.type}`;
    }
  }
  const known = new Set(schema.map((column) => column.name));
  const extra = Object.keys(record).filter((key) => !known.has(key));
  if (extra.length > 0) return `unexpected key${extra.length === 1 ? '' : 's'} ${extra.map((key) => `'${key}'`).join(', ')} (the schema is ${schema.map((column) => column.name).join(', ')})`;
  return undefined;
}
