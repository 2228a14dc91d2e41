/**
 * The compiled row path: a model's raw request cells straight to its Float32 input matrix,
 * without building Arrow tables. It gives exactly what the table path gives,
 * `encodeFeatures(bundle.features, modelInputTable(bundle, { table: schema.toTable(batch), recipe: [] }))`,
 * bit for bit: the same column types per batch, the same float64 arithmetic in the same
 * order and one Float32 store. Where it does not reproduce the table path (a step kind
 * without a row form, a batch the table path refuses) it says so, and the caller replays the
 * batch through the table path, which stays the one place errors come from. For a one-row
 * request this skips the fixed cost of Arrow (tens of µs), which dominates serving.
 */
import { replayAbsentOk, type InputColumn, type ModelBundle } from './bundle-format.js';
import { planWidth } from './features.js';
import { rowCategory, stepKinds, utf8Text, type RowColumn, type RowStep, type StepKindRegistry } from './recipe/index.js';

/** One validated request cell (core/serve/inputs.ts `Cell`): null where missing. */
export type RowCell = number | string | boolean | null;

export interface RowFeatures {
  /** Floats per row of the matrix: `bundle.features.width`. */
  readonly width: number;
  /**
   * Writes the input matrix of `rows` rows (row-major, rows × width) into `out`, zero-filling
   * that part of it first, and returns true; or returns false, leaving `out` untouched, when
   * the batch holds anything whose table-path result it does not reproduce exactly (the table
   * path then gives the same answer or the proper error). `columns` are the validated cells
   * in the order of `bundle.inputs`, one list per input, each `rows` long: what `InputSchema`
   * `fromRecords` / `fromColumns` produce. Never throws for bad data; an `out` shorter than
   * rows × width is a RangeError (a caller's bug).
   */
  encode(columns: readonly (readonly RowCell[])[], rows: number, out: Float32Array): boolean;
}

type CompiledEncoding =
  | { readonly kind: 'number'; readonly index: number; readonly mean: number; readonly std: number }
  | { readonly kind: 'category'; readonly index: number; readonly position: ReadonlyMap<string, number>; readonly width: number };

/**
 * The bundle's recipe and feature plan compiled for the row path, or null when a step's kind
 * has no row form (`StepKind.rows`; node-pack kinds may leave it out) or could not compile for
 * these columns, or the bundle's recipe or plan would fail on every request anyway.
 */
export function compileRowFeatures(bundle: ModelBundle, steps: StepKindRegistry = stepKinds): RowFeatures | null {
  const inputs = bundle.inputs;
  let names: readonly string[] = inputs.map((input) => input.name);
  const compiled: RowStep[] = [];
  try {
    const absentOk = replayAbsentOk(bundle, steps);
    for (const step of bundle.recipe) {
      const { kind, fitted } = steps.resolve(step);
      const rowStep = kind.rows?.(fitted, { names, absentOk }) ?? null;
      if (!rowStep) return null;
      compiled.push(rowStep);
      names = rowStep.names;
    }
  } catch {
    // An unknown kind, malformed fitted values, a pack's rows() that throws: the table path words it.
    return null;
  }
  const plan = bundle.features;
  if (planWidth(plan.columns) !== plan.width) return null;
  const encodings: CompiledEncoding[] = [];
  for (const encoding of plan.columns) {
    const index = names.indexOf(encoding.name);
    if (index < 0) return null;
    if (encoding.kind === 'number') encodings.push({ kind: 'number', index, mean: encoding.mean, std: encoding.std });
    else if (encoding.kind === 'boolean') encodings.push({ kind: 'number', index, mean: 0, std: 1 });
    else if (encoding.kind === 'category') {
      // Built as encodeFeatures builds it: a repeated category maps to its last position.
      encodings.push({ kind: 'category', index, position: new Map(encoding.categories.map((category, k) => [category, k])), width: encoding.categories.length });
    } else return null;
  }
  const width = plan.width;

  return {
    width,
    encode(columns, rows, out) {
      if (out.length < rows * width) throw new RangeError(`the output holds ${out.length} floats; ${rows} rows of ${width} need ${rows * width}`);
      if (columns.length !== inputs.length || !Number.isInteger(rows) || rows < 1) return false;
      let table: RowColumn[] | undefined = new Array<RowColumn>(inputs.length);
      for (let k = 0; k < inputs.length; k++) {
        const column = inputColumn(inputs[k]!, columns[k]!, rows);
        if (!column) return false;
        table[k] = column;
      }
      for (const step of compiled) {
        table = step.run(table, rows);
        if (!table) return false;
      }
      // encodeFeatures refuses text where the plan reads numbers: check before writing anything.
      for (const encoding of encodings) if (encoding.kind === 'number' && table[encoding.index]!.kind === 'text') return false;
      out.fill(0, 0, rows * width);
      let offset = 0;
      for (const encoding of encodings) {
        const column = table[encoding.index]!;
        if (encoding.kind === 'number') {
          const values = column.values as readonly number[];
          const { mean, std } = encoding;
          for (let k = 0; k < rows; k++) {
            const value = values[k]!;
            out[k * width + offset] = Number.isFinite(value) ? (value - mean) / std : 0;
          }
          offset += 1;
        } else {
          for (let k = 0; k < rows; k++) {
            const category = rowCategory(column, k);
            const hit = category === null ? -1 : (encoding.position.get(category) ?? -1);
            if (hit >= 0) out[k * width + offset + hit] = 1;
          }
          offset += encoding.width;
        }
      }
      return true;
    },
  };
}

/**
 * The column `InputSchema.toTable` builds from one input's cells: numbers as Float64, booleans
 * as Bool, text as Utf8; an `any` input takes the batch's own type, text when it is mixed or
 * has no value. Undefined for a cell that validation would not have let through.
 */
function inputColumn(input: InputColumn, cells: readonly RowCell[], rows: number): RowColumn | undefined {
  if (cells.length !== rows) return undefined;
  let kind: 'number' | 'boolean' | 'string' | undefined = input.type === 'any' ? undefined : input.type;
  if (kind === undefined) {
    for (const cell of cells) {
      if (cell === null) continue;
      const type = typeof cell;
      if (type !== 'number' && type !== 'string' && type !== 'boolean') return undefined;
      if (kind === undefined) kind = type;
      else if (kind !== type) kind = 'string';
    }
    kind ??= 'string';
  }
  if (kind === 'number') {
    const values = new Array<number>(rows);
    for (let k = 0; k < rows; k++) {
      const cell = cells[k];
      if (cell === null) values[k] = NaN;
      else if (typeof cell === 'number' && Number.isFinite(cell)) values[k] = cell;
      else return undefined;
    }
    return { kind: 'number', values };
  }
  if (kind === 'boolean') {
    const values = new Array<number>(rows);
    for (let k = 0; k < rows; k++) {
      const cell = cells[k];
      if (cell === null) values[k] = NaN;
      else if (typeof cell === 'boolean') values[k] = cell ? 1 : 0;
      else return undefined;
    }
    return { kind: 'boolean', values };
  }
  const free = input.type === 'any';
  const values = new Array<string | null>(rows);
  for (let k = 0; k < rows; k++) {
    const cell = cells[k];
    if (cell === null) values[k] = null;
    else if (typeof cell === 'string') values[k] = utf8Text(cell);
    else if (free && typeof cell === 'number' && Number.isFinite(cell)) values[k] = String(cell);
    else if (free && typeof cell === 'boolean') values[k] = String(cell);
    else return undefined;
  }
  return { kind: 'text', values };
}
