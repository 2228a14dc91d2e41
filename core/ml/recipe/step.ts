import type { RecipeStep } from '../../base/table.js';
import { indexOfColumn, typeName, type Column } from './columns.js';
import type { StepKindRegistry } from './registry.js';
import type { RowStep, RowStepInput } from './rows.js';
import { missingColumnError, RecipeError, stepLabel } from './errors.js';

export interface ApplyOptions {
  /**
   * Columns that may be missing from the input (the label, when predicting): steps skip
   * them silently. Any other missing column is a RecipeError.
   */
  readonly absentOk?: ReadonlySet<string>;
  /** The step kinds to replay with; the process-wide `stepKinds` (built-ins and packs) by default. */
  readonly steps?: StepKindRegistry;
}

/** What a step's apply function gets besides the columns. */
export interface StepContext {
  readonly step: RecipeStep;
  readonly absentOk: ReadonlySet<string>;
  readonly rows: number;
}

/** How a request must send a raw column (bundle.json `inputs`): `any` takes what comes (an encoder reads it). */
export type InputType = 'number' | 'string' | 'boolean' | 'any';

/**
 * One output of a step and the columns it is computed from. The trainer walks the recipe
 * backwards through these to find the raw columns a prediction request must carry.
 */
export interface ColumnFlow {
  /**
   * The columns read, with the type a request must send them as; `same` = the type the
   * model needs the written column of that name as (a step that keeps the kind, like impute
   * or select), `any` when nothing downstream needs it.
   */
  readonly reads: readonly { readonly name: string; readonly type: InputType | 'same' }[];
  readonly writes: readonly string[];
  /** The reads are required even when nothing downstream uses the writes (select keeps its columns). */
  readonly always?: boolean;
}

/** What a step did to the label column, so the trainer can read labels and predictions back. */
export type TargetEffect =
  /** `(y - center) / scale`: undone on the labels and on the predictions. */
  | { readonly effect: 'scaled'; readonly center: number; readonly scale: number }
  /** Replaced by onehot columns `name=category` or an ordinal code: the labels are read back from it. */
  | { readonly effect: 'encoded'; readonly method: 'onehot' | 'ordinal'; readonly categories: readonly string[] }
  /** Missing labels filled in (a warning: they are trained on). */
  | { readonly effect: 'filled' };

/**
 * One kind of recipe step: how to read its fitted JSON, replay it on columns, and what it
 * reads and writes. Built-ins and node packs register theirs in a StepKindRegistry
 * (registerStepKind); replay, the trainer and the model server only go through this.
 */
export interface StepKind<F = unknown> {
  /** The `kind` recipe steps carry: the feature node's type, e.g. `mypack.log`. */
  readonly kind: string;
  /** The highest step `version` (its fitted format) this code replays; newer steps are refused. */
  readonly version: number;
  /** The node pack that provides it, for error messages (built-ins leave it out). */
  readonly pack?: string;
  /** Checks the fitted JSON (it may come from a bundle file); throws an Error saying what is wrong. */
  parse(fitted: Readonly<Record<string, unknown>>): F;
  /**
   * The columns after the step; never mutates its input. Read inputs with `findInput`: it
   * returns undefined for a column that may be absent (the label, at prediction time), and
   * the outputs computed from it are then left out.
   */
  apply(columns: readonly Column[], fitted: F, context: StepContext): Column[];
  /** Each output the step writes and the inputs it reads for it. */
  flows(fitted: F): readonly ColumnFlow[];
  /**
   * What the step did to the label column `target`, or undefined when it left it alone.
   * Leave it out for a step that never changes a column in place: the label is then
   * whatever the table holds after the recipe.
   */
  target?(fitted: F, target: string): TargetEffect | undefined;
  /**
   * Optional row form (rows.ts): the step compiled for the columns `input.names`, replayed
   * on plain arrays by the model server's compiled row path. It must give exactly what
   * `apply` gives, or undefined for a batch it does not reproduce; return null when the
   * step cannot be compiled for these columns. A kind without it (or returning null) makes
   * the server replay every request through `apply`: slower for one row, never different.
   */
  rows?(fitted: F, input: RowStepInput): RowStep | null;
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

/** `column 'x' is text, but node 'n' (kind) <needs>`: a column of a type the step cannot read. */
export function wrongTypeError(context: StepContext, column: Column, needs: string): RecipeError {
  const name = column.field.name;
  return new RecipeError(`column '${name}' is ${typeName(column.field.type)}, but ${stepLabel(context.step)} ${needs}`, context.step, name);
}
