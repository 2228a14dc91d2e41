/**
 * feature.scale: `(x - center) / scale` per column, with center and scale fitted on train
 * rows. standard: mean / population std; minmax: min / (max - min); robust: median / IQR.
 */
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { requireColumn } from '../../data/table-ops.js';
import { NodeError } from '../../base/errors.js';
import { float64Data, indexOfColumn, newColumn, numericValues, tableColumns, typeName, type Column } from './columns.js';
import { fittingValues, mean, minMax, populationStd, quantileSorted, sortedCopy } from './stats.js';
import { findInput, wrongTypeError, type StepKind } from './step.js';
import { finiteOrMissing, rowInputIndex, rowNumbers, type RowStep, type RowStepInput } from './rows.js';

export const SCALE_METHODS = ['standard', 'minmax', 'robust'] as const;
export type ScaleMethod = (typeof SCALE_METHODS)[number];

export interface ScaleFitted {
  readonly method: ScaleMethod;
  readonly columns: readonly { readonly name: string; readonly center: number; readonly scale: number }[];
}

const fittedSchema = z.object({
  method: z.enum(SCALE_METHODS),
  columns: z.array(z.object({ name: z.string(), center: z.number(), scale: z.number() })),
});

/** A scale of 0 (a constant column) or one that is not finite would blow values up: use 1. */
function usableScale(scale: number): number {
  return Number.isFinite(scale) && scale !== 0 ? scale : 1;
}

/** Rows (0-based) of the first few non-finite, non-missing values, and how many there are. */
export function infiniteRows(values: Float64Array): { count: number; rows: number[] } {
  const rows: number[] = [];
  let count = 0;
  for (let row = 0; row < values.length; row++) {
    const x = values[row]!;
    if (x === Infinity || x === -Infinity) {
      if (rows.length < 5) rows.push(row);
      count++;
    }
  }
  return { count, rows };
}

/**
 * Fits center and scale for each column on the rows `mask` selects (all when null).
 * Errors are NodeErrors naming `field` (the param that listed the columns).
 */
export function fitScale(table: Table, columns: readonly string[], method: ScaleMethod, mask: readonly boolean[] | null, field = 'columns'): ScaleFitted {
  const fitted: { name: string; center: number; scale: number }[] = [];
  const available = tableColumns(table);
  for (const name of columns) {
    requireColumn(table, name, field);
    const values = numericOrFail(available[indexOfColumn(available, name)]!, field);
    const infinite = infiniteRows(values);
    if (infinite.count > 0) {
      throw new NodeError(
        `column '${name}' has ${infinite.count} infinite value${infinite.count === 1 ? '' : 's'} (row${infinite.count === 1 ? '' : 's'} ${infinite.rows.join(', ')}${infinite.count > infinite.rows.length ? ', …' : ''}); scaling needs finite numbers: feature.impute treats them as missing, so impute before scaling`,
        { field },
      );
    }
    const train = fittingValues(values, mask);
    if (train.length === 0) {
      const rows = mask === null ? values.length : mask.filter(Boolean).length;
      throw new NodeError(`column '${name}' has no values on the ${rows} ${mask === null ? '' : 'train '}rows; impute it first or leave it out of ${field}`, { field });
    }
    let center: number;
    let scale: number;
    if (method === 'standard') {
      center = mean(train);
      scale = populationStd(train, center);
    } else if (method === 'minmax') {
      const { min, max } = minMax(train);
      center = min;
      scale = max - min;
    } else {
      const sorted = sortedCopy(train);
      center = quantileSorted(sorted, 0.5);
      scale = quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25);
    }
    fitted.push({ name, center, scale: usableScale(scale) });
  }
  return { method, columns: fitted };
}

function numericOrFail(column: Column, field: string): Float64Array {
  const values = numericValues(column.data);
  if (values) return values;
  throw new NodeError(
    `column '${column.field.name}' is ${typeName(column.field.type)}, not numeric; feature.scale needs numbers (encode it with feature.encode, or leave it out of ${field})`,
    { field },
  );
}

export const scaleStep: StepKind<ScaleFitted> = {
  kind: 'feature.scale',
  version: 1,
  parse: (fitted) => {
    const parsed = fittedSchema.parse(fitted);
    return { method: parsed.method, columns: parsed.columns.map((c) => ({ ...c, scale: usableScale(c.scale) })) };
  },
  apply(columns, fitted, context) {
    const out = [...columns];
    for (const { name, center, scale } of fitted.columns) {
      const index = findInput(out, name, context);
      if (index === undefined) continue;
      const column = out[index]!;
      const values = numericValues(column.data);
      if (!values) throw wrongTypeError(context, column, 'scales numbers');
      // NaN (missing) stays NaN, and float64Data turns it into null.
      for (let k = 0; k < values.length; k++) values[k] = (values[k]! - center) / scale;
      out[index] = newColumn(name, float64Data(values));
    }
    return out;
  },
  flows: (fitted) => fitted.columns.map(({ name }) => ({ reads: [{ name, type: 'number' }], writes: [name] })),
  target(fitted, target) {
    const column = fitted.columns.find(({ name }) => name === target);
    return column && { effect: 'scaled', center: column.center, scale: column.scale };
  },
  rows: scaleRows,
};

/** Row form of `apply`: the same `(x - center) / scale` in float64, on plain arrays. */
function scaleRows(fitted: ScaleFitted, input: RowStepInput): RowStep | null {
  const ops: { index: number; center: number; scale: number }[] = [];
  for (const { name, center, scale } of fitted.columns) {
    const index = rowInputIndex(input, name);
    if (index === null) return null;
    if (index !== undefined) ops.push({ index, center, scale });
  }
  return {
    names: input.names,
    run(columns, rows) {
      const out = [...columns];
      for (const { index, center, scale } of ops) {
        const numbers = rowNumbers(out[index]!);
        if (!numbers) return undefined;
        const values = new Array<number>(rows);
        for (let k = 0; k < rows; k++) values[k] = finiteOrMissing((numbers[k]! - center) / scale);
        out[index] = { kind: 'number', values };
      }
      return out;
    },
  };
}
