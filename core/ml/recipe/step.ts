import type { RecipeStep } from '../../data/table.js';
import { indexOfColumn, typeName, type Column } from './columns.js';
import { missingColumnError, RecipeError, stepLabel } from './errors.js';

export interface ApplyOptions {
  /**
   * Columns that may be missing from the input (the label, when predicting): steps skip
   * them silently. Any other missing column is a RecipeError.
   */
  readonly absentOk?: ReadonlySet<string>;
}

/** What a step's apply function gets besides the columns. */
export interface StepContext {
  readonly step: RecipeStep;
  readonly absentOk: ReadonlySet<string>;
  readonly rows: number;
}

/** One kind of recipe step: how to read its fitted JSON and replay it on columns. */
export interface StepKind<F> {
  readonly kind: string;
  /** The highest node version whose steps this code replays. */
  readonly version: number;
  /** Checks the fitted JSON (it may come from a bundle file); throws an Error saying what is wrong. */
  parse(fitted: Readonly<Record<string, unknown>>): F;
  /** The columns after the step; never mutates its input. */
  apply(columns: readonly Column[], fitted: F, context: StepContext): Column[];
}

/**
 * The position of column `name`, undefined when it is missing and allowed to be (the step
 * then skips it), or a RecipeError naming it and the step.
 */
export function findInput(columns: readonly Column[], name: string, context: StepContext): number | undefined {
  const index = indexOfColumn(columns, name);
  if (index >= 0) return index;
  if (context.absentOk.has(name)) return undefined;
  throw missingColumnError(context.step, name);
}

export function wrongTypeError(context: StepContext, column: Column, needs: string): RecipeError {
  const name = column.field.name;
  return new RecipeError(`column '${name}' is ${typeName(column.field.type)}, but ${stepLabel(context.step)} ${needs}`, context.step, name);
}
