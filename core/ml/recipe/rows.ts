/**
 * Row forms of recipe steps: the model server's compiled path for small batches. A step
 * kind's `rows()` (StepKind) turns its fitted values into a RowStep once per model; the
 * RowStep then replays the step on plain JS arrays instead of Arrow columns, and must give
 * exactly what `apply` would put in the table (the same values, bit for bit, in the same
 * column types), or say it cannot (undefined): the caller then replays the batch through
 * the table path, which gives the same answer or the proper error. So a row form never
 * throws for bad data and never words an error: `apply` stays the one place they come from.
 */

/**
 * One column of a batch, the way the table path's Arrow column would hold it:
 * - `number`: a Float64 column, NaN where it is null;
 * - `boolean`: a Bool column, 0/1, NaN where it is null;
 * - `text`: a Utf8 column, null where it is null; each string is the one whose UTF-8 bytes
 *   the column holds (well-formed: no lone surrogates), not yet decoded (see `rowCategory`).
 */
export type RowColumn =
  | { readonly kind: 'number'; readonly values: readonly number[] }
  | { readonly kind: 'boolean'; readonly values: readonly number[] }
  | { readonly kind: 'text'; readonly values: readonly (string | null)[] };

/** What a step kind's `rows()` gets: the columns' names before the step, in order. */
export interface RowStepInput {
  readonly names: readonly string[];
  /** Columns that may be missing (the label, unused reads): the step skips them, as `findInput` does. */
  readonly absentOk: ReadonlySet<string>;
}

/** A step compiled for one column layout. */
export interface RowStep {
  /** The columns' names after the step, in order (what `apply` returns). */
  readonly names: readonly string[];
  /**
   * The columns after the step (inputs in the order of the names it was compiled for, each
   * `rows` long), or undefined when `apply` would throw or give something this row form
   * does not reproduce exactly. Never mutates its inputs.
   */
  run(columns: readonly RowColumn[], rows: number): RowColumn[] | undefined;
}

/**
 * The position of input `name` in `input.names` (first match, like `findInput`), undefined
 * when it is missing and allowed to be (the step skips it), null when it is missing and
 * `apply` would throw for every batch (then the step has no row form: return null).
 */
export function rowInputIndex(input: RowStepInput, name: string): number | undefined | null {
  const index = input.names.indexOf(name);
  if (index >= 0) return index;
  return input.absentOk.has(name) ? undefined : null;
}

/** `float64Data`'s rule: anything not finite is stored as null (NaN here). */
export function finiteOrMissing(value: number): number {
  return value - value === 0 ? value : NaN;
}

/** True when every row is null (`isAllMissing`): steps then read the column as missing values of any kind. */
export function rowAllMissing(column: RowColumn): boolean {
  if (column.kind === 'text') {
    for (const value of column.values) if (value !== null) return false;
    return column.values.length > 0;
  }
  for (const value of column.values) if (!Number.isNaN(value)) return false;
  return column.values.length > 0;
}

/**
 * `numericValues`: numbers (booleans 0/1), NaN where missing; a text column without any
 * value reads as all NaN, any other text column as undefined (the table path's type error).
 * The array may be the column's own: do not write to it.
 */
export function rowNumbers(column: RowColumn): readonly number[] | undefined {
  if (column.kind !== 'text') return column.values;
  return rowAllMissing(column) ? column.values.map(() => NaN) : undefined;
}

/**
 * `categoryCodes`' string form of one cell, null where missing: numbers as `String(x)`,
 * booleans as 'true'/'false', text as TextDecoder decodes its bytes (which drops one
 * leading byte-order mark).
 */
export function rowCategory(column: RowColumn, row: number): string | null {
  if (column.kind === 'text') {
    const value = column.values[row]!;
    return value !== null && value.charCodeAt(0) === 0xfeff ? value.slice(1) : value;
  }
  const value = column.values[row]!;
  if (Number.isNaN(value)) return null;
  return column.kind === 'boolean' ? String(value === 1) : String(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The string whose UTF-8 bytes TextEncoder writes for `value`: lone surrogates become U+FFFD. */
export function utf8Text(value: string): string {
  return ANY_SURROGATE.test(value) ? value.replace(LONE_SURROGATE, '\uFFFD') : value;
}
