/**
 * The rows of a featured table as they were read, as far as its recipe can be undone: what
 * eval.model shows next to its predictions, so a user reads `bill_length_mm 39.1`, not
 * `-0.88`. Undone exactly: feature.scale (x · scale + center) and feature.encode (onehot
 * columns and ordinal codes back to their category, at the column's position). Not undone,
 * and so listed in `asIs`: values feature.impute filled in, columns feature.select dropped,
 * and columns node-pack steps changed in place; feature.expression's new columns stay (they
 * are features the model read).
 */
import type { Table } from 'apache-arrow';
import type { RecipeStep } from '../base/table.js';
import { buildTable, float64Data, indexOfColumn, newColumn, numericValues, tableColumns, utf8FromCodes, type Column } from './recipe/columns.js';
import { onehotName, type EncodeFitted } from './recipe/encode.js';
import type { ImputeFitted } from './recipe/impute.js';
import { stepKinds, type StepKindRegistry } from './recipe/registry.js';
import type { ScaleFitted } from './recipe/scale.js';

export interface OriginalValues {
  readonly table: Table;
  /** Columns whose original values were restored. */
  readonly restored: readonly string[];
  /** Columns shown as the recipe left them: `why` is what could not be undone. */
  readonly asIs: readonly { readonly name: string; readonly why: string }[];
}

/** Undoing x → (x − center) / scale gives back the float noise of two operations; 12 digits drop it. */
const UNDO_DIGITS = 12;

function unscale(columns: Column[], fitted: ScaleFitted, restored: Set<string>): void {
  for (const { name, center, scale } of fitted.columns) {
    const index = indexOfColumn(columns, name);
    if (index < 0) continue;
    const values = numericValues(columns[index]!.data);
    if (!values) continue;
    for (let k = 0; k < values.length; k++) {
      const value = values[k]! * scale + center;
      values[k] = Number.isFinite(value) ? Number(value.toPrecision(UNDO_DIGITS)) : value;
    }
    columns[index] = newColumn(name, float64Data(values));
    restored.add(name);
  }
}

function decode(columns: Column[], fitted: EncodeFitted, rows: number, restored: Set<string>, asIs: Map<string, string>): void {
  for (const { name, categories } of fitted.columns) {
    const ids = new Int32Array(rows).fill(-1);
    if (fitted.method === 'ordinal') {
      const index = indexOfColumn(columns, name);
      if (index < 0) continue;
      const codes = numericValues(columns[index]!.data);
      if (!codes) continue;
      for (let row = 0; row < rows; row++) {
        const code = Math.round(codes[row]!);
        ids[row] = code >= 0 && code < categories.length ? code : -1;
      }
      columns[index] = newColumn(name, utf8FromCodes({ ids, values: categories }));
      restored.add(name);
      continue;
    }
    const positions = categories.map((category) => indexOfColumn(columns, onehotName(name, category)));
    if (positions.length === 0) continue;
    if (positions.some((at) => at < 0)) {
      // A later select kept only some of the indicators: the category is not known for every row.
      if (positions.some((at) => at >= 0)) asIs.set(name, 'some of its onehot columns were dropped');
      continue;
    }
    const indicators = positions.map((at) => numericValues(columns[at]!.data)!);
    for (let row = 0; row < rows; row++) {
      // All zeros: the value was missing or a category unseen in training; shown as missing.
      for (let k = 0; k < indicators.length; k++) if (indicators[k]![row]! > 0.5) ids[row] = k;
    }
    const first = Math.min(...positions);
    const decoded = newColumn(name, utf8FromCodes({ ids, values: categories }));
    const drop = new Set(positions);
    const next = columns.flatMap((column, at) => (at === first ? [decoded] : drop.has(at) ? [] : [column]));
    columns.splice(0, columns.length, ...next);
    restored.add(name);
  }
}

/**
 * `table` (the output of `recipe`) with the steps undone where they can be, last step first.
 * A table with no recipe is returned as it is.
 */
export function originalValues(table: Table, recipe: readonly RecipeStep[], steps: StepKindRegistry = stepKinds): OriginalValues {
  if (recipe.length === 0) return { table, restored: [], asIs: [] };
  const columns = tableColumns(table);
  const restored = new Set<string>();
  const asIs = new Map<string, string>();
  for (let k = recipe.length - 1; k >= 0; k--) {
    const step = recipe[k]!;
    const { kind, fitted } = steps.resolve(step);
    switch (step.kind) {
      case 'feature.scale':
        unscale(columns, fitted as ScaleFitted, restored);
        break;
      case 'feature.encode':
        decode(columns, fitted as EncodeFitted, table.numRows, restored, asIs);
        break;
      case 'feature.impute':
        for (const { name } of (fitted as ImputeFitted).columns) if (!asIs.has(name)) asIs.set(name, `missing values filled in by '${step.nodeId}'`);
        break;
      case 'feature.select':
      case 'feature.expression':
        break;
      default:
        // A pack's step: a column it both reads and writes was changed in place and stays so.
        for (const flow of kind.flows(fitted)) {
          for (const name of flow.writes) if (flow.reads.some((read) => read.name === name)) asIs.set(name, `changed by '${step.nodeId}' (${step.kind}), which cannot be undone`);
        }
    }
  }
  const present = new Set(columns.map((column) => column.field.name));
  return {
    table: buildTable(columns, table.numRows, table.schema.metadata),
    restored: [...restored].filter((name) => present.has(name)),
    asIs: [...asIs].filter(([name]) => present.has(name)).map(([name, why]) => ({ name, why })),
  };
}
