/**
 * Replaying a recipe: the one code path that feature nodes (on the table they just fitted),
 * batch prediction and the model server (on raw rows) all use, so serving can never drift
 * from training preprocessing.
 */
import type { Table } from 'apache-arrow';
import type { RecipeStep } from '../../data/table.js';
import { buildTable, tableColumns, type Column } from './columns.js';
import { RecipeError, stepLabel } from './errors.js';
import { encodeStep } from './encode.js';
import { expressionStep } from './expression.js';
import { imputeStep } from './impute.js';
import { scaleStep } from './scale.js';
import { selectStep } from './select.js';
import type { ApplyOptions, StepContext, StepKind } from './step.js';

const KINDS = new Map<string, StepKind<unknown>>(
  ([scaleStep, encodeStep, imputeStep, selectStep, expressionStep] as StepKind<never>[]).map((kind) => [kind.kind, kind as StepKind<unknown>]),
);

/** The step kinds this code can replay. */
export const RECIPE_STEP_KINDS: readonly string[] = [...KINDS.keys()];

const NOTHING_ABSENT: ReadonlySet<string> = new Set();

/**
 * Parsed fitted JSON per step object: the model server replays the same step objects on
 * every request, so each is checked (and an expression parsed) once.
 */
const parsedSteps = new WeakMap<RecipeStep, unknown>();

function parsedFitted(step: RecipeStep, kind: StepKind<unknown>): unknown {
  if (parsedSteps.has(step)) return parsedSteps.get(step);
  if (!Number.isInteger(step.version) || step.version < 1 || step.version > kind.version) {
    throw new RecipeError(`${stepLabel(step)} is version ${String(step.version)}, but this Tensorloom replays ${kind.kind} up to version ${kind.version}; update Tensorloom`, step);
  }
  let parsed: unknown;
  try {
    parsed = kind.parse(step.fitted);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new RecipeError(`${stepLabel(step)} has malformed fitted values (${reason}); re-run the pipeline that made this recipe`, step);
  }
  parsedSteps.set(step, parsed);
  return parsed;
}

function kindOf(step: RecipeStep): StepKind<unknown> {
  const kind = KINDS.get(step.kind);
  if (!kind) throw new RecipeError(`${stepLabel(step)}: unknown recipe step kind '${step.kind}'; known kinds are: ${RECIPE_STEP_KINDS.join(', ')}`, step);
  return kind;
}

function run(columns: readonly Column[], step: RecipeStep, absentOk: ReadonlySet<string>, rows: number): Column[] {
  const kind = kindOf(step);
  const context: StepContext = { step, absentOk, rows };
  return kind.apply(columns, parsedFitted(step, kind), context);
}

/** One step on `table`. Throws RecipeError naming the column and the node on bad input. */
export function applyStep(table: Table, step: RecipeStep, options: ApplyOptions = {}): Table {
  return buildTable(run(tableColumns(table), step, options.absentOk ?? NOTHING_ABSENT, table.numRows), table.numRows, table.schema.metadata);
}

/**
 * Every step in order, without refitting: raw rows in, model-ready rows out. The split
 * column passes through untouched; a column a step replaces keeps its position.
 */
export function applyRecipe(table: Table, steps: readonly RecipeStep[], options: ApplyOptions = {}): Table {
  if (steps.length === 0) return table;
  const absentOk = options.absentOk ?? NOTHING_ABSENT;
  let columns: readonly Column[] = tableColumns(table);
  for (const step of steps) columns = run(columns, step, absentOk, table.numRows);
  return buildTable(columns, table.numRows, table.schema.metadata);
}
