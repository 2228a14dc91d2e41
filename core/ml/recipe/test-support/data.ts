/**
 * Real data sets for the recipe tests: penguins (NA cells), Seattle weather and the
 * vega-datasets cars (JSON: strings arrive dictionary-encoded, as from a JSON request).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bool, Float64, Null, Table, Utf8, tableFromJSON, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { readCsv } from '../../../data/csv.js';
import { SPLIT_COLUMN, type RecipeStep } from '../../../base/table.js';
import { columnValues, stringColumn, withColumn } from '../../../data/table-ops.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const PENGUINS = join(repo, 'examples', 'data', 'penguins.csv');
export const WEATHER = join(repo, 'examples', 'data', 'seattle-weather.csv');
export const CARS = join(repo, 'node_modules', 'vega-datasets', 'data', 'cars.json');

export async function csvTable(path: string): Promise<Table> {
  return (await readCsv({ path })).table;
}

export function carsRecords(): Record<string, unknown>[] {
  return JSON.parse(readFileSync(CARS, 'utf8')) as Record<string, unknown>[];
}

export function carsTable(): Table {
  return tableFromJSON(carsRecords() as never);
}

/** Every `every`-th row (from `offset`) is test, the rest train: a split the test can reason about. */
export function withSplit(table: Table, every = 5, offset = 0): Table {
  const roles = Array.from({ length: table.numRows }, (_, row) => (row % every === offset ? 'test' : 'train'));
  return withColumn(table, SPLIT_COLUMN, stringColumn(roles));
}

/** The rows whose split role is train. */
export function trainRowsOf(table: Table): number[] {
  const roles = columnValues(table, SPLIT_COLUMN, 'x');
  return roles.flatMap((role, row) => (role === 'train' ? [row] : []));
}

/** The cells of row `row` as plain values, the split column left out: a raw request record. */
export function rawRecord(table: Table, row: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const field of table.schema.fields) {
    if (field.name === SPLIT_COLUMN) continue;
    const value: unknown = table.getChild(field.name)!.get(row);
    record[field.name] = typeof value === 'bigint' ? Number(value) : value;
  }
  return record;
}

export function step(kind: string, fitted: Record<string, unknown>, nodeId = kind.split('.')[1]!): RecipeStep {
  return { kind, nodeId, version: 1, fitted };
}

/**
 * A table from plain records, the way a JSON request body becomes one: numbers Float64,
 * strings Utf8, booleans Bool, and a field that is null in every record the Null type.
 */
export function recordsTable(records: readonly Record<string, unknown>[]): Table {
  const names = [...new Set(records.flatMap((record) => Object.keys(record)))];
  const columns: Record<string, Vector> = {};
  for (const name of names) {
    const values = records.map((record) => record[name] ?? null);
    const sample = values.find((value) => value !== null);
    const type: DataType = sample === undefined ? new Null() : typeof sample === 'number' ? new Float64() : typeof sample === 'boolean' ? new Bool() : new Utf8();
    columns[name] = vectorFromArray(values as never[], type);
  }
  return new Table(columns);
}
