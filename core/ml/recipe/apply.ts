/**
 * Replaying a recipe: the one code path that feature nodes (on the table they just fitted),
 * batch prediction and the model server (on raw rows) all use, so serving can never drift
 * from training preprocessing.
 */
import type { Table } from 'apache-arrow';
import type { RecipeStep } from '../../base/table.js';
import { buildTable, tableColumns, type Column } from './columns.js';
import { stepKinds, type StepKindRegistry } from './registry.js';
import type { ApplyOptions, StepContext } from './step.js';

const NOTHING_ABSENT: ReadonlySet<string> = new Set();

function run(columns: readonly Column[], step: RecipeStep, absentOk: ReadonlySet<string>, rows: number, steps: StepKindRegistry): Column[] {
  const { kind, fitted } = steps.resolve(step);
  const context: StepContext = { step, absentOk, rows };
  return kind.apply(columns, fitted, context);
}

/** One step on `table`. Throws RecipeError naming the column and the node on bad input. */
export function applyStep(table: Table, step: RecipeStep, options: ApplyOptions = {}): Table {
  return buildTable(run(tableColumns(table), step, options.absentOk ?? NOTHING_ABSENT, table.numRows, options.steps ?? stepKinds), table.numRows, table.schema.metadata);
}

/**
 * Every step in order, without refitting: raw rows in, model-ready rows out. The split
 * column passes through untouched; a column a step replaces keeps its position.
 */
export function applyRecipe(table: Table, steps: readonly RecipeStep[], options: ApplyOptions = {}): Table {
  if (steps.length === 0) return table;
  const absentOk = options.absentOk ?? NOTHING_ABSENT;
  const kinds = options.steps ?? stepKinds;
  let columns: readonly Column[] = tableColumns(table);
  for (const step of steps) columns = run(columns, step, absentOk, table.numRows, kinds);
  return buildTable(columns, table.numRows, table.schema.metadata);
}
