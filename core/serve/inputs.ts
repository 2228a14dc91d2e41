/**
 * Checking prediction requests against the model's raw inputs (bundle.json `inputs`) and
 * turning them into the Arrow table the recipe replays on. Every refusal names the field:
 * `instances[3].bill_length_mm: expected a number, got text "abc"`.
 */
import { Bool, vectorFromArray, type Table, type Vector } from 'apache-arrow';
import { makeTable } from '../data/source-file.js';
import { float64Column, singleData, stringColumn } from '../data/table-ops.js';
import type { InputColumn, ModelBundle } from '../ml/bundle-format.js';
import { RequestError } from './errors.js';

export type Cell = number | string | boolean | null;

/** Validated request rows, column by column, in the order of the model's inputs. */
export interface InputBatch {
  readonly rows: number;
  readonly columns: readonly Cell[][];
}

const TYPE_WORDS: Record<InputColumn['type'], string> = { number: 'a number', string: 'text', boolean: 'true or false', any: 'a number, text or true/false' };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'number' ? 'the number' : typeof value} ${String(value)}`;
}

export class InputSchema {
  readonly inputs: readonly InputColumn[];
  private readonly index: Map<string, number>;
  private readonly target: string;

  constructor(bundle: ModelBundle, private readonly maxRows: number) {
    this.inputs = bundle.inputs;
    this.index = new Map(bundle.inputs.map((input, k) => [input.name, k]));
    this.target = bundle.target.name;
  }

  /** One value, checked against its input's type; null stands for a missing value. */
  cell(input: InputColumn, value: unknown, path: string): Cell {
    if (value === null) return null;
    const kind = typeof value;
    // JSON.parse reads a literal past ±1.8e308 (1e400) as ±Infinity; the recipe would then
    // treat it as missing and impute it. Refused like a literal Infinity (json-body.ts).
    if (kind === 'number' && !Number.isFinite(value)) {
      throw new RequestError(400, `${path}: the number is too large for a 64-bit float (it reads as ${String(value)}); send a finite number, or null for a missing value`);
    }
    const ok =
      input.type === 'any' ? kind === 'number' || kind === 'string' || kind === 'boolean' : input.type === 'number' ? kind === 'number' : input.type === 'string' ? kind === 'string' : kind === 'boolean';
    if (!ok) throw new RequestError(400, `${path}: expected ${TYPE_WORDS[input.type]} for '${input.name}', got ${describe(value)}`);
    return value as Cell;
  }

  private unknownField(name: string, path: string): RequestError {
    if (name === this.target) return new RequestError(400, `${path}: '${name}' is what the model predicts (its target); leave it out of the request`);
    return new RequestError(400, `${path}: unknown field '${name}'; the model's inputs are ${this.inputs.map((input) => input.name).join(', ')}`);
  }

  private checkRows(rows: number, field: string): void {
    if (rows === 0) throw new RequestError(400, `${field}: no rows; send at least one`);
    if (rows > this.maxRows) throw new RequestError(413, `${field}: ${rows} rows; this server takes at most ${this.maxRows} per request (MAX_BATCH_ROWS)`);
  }

  /** Row format: a list of records, column name → value. */
  fromRecords(records: unknown, field: string): InputBatch {
    if (!Array.isArray(records)) throw new RequestError(400, `${field} must be a list of records (column name → value), got ${describe(records)}`);
    this.checkRows(records.length, field);
    const columns = this.inputs.map(() => new Array<Cell>(records.length));
    for (let row = 0; row < records.length; row++) {
      const record: unknown = records[row];
      const path = `${field}[${row}]`;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new RequestError(400, `${path} must be a record (column name → value), got ${describe(record)}`);
      let seen = 0;
      for (const name in record) {
        const k = this.index.get(name);
        if (k === undefined) throw this.unknownField(name, path);
        columns[k]![row] = this.cell(this.inputs[k]!, (record as Record<string, unknown>)[name], `${path}.${name}`);
        seen++;
      }
      if (seen !== this.inputs.length) throw this.missing(columns, row, path);
    }
    return { rows: records.length, columns };
  }

  private missing(columns: readonly Cell[][], row: number, path: string): RequestError {
    const absent = this.inputs.filter((_, k) => columns[k]![row] === undefined).map((input) => input.name);
    return new RequestError(400, `${path}: missing ${absent.length === 1 ? 'feature' : 'features'} ${absent.map((name) => `'${name}'`).join(', ')} (send null for a value that is missing)`);
  }

  /** Columnar format: column name → list of values, all lists the same length. */
  fromColumns(columns: unknown, field: string): InputBatch {
    if (typeof columns !== 'object' || columns === null || Array.isArray(columns)) {
      throw new RequestError(400, `${field} must be an object of columns (column name → list of values), got ${describe(columns)}`);
    }
    const given = columns as Record<string, unknown>;
    for (const name of Object.keys(given)) if (!this.index.has(name)) throw this.unknownField(name, field);
    const absent = this.inputs.filter((input) => !Object.hasOwn(given, input.name)).map((input) => `'${input.name}'`);
    if (absent.length > 0) throw new RequestError(400, `${field}: missing ${absent.length === 1 ? 'feature' : 'features'} ${absent.join(', ')}`);
    let rows = -1;
    const out = this.inputs.map((input) => {
      const values = given[input.name];
      const path = `${field}.${input.name}`;
      if (!Array.isArray(values)) throw new RequestError(400, `${path} must be a list of values, got ${describe(values)}`);
      if (rows < 0) {
        rows = values.length;
        this.checkRows(rows, field);
      } else if (values.length !== rows) {
        throw new RequestError(400, `${path} has ${values.length} values but '${this.inputs[0]!.name}' has ${rows}; every column needs one value per row`);
      }
      return values.map((value, row) => this.cell(input, value, `${path}[${row}]`));
    });
    return { rows, columns: out };
  }

  /** Columns already checked value by value (the V2 protocol checks each tensor itself). */
  fromColumnLists(columns: Cell[][], field: string): InputBatch {
    const rows = columns[0]?.length ?? 0;
    this.checkRows(rows, field);
    return { rows, columns };
  }

  /** The Arrow table of raw rows the bundle's recipe replays on. */
  toTable(batch: InputBatch): Table {
    const vectors = this.inputs.map((input, k) => column(input, batch.columns[k]!));
    return makeTable(
      this.inputs.map((input) => input.name),
      vectors.map((vector) => singleData(vector)),
      batch.rows,
    );
  }
}

/** A column of the type the training data had: numbers as Float64, text as Utf8, booleans as Bool. */
function column(input: InputColumn, values: readonly Cell[]): Vector {
  let kind = input.type === 'any' ? undefined : input.type;
  if (kind === undefined) {
    // Free-typed inputs (they went through an encoder): take the request's own type, text when mixed.
    for (const value of values) {
      if (value === null) continue;
      const type = typeof value as 'number' | 'string' | 'boolean';
      if (kind === undefined) kind = type;
      else if (kind !== type) kind = 'string';
    }
    kind ??= 'string';
  }
  if (kind === 'number') return float64Column(values.map((value) => (value === null ? NaN : (value as number))));
  if (kind === 'boolean') return vectorFromArray(values as (boolean | null)[], new Bool());
  return stringColumn(values.map((value) => (value === null ? null : String(value))));
}

/** Joins validated batches (requests that arrived together) into one. */
export function concatBatches(batches: readonly InputBatch[]): InputBatch {
  if (batches.length === 1) return batches[0]!;
  const width = batches[0]!.columns.length;
  const columns: Cell[][] = [];
  for (let k = 0; k < width; k++) columns.push(batches.flatMap((batch) => batch.columns[k]!));
  return { rows: batches.reduce((sum, batch) => sum + batch.rows, 0), columns };
}
