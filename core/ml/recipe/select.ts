/**
 * feature.select: keeps the listed columns, in that order, and drops every other one (so a
 * request with extra fields gets them dropped). The split column is never listed and
 * always passes through, at the end, when present.
 */
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { columnNames, requireColumn } from '../../data/table-ops.js';
import { SPLIT_COLUMN } from '../../base/table.js';
import { NodeError } from '../../base/errors.js';
import { indexOfColumn, type Column } from './columns.js';
import { findInput, type StepKind } from './step.js';
import { rowInputIndex, type RowStep, type RowStepInput } from './rows.js';

export interface SelectFitted {
  readonly keep: readonly string[];
}

const fittedSchema = z.object({ keep: z.array(z.string()) });

/**
 * The kept columns, in the table's order: `columns` when given, else every column but
 * those in `drop`. Unknown names are NodeErrors naming the param; the split column cannot
 * be dropped.
 */
export function fitSelect(table: Table, selection: { columns?: readonly string[] | undefined; drop?: readonly string[] | undefined }): SelectFitted {
  const field = selection.columns !== undefined ? 'columns' : 'drop';
  const listed = selection.columns ?? selection.drop ?? [];
  for (const name of listed) {
    if (name === SPLIT_COLUMN && field === 'drop') {
      throw new NodeError(`the split column '${SPLIT_COLUMN}' cannot be dropped: later nodes need it to fit on train rows only`, { field });
    }
    requireColumn(table, name, field);
  }
  const named = new Set(listed);
  const keep = columnNames(table).filter((name) => name !== SPLIT_COLUMN && (field === 'columns' ? named.has(name) : !named.has(name)));
  return { keep };
}

export const selectStep: StepKind<SelectFitted> = {
  kind: 'feature.select',
  version: 1,
  parse: (fitted) => fittedSchema.parse(fitted),
  apply(columns, fitted, context) {
    const out: Column[] = [];
    for (const name of fitted.keep) {
      const index = findInput(columns, name, context);
      if (index !== undefined) out.push(columns[index]!);
    }
    const split = indexOfColumn(columns, SPLIT_COLUMN);
    if (split >= 0 && !fitted.keep.includes(SPLIT_COLUMN)) out.push(columns[split]!);
    return out;
  },
  // Replay requires every kept column, used downstream or not.
  flows: (fitted) => [{ reads: fitted.keep.map((name) => ({ name, type: 'same' as const })), writes: fitted.keep, always: true }],
  rows: selectRows,
};

/** Row form of `apply`: which columns stay is known from the names alone. */
function selectRows(fitted: SelectFitted, input: RowStepInput): RowStep | null {
  const picks: number[] = [];
  for (const name of fitted.keep) {
    const index = rowInputIndex(input, name);
    if (index === null) return null;
    if (index !== undefined) picks.push(index);
  }
  const split = input.names.indexOf(SPLIT_COLUMN);
  if (split >= 0 && !fitted.keep.includes(SPLIT_COLUMN)) picks.push(split);
  return {
    names: picks.map((index) => input.names[index]!),
    run: (columns) => picks.map((index) => columns[index]!),
  };
}
