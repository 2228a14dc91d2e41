/**
 * Statistics over the finite values of a column on the fitting rows. Missing values (NaN)
 * are skipped by every function here; infinite values are the caller's business.
 */

/** The values at the rows `mask` selects (all rows when null) that are not NaN. */
export function fittingValues(values: Float64Array, mask: readonly boolean[] | null): Float64Array {
  let count = 0;
  for (let row = 0; row < values.length; row++) if ((mask === null || mask[row]) && !Number.isNaN(values[row]!)) count++;
  const out = new Float64Array(count);
  let at = 0;
  for (let row = 0; row < values.length; row++) if ((mask === null || mask[row]) && !Number.isNaN(values[row]!)) out[at++] = values[row]!;
  return out;
}

export function mean(values: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += values[k]!;
  return sum / values.length;
}

/** Population standard deviation (divides by n, like scikit-learn's StandardScaler), two-pass for accuracy. */
export function populationStd(values: Float64Array, center: number): number {
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    const d = values[k]! - center;
    sum += d * d;
  }
  return Math.sqrt(sum / values.length);
}

export function minMax(values: Float64Array): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < values.length; k++) {
    const x = values[k]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * The q-quantile of sorted values by linear interpolation between the closest ranks
 * (numpy's default, R type 7): the median of 1, 2, 3, 4 is 2.5.
 */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const fraction = position - below;
  return sorted[below]! + (sorted[above]! - sorted[below]!) * fraction;
}

export function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

/** Counts per category id on the fitting rows (ids of -1, missing, are not counted). */
export function countIds(ids: Int32Array, distinct: number, mask: readonly boolean[] | null): Float64Array {
  const counts = new Float64Array(distinct);
  for (let row = 0; row < ids.length; row++) {
    const id = ids[row]!;
    if (id >= 0 && (mask === null || mask[row])) counts[id]!++;
  }
  return counts;
}

/** Code-unit order, the same on every machine and locale (unlike localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Ordering for category values: numerically when every value is a number's string form
 * (so '4' < '10'), else by code units.
 */
export function categoryOrder(values: readonly string[]): (a: string, b: string) => number {
  const numeric = values.length > 0 && values.every((value) => value.trim() !== '' && Number.isFinite(Number(value)));
  return numeric ? (a, b) => Number(a) - Number(b) || compareText(a, b) : compareText;
}
