/**
 * feature.encode: categories fitted on train rows. onehot replaces a column, at its
 * position, by one 0/1 column per category (`name=category`); ordinal replaces it by the
 * category's position in the sorted list. Missing and unknown values (never seen on train
 * rows, or beyond maxCategories) are all zeros (onehot) or -1 (ordinal).
 */
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { columnNames, requireColumn } from '../../data/table-ops.js';
import { NodeError } from '../../base/errors.js';
import { categoryCodes, float64Data, indexOfColumn, newColumn, tableColumns, type CategoryCodes } from './columns.js';
import { categoryOrder, countIds } from './stats.js';
import { findInput, type StepKind } from './step.js';
import { rowCategory, rowInputIndex, type RowColumn, type RowStep, type RowStepInput } from './rows.js';

export const ENCODE_METHODS = ['onehot', 'ordinal'] as const;
export type EncodeMethod = (typeof ENCODE_METHODS)[number];

/** The ordinal code of a missing or unknown value. */
export const UNKNOWN_CODE = -1;

export interface EncodeFitted {
  readonly method: EncodeMethod;
  readonly columns: readonly { readonly name: string; readonly categories: readonly string[] }[];
}

export interface EncodeFitInfo {
  readonly name: string;
  /** Distinct values on the fitting rows. */
  readonly distinct: number;
  /** Of those, how many fell beyond maxCategories (they encode as unknown). */
  readonly dropped: number;
  /** Rows (all of them, not only train) with a value outside the kept categories. */
  readonly unknownRows: number;
}

const fittedSchema = z.object({
  method: z.enum(ENCODE_METHODS),
  columns: z.array(z.object({ name: z.string(), categories: z.array(z.string()) })),
});

/** The name of the onehot column for one category. */
export function onehotName(column: string, category: string): string {
  return `${column}=${category}`;
}

/**
 * The categories of each column on the fitting rows: the `maxCategories` most frequent
 * (ties broken by value), sorted by value (numerically when they all are numbers).
 */
export function fitEncode(
  table: Table,
  columns: readonly string[],
  method: EncodeMethod,
  maxCategories: number,
  mask: readonly boolean[] | null,
  field = 'columns',
): { fitted: EncodeFitted; info: EncodeFitInfo[] } {
  const available = tableColumns(table);
  const fitted: { name: string; categories: string[] }[] = [];
  const info: EncodeFitInfo[] = [];
  for (const name of columns) {
    requireColumn(table, name, field);
    const codes = categoryCodes(available[indexOfColumn(available, name)]!.data);
    const counts = countIds(codes.ids, codes.values.length, mask);
    const seen = codes.values.filter((_, id) => counts[id]! > 0);
    if (seen.length === 0) {
      const rows = mask === null ? table.numRows : mask.filter(Boolean).length;
      throw new NodeError(`column '${name}' has no values on the ${rows} ${mask === null ? '' : 'train '}rows, so there is nothing to encode; impute it first or leave it out of ${field}`, { field });
    }
    const order = categoryOrder(seen);
    const countOf = new Map(codes.values.map((value, id) => [value, counts[id]!]));
    const kept = [...seen]
      .sort((a, b) => countOf.get(b)! - countOf.get(a)! || order(a, b))
      .slice(0, maxCategories)
      .sort(order);
    fitted.push({ name, categories: kept });
    const known = positions(codes, kept);
    const unknownRows = codes.ids.reduce((sum, id) => sum + (id >= 0 && known[id]! < 0 ? 1 : 0), 0);
    info.push({ name, distinct: seen.length, dropped: seen.length - kept.length, unknownRows });
  }
  if (method === 'onehot') checkOnehotNames(columnNames(table), fitted, field);
  return { fitted: { method, columns: fitted }, info };
}

/** Onehot output names must not collide with the columns that stay, nor with each other. */
function checkOnehotNames(existing: readonly string[], fitted: readonly { name: string; categories: readonly string[] }[], field: string): void {
  const encoded = new Set(fitted.map((column) => column.name));
  const taken = new Map(existing.filter((name) => !encoded.has(name)).map((name) => [name, `an existing column`]));
  for (const { name, categories } of fitted) {
    for (const category of categories) {
      const output = onehotName(name, category);
      const owner = taken.get(output);
      if (owner !== undefined) {
        throw new NodeError(`onehot column '${output}' (from column '${name}') would clash with ${owner} of that name; rename one of them or use method 'ordinal'`, { field });
      }
      taken.set(output, `the onehot column of '${name}'`);
    }
  }
}

/** For each distinct id of `codes`, the position of its value in `categories`, or -1. */
function positions(codes: CategoryCodes, categories: readonly string[]): Int32Array {
  const index = new Map(categories.map((category, k) => [category, k]));
  return Int32Array.from(codes.values, (value) => index.get(value) ?? UNKNOWN_CODE);
}

export const encodeStep: StepKind<EncodeFitted> = {
  kind: 'feature.encode',
  version: 1,
  parse: (fitted) => fittedSchema.parse(fitted),
  apply(columns, fitted, context) {
    let out = [...columns];
    const rows = context.rows;
    for (const { name, categories } of fitted.columns) {
      const index = findInput(out, name, context);
      if (index === undefined) continue;
      const codes = categoryCodes(out[index]!.data);
      const position = positions(codes, categories);
      if (fitted.method === 'ordinal') {
        const values = new Float64Array(rows);
        for (let row = 0; row < rows; row++) {
          const id = codes.ids[row]!;
          values[row] = id < 0 ? UNKNOWN_CODE : position[id]!;
        }
        out[index] = newColumn(name, float64Data(values));
        continue;
      }
      const indicators = categories.map(() => new Float64Array(rows));
      for (let row = 0; row < rows; row++) {
        const id = codes.ids[row]!;
        const at = id < 0 ? UNKNOWN_CODE : position[id]!;
        if (at >= 0) indicators[at]![row] = 1;
      }
      const replacement = categories.map((category, k) => newColumn(onehotName(name, category), float64Data(indicators[k]!)));
      out = [...out.slice(0, index), ...replacement, ...out.slice(index + 1)];
    }
    return out;
  },
  // Any type: categories are matched by their string form, so a request may send 8 or '8'.
  flows: (fitted) =>
    fitted.columns.map(({ name, categories }) => ({
      reads: [{ name, type: 'any' }],
      writes: fitted.method === 'ordinal' ? [name] : categories.map((category) => onehotName(name, category)),
    })),
  target(fitted, target) {
    const column = fitted.columns.find(({ name }) => name === target);
    return column && { effect: 'encoded', method: fitted.method, categories: column.categories };
  },
  rows: encodeRows,
};

/** Row form of `apply`: each column's categories looked up by their string form, on plain arrays. */
function encodeRows(fitted: EncodeFitted, input: RowStepInput): RowStep | null {
  const ops: { index: number; position: Map<string, number>; width: number }[] = [];
  let names = [...input.names];
  for (const { name, categories } of fitted.columns) {
    const index = rowInputIndex({ names, absentOk: input.absentOk }, name);
    if (index === null) return null;
    if (index === undefined) continue;
    // Built as `positions` builds it: a repeated category maps to its last position.
    ops.push({ index, position: new Map(categories.map((category, k) => [category, k])), width: categories.length });
    if (fitted.method === 'onehot') names = [...names.slice(0, index), ...categories.map((category) => onehotName(name, category)), ...names.slice(index + 1)];
  }
  const ordinal = fitted.method === 'ordinal';
  return {
    names,
    run(columns, rows) {
      let out = [...columns];
      for (const { index, position, width } of ops) {
        const column = out[index]!;
        if (ordinal) {
          const values = new Array<number>(rows);
          for (let row = 0; row < rows; row++) {
            const category = rowCategory(column, row);
            values[row] = category === null ? UNKNOWN_CODE : (position.get(category) ?? UNKNOWN_CODE);
          }
          out[index] = { kind: 'number', values };
          continue;
        }
        const indicators: RowColumn[] = [];
        for (let k = 0; k < width; k++) indicators.push({ kind: 'number', values: new Array<number>(rows).fill(0) });
        for (let row = 0; row < rows; row++) {
          const category = rowCategory(column, row);
          const at = category === null ? UNKNOWN_CODE : (position.get(category) ?? UNKNOWN_CODE);
          if (at >= 0) (indicators[at]!.values as number[])[row] = 1;
        }
        out = [...out.slice(0, index), ...indicators, ...out.slice(index + 1)];
      }
      return out;
    },
  };
}
