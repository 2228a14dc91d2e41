import type { Table, Vector } from 'apache-arrow';
import { SPLIT_COLUMN, type RecipeStep } from '../base/table.js';
import { columnAsFloat64, columnKind, columnNames, readFloat64, requireColumn, singleData } from '../data/table-ops.js';
import { categoryCodes, stepKinds, type StepKindRegistry } from './recipe/index.js';
import { NodeError } from '../base/errors.js';

/**
 * The model's own input encoding, fitted on training rows and stored in the bundle: it
 * turns whatever columns reach the trainer into the network's input matrix. Numbers are
 * standardised (a missing value becomes the training mean), booleans are 0/1, and text is
 * one-hot encoded. So a default trainer works on raw, messy tables, and `feature.*` nodes
 * remain the way to control preprocessing explicitly.
 */
export type FeatureEncoding =
  | { readonly name: string; readonly kind: 'number'; readonly mean: number; readonly std: number }
  | { readonly name: string; readonly kind: 'boolean' }
  | { readonly name: string; readonly kind: 'category'; readonly categories: readonly string[] };

export interface FeaturePlan {
  readonly columns: readonly FeatureEncoding[];
  /** Width of the input matrix. */
  readonly width: number;
}

/** Most categories one text column contributes; rarer values encode as all zeros. */
export const MAX_AUTO_CATEGORIES = 50;

/** Text cell → its category string; numbers and booleans use their string form. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return String(value);
}

export function planWidth(columns: readonly FeatureEncoding[]): number {
  return columns.reduce((sum, column) => sum + (column.kind === 'category' ? column.categories.length : 1), 0);
}

/**
 * Chooses and fits the encoding of every column but the target and the split column, on
 * `trainRows` only. Columns that cannot help (all missing, constant, dates, identifiers)
 * are left out with a log line that says why.
 */
export function planFeatures(table: Table, exclude: ReadonlySet<string>, trainRows: Int32Array, log: (message: string, level?: 'info' | 'warn') => void): FeaturePlan {
  const columns: FeatureEncoding[] = [];
  for (const [index, field] of table.schema.fields.entries()) {
    const name = field.name;
    if (name === SPLIT_COLUMN || exclude.has(name)) continue;
    const vector = table.getChildAt(index)!;
    const kind = columnKind(field.type);
    if (kind === 'int' || kind === 'float') {
      const values = readFloat64(table, name, name);
      let sum = 0;
      let count = 0;
      let min = Infinity;
      let max = -Infinity;
      for (const row of trainRows) {
        const value = values[row]!;
        if (Number.isFinite(value)) {
          sum += value;
          count++;
          min = Math.min(min, value);
          max = Math.max(max, value);
        }
      }
      if (count === 0) {
        log(`column '${name}' has no values in the training rows; not used as a feature`, 'warn');
        continue;
      }
      const mean = sum / count;
      let squares = 0;
      for (const row of trainRows) {
        const value = values[row]!;
        if (Number.isFinite(value)) squares += (value - mean) ** 2;
      }
      const std = Math.sqrt(squares / count);
      // Compared as values: rounding in the mean leaves a constant column a std of ~1e-16,
      // which would blow any other value up by 1e16 at prediction time.
      if (min === max || !(std > 0)) {
        log(`column '${name}' is constant in the training rows; not used as a feature`);
        continue;
      }
      columns.push({ name, kind: 'number', mean, std });
    } else if (kind === 'bool') {
      columns.push({ name, kind: 'boolean' });
    } else if (kind === 'string') {
      // The recipe's category ids: bytes interned once, no string per cell.
      const codes = categoryCodes(singleData(vector));
      const perId = new Int32Array(codes.values.length);
      for (const row of trainRows) {
        const id = codes.ids[row]!;
        if (id >= 0) perId[id]!++;
      }
      const counts = new Map<string, number>();
      perId.forEach((count, id) => count > 0 && counts.set(codes.values[id]!, count));
      if (counts.size === 0) {
        log(`column '${name}' has no values in the training rows; not used as a feature`, 'warn');
        continue;
      }
      if (counts.size > MAX_AUTO_CATEGORIES && counts.size > trainRows.length / 2) {
        log(`column '${name}' looks like an identifier (${counts.size} distinct values in ${trainRows.length} training rows); not used as a feature`, 'warn');
        continue;
      }
      const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const categories = ranked.slice(0, MAX_AUTO_CATEGORIES).map(([value]) => value).sort();
      if (counts.size > MAX_AUTO_CATEGORIES) {
        log(`column '${name}' has ${counts.size} categories; the ${MAX_AUTO_CATEGORIES} most frequent are one-hot encoded, the rest count as unknown`, 'warn');
      }
      if (categories.length === 1) {
        log(`column '${name}' has one value in the training rows; not used as a feature`);
        continue;
      }
      columns.push({ name, kind: 'category', categories });
    } else {
      log(`column '${name}' (${String(field.type)}) is not a number, boolean or text; not used as a feature (derive numbers from it with feature.expression)`);
    }
  }
  if (columns.length === 0) {
    throw new NodeError(`no usable feature columns: every column but the target is empty, constant or of an unsupported type (columns: ${columnNames(table).join(', ')})`);
  }
  return { columns, width: planWidth(columns) };
}

/**
 * The input matrix (rows × plan.width, row-major) for `rows` of `table`. A feature column
 * that is missing, or has a type the plan cannot read, is a NodeError naming it.
 */
export function encodeFeatures(plan: FeaturePlan, table: Table, rows?: Int32Array): Float32Array {
  const count = rows ? rows.length : table.numRows;
  const out = new Float32Array(count * plan.width);
  let offset = 0;
  for (const encoding of plan.columns) {
    const vector = featureColumn(table, encoding);
    switch (encoding.kind) {
      case 'number':
      case 'boolean': {
        const values = readFloat64(table, encoding.name, encoding.name);
        const mean = encoding.kind === 'number' ? encoding.mean : 0;
        const std = encoding.kind === 'number' ? encoding.std : 1;
        for (let k = 0; k < count; k++) {
          const value = values[rows ? rows[k]! : k]!;
          out[k * plan.width + offset] = Number.isFinite(value) ? (value - mean) / std : 0;
        }
        offset += 1;
        break;
      }
      case 'category': {
        // Column position of each of this table's category ids (-1: unknown, encodes as zeros).
        const position = new Map(encoding.categories.map((category, k) => [category, k]));
        const codes = categoryCodes(singleData(vector));
        const slot = Int32Array.from(codes.values, (value) => position.get(value) ?? -1);
        for (let k = 0; k < count; k++) {
          const id = codes.ids[rows ? rows[k]! : k]!;
          const hit = id < 0 ? -1 : slot[id]!;
          if (hit >= 0) out[k * plan.width + offset + hit] = 1;
        }
        offset += encoding.categories.length;
        break;
      }
    }
  }
  return out;
}

function featureColumn(table: Table, encoding: FeatureEncoding): Vector {
  const index = table.schema.fields.findIndex((field) => field.name === encoding.name);
  if (index < 0) {
    throw new NodeError(`column '${encoding.name}' is missing; the model was trained with it (columns here: ${columnNames(table).join(', ') || '(none)'})`, { field: encoding.name });
  }
  const vector = table.getChildAt(index)!;
  const kind = columnKind(vector.type);
  const numeric = kind === 'int' || kind === 'float' || kind === 'bool';
  if (encoding.kind !== 'category' && !numeric && !DataTypeIsNull(vector)) {
    throw new NodeError(`column '${encoding.name}' is ${kind === 'string' ? 'text' : String(vector.type)}, but the model was trained on numbers there`, { field: encoding.name });
  }
  return vector;
}

function DataTypeIsNull(vector: Vector): boolean {
  return vector.nullCount === vector.length;
}

// --- the target -------------------------------------------------------------------------

/** Where the label is in a table that went through the recipe, and how to undo the recipe on it. */
export type TargetSource =
  | { readonly kind: 'column' }
  /** A feature.encode step one-hot encoded it: the label is the column that is 1. */
  | { readonly kind: 'onehot'; readonly nodeId: string; readonly categories: readonly string[] }
  /** A feature.encode step replaced it by ordinal codes. */
  | { readonly kind: 'ordinal'; readonly nodeId: string; readonly categories: readonly string[] };

export interface TargetInfo {
  readonly name: string;
  readonly source: TargetSource;
  /** feature.scale steps applied to a numeric target, in order; undone in reverse. */
  readonly scaled: readonly { readonly nodeId: string; readonly center: number; readonly scale: number }[];
  /** The type of the original label values, so predictions come back in the same type. */
  readonly valueType: 'string' | 'number' | 'boolean';
}

/**
 * Finds the label `target` in a table produced by `recipe`: as is, scaled, or encoded by a
 * feature node (when that node was not told which column is the label). A label that is
 * nowhere is a NodeError listing the columns.
 */
export function resolveTarget(
  table: Table,
  target: string,
  recipe: readonly RecipeStep[],
  log: (message: string, level?: 'info' | 'warn') => void,
  steps: StepKindRegistry = stepKinds,
): TargetInfo {
  let source: TargetSource = { kind: 'column' };
  const scaled: { nodeId: string; center: number; scale: number }[] = [];
  for (const step of recipe) {
    const { kind, fitted } = steps.resolve(step);
    const effect = kind.target?.(fitted, target);
    if (effect?.effect === 'encoded') {
      source = { kind: effect.method, nodeId: step.nodeId, categories: effect.categories };
      log(`the target '${target}' was encoded by node '${step.nodeId}'; its labels are read back from that encoding (set that node's target param to leave the label alone)`, 'warn');
    } else if (effect?.effect === 'scaled') {
      scaled.push({ nodeId: step.nodeId, center: effect.center, scale: effect.scale });
    } else if (effect?.effect === 'filled') {
      log(`the target '${target}' was imputed by node '${step.nodeId}': missing labels were filled in and are trained on (set that node's target param to avoid it)`, 'warn');
    }
  }
  if (source.kind === 'onehot') {
    const present = source.categories.filter((category) => table.schema.fields.some((field) => field.name === `${target}=${category}`));
    if (present.length === 0) requireColumn(table, target, 'target');
    return { name: target, source, scaled, valueType: 'string' };
  }
  const column = requireColumn(table, target, 'target');
  const kind = columnKind(column.type);
  const valueType = source.kind === 'ordinal' || kind === 'string' ? 'string' : kind === 'bool' ? 'boolean' : kind === 'int' || kind === 'float' ? 'number' : null;
  if (valueType === null) throw new NodeError(`target column '${target}' is ${String(column.type)}; a label must be text, a number or a boolean`, { field: 'target' });
  return { name: target, source, scaled, valueType };
}

/** The label of every row as text (classification), null where missing. */
export function targetLabels(info: TargetInfo, table: Table): (string | null)[] {
  const rows = table.numRows;
  const out = new Array<string | null>(rows).fill(null);
  const { source } = info;
  if (source.kind === 'onehot') {
    const columns = source.categories.map((category) => {
      const index = table.schema.fields.findIndex((field) => field.name === `${info.name}=${category}`);
      return index < 0 ? null : columnAsFloat64(table, `${info.name}=${category}`, 'target');
    });
    for (let row = 0; row < rows; row++) {
      const hit = columns.findIndex((values) => values !== null && values[row] === 1);
      if (hit >= 0) out[row] = source.categories[hit]!;
    }
    return out;
  }
  if (source.kind === 'ordinal') {
    const codes = columnAsFloat64(table, info.name, 'target');
    for (let row = 0; row < rows; row++) out[row] = source.categories[codes[row]!] ?? null;
    return out;
  }
  if (info.valueType === 'number') {
    const values = targetValues(info, table);
    // Undoing a recipe's scaling can leave 2.9999999999: labels are compared as text.
    for (let row = 0; row < rows; row++) out[row] = Number.isFinite(values[row]!) ? String(Number(values[row]!.toPrecision(12))) : null;
    return out;
  }
  const column = requireColumn(table, info.name, 'target');
  for (let row = 0; row < rows; row++) out[row] = cellText(column.get(row));
  return out;
}

/** The numeric label of every row in its original units (recipe scaling undone), NaN where missing. */
export function targetValues(info: TargetInfo, table: Table): Float64Array {
  const values = columnAsFloat64(table, info.name, 'target');
  for (let k = info.scaled.length - 1; k >= 0; k--) {
    const { center, scale } = info.scaled[k]!;
    for (let row = 0; row < values.length; row++) values[row] = values[row]! * scale + center;
  }
  return values;
}

/** Turns a label string back into the target's original type. */
export function labelValue(info: TargetInfo, label: string): string | number | boolean {
  if (info.valueType === 'number') return Number(label);
  if (info.valueType === 'boolean') return label === 'true';
  return label;
}
