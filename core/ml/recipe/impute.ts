/**
 * feature.impute: fills missing values with a value fitted on train rows. Missing means
 * null, and for numeric columns also NaN and ±Infinity (a value no model can use). Numeric
 * columns come out as Float64 (a mean is rarely a whole number); text stays text.
 */
import type { Table } from 'apache-arrow';
import { DataType } from 'apache-arrow';
import { z } from 'zod';
import { requireColumn } from '../../data/table-ops.js';
import { NodeError } from '../../base/errors.js';
import { categoryCodes, float64Data, indexOfColumn, isAllMissing, newColumn, numericValues, tableColumns, typeName, utf8FromCodes } from './columns.js';
import { categoryOrder, countIds, fittingValues, mean, quantileSorted, sortedCopy } from './stats.js';
import { findInput, wrongTypeError, type StepKind } from './step.js';
import { finiteOrMissing, rowCategory, rowInputIndex, rowNumbers, utf8Text, type RowColumn, type RowStep, type RowStepInput } from './rows.js';

export const IMPUTE_STRATEGIES = ['mean', 'median', 'mostFrequent', 'constant'] as const;
export type ImputeStrategy = (typeof IMPUTE_STRATEGIES)[number];

export interface ImputeFitted {
  /** The strategy asked for, or 'auto': mean for numbers, mostFrequent for text and booleans. */
  readonly strategy: ImputeStrategy | 'auto';
  readonly columns: readonly { readonly name: string; readonly value: number | string }[];
}

export interface ImputeFitInfo {
  readonly name: string;
  readonly value: number | string;
  readonly strategy: ImputeStrategy;
  /** Missing values on all rows: how many this step fills in the fitted table. */
  readonly missing: number;
}

const fittedSchema = z.object({
  strategy: z.enum([...IMPUTE_STRATEGIES, 'auto']),
  columns: z.array(z.object({ name: z.string(), value: z.union([z.number(), z.string()]) })),
});

/** Numbers with ±Infinity turned into NaN: both count as missing here. */
function finiteOrNaN(values: Float64Array): Float64Array {
  for (let k = 0; k < values.length; k++) if (values[k]! - values[k]! !== 0) values[k] = NaN;
  return values;
}

function countNaN(values: Float64Array): number {
  let count = 0;
  for (let k = 0; k < values.length; k++) if (Number.isNaN(values[k]!)) count++;
  return count;
}

/** The most frequent value among ids on the fitting rows; ties go to the smallest value. */
function mostFrequent(values: readonly string[], counts: Float64Array): string | undefined {
  const order = categoryOrder(values.filter((_, id) => counts[id]! > 0));
  let best: string | undefined;
  let bestCount = 0;
  values.forEach((value, id) => {
    const count = counts[id]!;
    if (count > bestCount || (count === bestCount && count > 0 && best !== undefined && order(value, best) < 0)) {
      best = value;
      bestCount = count;
    }
  });
  return best;
}

export interface ImputeFitOptions {
  readonly strategy: ImputeStrategy | undefined;
  /** The `constant` strategy's value. */
  readonly value?: number | string | undefined;
  readonly field?: string;
}

/** Fits the fill value of each column on the rows `mask` selects (all rows when null). */
export function fitImpute(table: Table, columns: readonly string[], options: ImputeFitOptions, mask: readonly boolean[] | null): { fitted: ImputeFitted; info: ImputeFitInfo[] } {
  const field = options.field ?? 'columns';
  const available = tableColumns(table);
  const fittingRows = mask === null ? table.numRows : mask.filter(Boolean).length;
  const where = `${fittingRows} ${mask === null ? '' : 'train '}rows`;
  const fitted: { name: string; value: number | string }[] = [];
  const info: ImputeFitInfo[] = [];
  for (const name of columns) {
    requireColumn(table, name, field);
    const column = available[indexOfColumn(available, name)]!;
    const type = column.field.type;
    // A column without any value takes the kind of a constant fill value, else counts as numeric.
    const asText = isAllMissing(column.data) ? typeof options.value === 'string' && options.strategy === 'constant' : numericValues(column.data) === undefined;
    const strategy: ImputeStrategy = options.strategy ?? (asText || DataType.isBool(type) ? 'mostFrequent' : 'mean');
    let value: number | string | undefined;
    let missing: number;
    if (strategy === 'constant') {
      if (options.value === undefined) throw new NodeError(`strategy 'constant' needs param 'value' (the fill value)`, { field: 'value' });
      if (!asText && typeof options.value !== 'number') {
        throw new NodeError(`param 'value' is the text '${options.value}', but column '${name}' is numeric; give a number, or impute text columns in a separate node`, { field: 'value' });
      }
      value = asText ? String(options.value) : options.value;
    }
    if (asText) {
      if (strategy === 'mean' || strategy === 'median') {
        throw new NodeError(`column '${name}' is ${typeName(type)}; strategy '${strategy}' needs numbers: use 'mostFrequent' or 'constant' for it`, { field: 'strategy' });
      }
      const codes = categoryCodes(column.data);
      missing = codes.ids.reduce((sum, id) => sum + (id < 0 ? 1 : 0), 0);
      if (strategy === 'mostFrequent') value = mostFrequent(codes.values, countIds(codes.ids, codes.values.length, mask));
    } else {
      const numbers = finiteOrNaN(numericValues(column.data)!);
      missing = countNaN(numbers);
      if (strategy !== 'constant') {
        const train = fittingValues(numbers, mask);
        if (train.length > 0) {
          if (strategy === 'mean') value = mean(train);
          else if (strategy === 'median') value = quantileSorted(sortedCopy(train), 0.5);
          else {
            const codes = categoryCodes(float64Data(train));
            value = Number(mostFrequent(codes.values, countIds(codes.ids, codes.values.length, null)));
          }
        }
      }
    }
    if (value === undefined) {
      throw new NodeError(`column '${name}' has no values on the ${where}, so '${strategy}' has nothing to compute; use strategy 'constant' or leave it out of ${field}`, {
        field,
      });
    }
    fitted.push({ name, value });
    info.push({ name, value, strategy, missing });
  }
  return { fitted: { strategy: options.strategy ?? 'auto', columns: fitted }, info };
}

/** Missing values of a column, as impute counts them (null; for numbers also NaN and ±Infinity). */
export function missingCount(table: Table, name: string, field = 'columns'): number {
  requireColumn(table, name, field);
  const available = tableColumns(table);
  const data = available[indexOfColumn(available, name)]!.data;
  const numbers = numericValues(data);
  if (numbers) return countNaN(finiteOrNaN(numbers));
  return data.nullCount;
}

export const imputeStep: StepKind<ImputeFitted> = {
  kind: 'feature.impute',
  version: 1,
  parse: (fitted) => fittedSchema.parse(fitted),
  apply(columns, fitted, context) {
    const out = [...columns];
    for (const { name, value } of fitted.columns) {
      const index = findInput(out, name, context);
      if (index === undefined) continue;
      const column = out[index]!;
      if (typeof value === 'number') {
        const numbers = numericValues(column.data);
        if (!numbers) throw wrongTypeError(context, column, `fills it with the number ${value}`);
        for (let k = 0; k < numbers.length; k++) if (numbers[k]! - numbers[k]! !== 0) numbers[k] = value;
        out[index] = newColumn(name, float64Data(numbers));
      } else if (!(DataType.isUtf8(column.field.type) && column.data.nullCount === 0)) {
        // Text fills text; a column that arrives as numbers is filled in its string form.
        out[index] = newColumn(name, utf8FromCodes(categoryCodes(column.data), value));
      }
    }
    return out;
  },
  // Filling keeps the column's kind: a request sends it as the model needs it.
  flows: (fitted) => fitted.columns.map(({ name }) => ({ reads: [{ name, type: 'same' }], writes: [name] })),
  target: (fitted, target) => (fitted.columns.some(({ name }) => name === target) ? { effect: 'filled' } : undefined),
  rows: imputeRows,
};

/** Row form of `apply`: the same fills, column by column, on plain arrays. */
function imputeRows(fitted: ImputeFitted, input: RowStepInput): RowStep | null {
  const fills: { index: number; value: number | string }[] = [];
  for (const { name, value } of fitted.columns) {
    const index = rowInputIndex(input, name);
    if (index === null) return null;
    if (index !== undefined) fills.push({ index, value: typeof value === 'number' ? value : utf8Text(value) });
  }
  return {
    names: input.names,
    run(columns, rows) {
      const out = [...columns];
      for (const { index, value } of fills) {
        const column = out[index]!;
        if (typeof value === 'number') {
          const numbers = rowNumbers(column);
          if (!numbers) return undefined;
          const values = new Array<number>(rows);
          for (let k = 0; k < rows; k++) {
            const x = numbers[k]!;
            values[k] = finiteOrMissing(x - x !== 0 ? value : x);
          }
          out[index] = { kind: 'number', values };
        } else if (column.kind !== 'text' || column.values.includes(null)) {
          // utf8FromCodes(categoryCodes(…)): the decoded string forms, re-encoded, the fill where missing.
          const values = new Array<string>(rows);
          for (let k = 0; k < rows; k++) values[k] = rowCategory(column, k) ?? value;
          out[index] = { kind: 'text', values } satisfies RowColumn;
        }
      }
      return out;
    },
  };
}
