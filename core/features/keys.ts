/**
 * Entity keys as dense integer codes, shared by the feature side and the entity side of a
 * join: the feature side's keys define the codes 0…groups-1, an entity key the feature side
 * never had gets -1 (no match), as does a missing key.
 *
 * One integer key column in a compact range (the common case: ids) needs no hash map: its
 * code is the value minus the smallest value. Anything else goes through a Map.
 */

/** One key column's values: numbers (NaN: missing) or text (null: missing). */
export type KeyValues = { readonly kind: 'number'; readonly values: Float64Array } | { readonly kind: 'string'; readonly values: readonly (string | null)[] };

export interface KeyCodes {
  readonly viewCodes: Int32Array;
  readonly entityCodes: Int32Array;
  readonly groups: number;
}

/** The compact-range path is used while the range is at most this many times the row count (and 2^16 at least). */
const DENSE_SLACK = 4;

export function encodeKeys(view: readonly KeyValues[], entity: readonly KeyValues[]): KeyCodes {
  if (view.length === 1 && view[0]!.kind === 'number' && entity[0]!.kind === 'number') {
    const dense = denseCodes(view[0]!.values, entity[0]!.values);
    if (dense) return dense;
  }
  const codes = new Map<string | number, number>();
  const viewRows = rowCount(view);
  const viewCodes = new Int32Array(viewRows);
  const viewKey = keyReader(view);
  for (let i = 0; i < viewRows; i++) {
    const key = viewKey(i);
    if (key === null) {
      viewCodes[i] = -1;
      continue;
    }
    let code = codes.get(key);
    if (code === undefined) codes.set(key, (code = codes.size));
    viewCodes[i] = code;
  }
  const entityRows = rowCount(entity);
  const entityCodes = new Int32Array(entityRows);
  const entityKey = keyReader(entity);
  for (let j = 0; j < entityRows; j++) {
    const key = entityKey(j);
    entityCodes[j] = key === null ? -1 : (codes.get(key) ?? -1);
  }
  return { viewCodes, entityCodes, groups: codes.size };
}

function rowCount(columns: readonly KeyValues[]): number {
  return columns[0]?.values.length ?? 0;
}

/** A row's key as one Map key (the value itself for one column), or null when a part is missing. */
function keyReader(columns: readonly KeyValues[]): (row: number) => string | number | null {
  if (columns.length === 1) {
    const only = columns[0]!;
    if (only.kind === 'number') {
      const values = only.values;
      return (row) => {
        const value = values[row]!;
        return value === value ? value : null;
      };
    }
    const values = only.values;
    return (row) => values[row] ?? null;
  }
  return (row) => {
    let key = '';
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      const value = column.values[row];
      if (value === null || value === undefined || (typeof value === 'number' && value !== value)) return null;
      // The separator cannot occur in a number; text is length-prefixed so no two keys collide.
      key += typeof value === 'number' ? `n${value}\u0000` : `s${value.length}:${value}\u0000`;
    }
    return key;
  };
}

function denseCodes(view: Float64Array, entity: Float64Array): KeyCodes | undefined {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < view.length; i++) {
    const value = view[i]!;
    if (value !== value) continue;
    if (!Number.isInteger(value)) return undefined;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) return { viewCodes: new Int32Array(view.length).fill(-1), entityCodes: new Int32Array(entity.length).fill(-1), groups: 0 };
  const range = max - min + 1;
  if (range > Math.max(65536, DENSE_SLACK * view.length) || range > 0x7fffffff) return undefined;
  const viewCodes = new Int32Array(view.length);
  for (let i = 0; i < view.length; i++) {
    const value = view[i]!;
    viewCodes[i] = value === value ? value - min : -1;
  }
  const entityCodes = new Int32Array(entity.length);
  for (let j = 0; j < entity.length; j++) {
    const value = entity[j]!;
    entityCodes[j] = value >= min && value <= max && Number.isInteger(value) ? value - min : -1;
  }
  return { viewCodes, entityCodes, groups: range };
}
