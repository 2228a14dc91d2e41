/**
 * What the feature nodes share: the train-row mask (with the no-split warning), default
 * column lists, the optional `target` param, and appending the fitted step, applied through
 * the same code the model server uses.
 */
import {
  applyStep,
  describeColumns,
  isRecipeError,
  NO_SPLIT_WARNING,
  NodeError,
  requireColumn,
  SPLIT_COLUMN,
  trainRowMask,
  z,
  type ColumnKind,
  type DataTable,
  type RecipeStep,
  type RunContext,
  type Table,
} from '../../core/sdk/index.js';

/**
 * The format version of the fitted steps feature nodes append; replay (core/ml/recipe)
 * refuses newer ones. Not the node types' versions: each node has its own, since a params
 * change (a migration) leaves the fitted format as it is.
 */
export const RECIPE_STEP_VERSION = 1;

export const targetParam = z.string().min(1).optional().describe('The label column; left out of the default columns');

/** An optional list of column names (at least one, no repeats). */
export function columnListParam(description: string) {
  return z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .superRefine((names, issues) => {
      const seen = new Set<string>();
      for (const name of names ?? []) {
        if (seen.has(name)) issues.addIssue({ code: 'custom', message: `lists '${name}' twice` });
        seen.add(name);
      }
    })
    .describe(description);
}

/** The rows to fit on; warns when there is no split, refuses a split without train rows. */
export function fittingMask(table: Table, ctx: RunContext): boolean[] | null {
  const { mask, trainRows } = trainRowMask(table);
  if (mask === null) ctx.log(NO_SPLIT_WARNING, 'warn');
  else if (trainRows === 0) throw new NodeError(`the '${SPLIT_COLUMN}' column marks no row as train; check the split upstream`);
  return mask;
}

/**
 * The columns a node works on: the `columns` param when given (the split column refused),
 * else the table's columns of the given kinds, less the target and the split column.
 */
export function chooseColumns(
  table: Table,
  params: { columns?: string[] | undefined; target?: string | undefined },
  byDefault: (column: { name: string; kind: ColumnKind; nullCount: number }) => boolean,
): string[] {
  if (params.target !== undefined) requireColumn(table, params.target, 'target');
  if (params.columns !== undefined) {
    if (params.columns.includes(SPLIT_COLUMN)) throw new NodeError(`'${SPLIT_COLUMN}' is the split column; take it out of columns`, { field: 'columns' });
    for (const name of params.columns) requireColumn(table, name, 'columns');
    return params.columns;
  }
  return describeColumns(table)
    .filter((column) => column.name !== SPLIT_COLUMN && column.name !== params.target && byDefault(column))
    .map((column) => column.name);
}

/** The input with the fitted step applied (by the replay code itself) and appended to the recipe. */
export function withStep(input: DataTable, kind: string, fitted: Record<string, unknown>, ctx: RunContext): DataTable {
  const step: RecipeStep = { kind, nodeId: ctx.nodeId, version: RECIPE_STEP_VERSION, fitted };
  let table: Table;
  try {
    table = applyStep(input.table, step);
  } catch (error) {
    if (isRecipeError(error)) throw new NodeError(error.message, { field: 'columns' });
    throw error;
  }
  return { table, recipe: [...input.recipe, step] };
}

/** A number for a log line: at most 6 significant digits. */
export function short(value: number | string): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : `'${value}'`;
}
