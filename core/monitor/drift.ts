/**
 * Column drift statistics between a reference and a current sample, with Evidently's
 * definitions (evidently.calculations.stattests, 0.4.x) computed in plain TypeScript:
 *
 * - `ks`: two-sample Kolmogorov–Smirnov p-value (scipy.stats.ks_2samp, method auto); drift when p < threshold (0.05).
 * - `chisquare`: Pearson's chi-square of the current category counts against the reference
 *   proportions scaled to the current size (f_exp = ref_count · n_cur / n_ref, over the union
 *   of categories, k − 1 degrees of freedom); drift when p < threshold (0.05). A category
 *   the reference never has makes the statistic infinite and p = 0.
 * - `wasserstein`: scipy.stats.wasserstein_distance / max(std(reference), 0.001) (population
 *   std); drift when ≥ threshold (0.1).
 * - `jensenshannon`: scipy.spatial.distance.jensenshannon with base 2 of the binned shares;
 *   drift when ≥ threshold (0.1).
 * - `psi`: Σ (ref% − cur%) · ln(ref% / cur%) over the same bins, empty bins replaced by
 *   0.0001 (or the smallest non-zero share / 10⁶ when that is ≤ 0.0001); drift when ≥ threshold (0.1).
 *
 * Binning (PSI, Jensen–Shannon, and the histograms in the report): a numeric column whose
 * reference has more than 20 distinct values gets numpy's 'sturges' edges over both samples
 * together (⌈log₂ N + 1⌉ equal-width bins from min to max, N the combined size); otherwise
 * every distinct value is its own bin. Missing values (null, NaN) are left out everywhere.
 *
 * Samples are sorted once (a radix sort, core/monitor/sort.ts) and every statistic is a linear merge.
 */
import { ksTwoSample } from './ks.js';
import { sortFloat64 } from './sort.js';
import { chiSquareSurvival } from './special.js';

export const DRIFT_TESTS = ['ks', 'chisquare', 'wasserstein', 'jensenshannon', 'psi'] as const;
export type DriftTest = (typeof DRIFT_TESTS)[number];
export const DRIFT_METHODS = ['auto', ...DRIFT_TESTS] as const;
export type DriftMethod = (typeof DRIFT_METHODS)[number];

/** Evidently's defaults: p-value tests drift below theirs, distances at or above theirs. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftTest, number>> = { ks: 0.05, chisquare: 0.05, wasserstein: 0.1, jensenshannon: 0.1, psi: 0.1 };
export const P_VALUE_TESTS: ReadonlySet<DriftTest> = new Set(['ks', 'chisquare']);
/** Tests that only make sense on numbers. */
export const NUMERIC_ONLY_TESTS: ReadonlySet<DriftTest> = new Set(['ks', 'wasserstein']);

/** Evidently's cut-offs: reference size for `auto`, distinct values for "numeric but categorical". */
export const AUTO_LARGE_REFERENCE = 1000;
const AUTO_FEW_VALUES = 5;
const BINNING_FEW_VALUES = 20;
/** Categories drawn in the report; the rest are summed as one. */
export const REPORT_CATEGORIES = 30;

export interface NumericSample {
  readonly kind: 'numeric';
  /** The present values, sorted ascending. */
  readonly sorted: Float64Array;
  readonly missing: number;
}
export interface CategoricalSample {
  readonly kind: 'categorical';
  /** Distinct values (their text form) and how often each occurs. */
  readonly counts: ReadonlyMap<string, number>;
  readonly present: number;
  readonly missing: number;
}
export type ColumnSample = NumericSample | CategoricalSample;

export const sampleSize = (sample: ColumnSample): number => (sample.kind === 'numeric' ? sample.sorted.length : sample.present);

/** The present (non-NaN) values of one or more chunks, sorted. */
export function numericSample(chunks: readonly Float64Array[]): NumericSample {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  const out = new Float64Array(total);
  let kept = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const value = chunk[i]!;
      if (value === value) out[kept++] = value;
    }
  }
  const sorted = sortFloat64(out.subarray(0, kept));
  return { kind: 'numeric', sorted, missing: total - kept };
}

/** Category counts from per-chunk codes (ids into `values`, −1 for missing). */
export function categoricalSample(chunks: readonly { ids: Int32Array; values: readonly string[] }[]): CategoricalSample {
  const counts = new Map<string, number>();
  let present = 0;
  let missing = 0;
  for (const { ids, values } of chunks) {
    const local = new Float64Array(values.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (id < 0) missing++;
      else local[id]!++;
    }
    for (let id = 0; id < values.length; id++) {
      const count = local[id]!;
      if (count > 0) {
        counts.set(values[id]!, (counts.get(values[id]!) ?? 0) + count);
        present += count;
      }
    }
  }
  return { kind: 'categorical', counts, present, missing };
}

/** Number of distinct values of a sorted array. */
function distinctSorted(sorted: Float64Array): number {
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) count++;
  return count;
}

/** Distinct values of two sorted arrays together. */
function distinctUnion(a: Float64Array, b: Float64Array, stopAfter = Infinity): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count <= stopAfter) {
    const value = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < a.length && a[i] === value) i++;
    while (j < b.length && b[j] === value) j++;
    count++;
  }
  return count;
}

/** Counts per distinct value over the union of two samples (numbers by value, text by text). */
export interface ValueCounts {
  readonly labels: string[];
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

function numericValueCounts(a: Float64Array, b: Float64Array): ValueCounts {
  const labels: string[] = [];
  const ref: number[] = [];
  const cur: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const value = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] === value) i++;
    while (j < b.length && b[j] === value) j++;
    labels.push(String(value));
    ref.push(i - i0);
    cur.push(j - j0);
  }
  return { labels, reference: Float64Array.from(ref), current: Float64Array.from(cur) };
}

function categoricalValueCounts(a: CategoricalSample, b: CategoricalSample): ValueCounts {
  const labels = [...a.counts.keys()];
  for (const key of b.counts.keys()) if (!a.counts.has(key)) labels.push(key);
  return {
    labels,
    reference: Float64Array.from(labels, (key) => a.counts.get(key) ?? 0),
    current: Float64Array.from(labels, (key) => b.counts.get(key) ?? 0),
  };
}

export function valueCounts(a: ColumnSample, b: ColumnSample): ValueCounts {
  if (a.kind === 'numeric' && b.kind === 'numeric') return numericValueCounts(a.sorted, b.sorted);
  if (a.kind === 'categorical' && b.kind === 'categorical') return categoricalValueCounts(a, b);
  throw new TypeError('both samples must be of the same kind');
}

/** numpy.histogram_bin_edges(concat, bins='sturges') for two sorted, non-empty samples. */
export function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  const min = Math.min(a[0]!, b[0]!);
  const max = Math.max(a[a.length - 1]!, b[b.length - 1]!);
  const ptp = max - min;
  const width = ptp / (Math.log2(a.length + b.length) + 1);
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const bins = width ? Math.ceil((last - first) / width) : 1;
  // numpy.linspace(first, last, bins + 1): i·step + first, the last edge exactly `last`.
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/** numpy.histogram(sorted, edges)[0]: [e_i, e_{i+1}) bins, the last one closed. One pass. */
export function histogramSorted(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let index = 0;
  while (index < sorted.length && sorted[index]! < edges[0]!) index++;
  for (let bin = 0; bin < bins; bin++) {
    const upper = edges[bin + 1]!;
    const start = index;
    if (bin === bins - 1) while (index < sorted.length && sorted[index]! <= upper) index++;
    else while (index < sorted.length && sorted[index]! < upper) index++;
    counts[bin] = index - start;
  }
  return counts;
}

export interface Binned {
  readonly kind: 'bins' | 'values';
  /** Bin edges (numeric bins) or the distinct values. */
  readonly edges?: Float64Array;
  readonly labels?: string[];
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

/** Evidently's get_binned_data: counts per bin or per distinct value. */
export function binSamples(a: ColumnSample, b: ColumnSample): Binned {
  if (a.kind === 'numeric' && b.kind === 'numeric' && distinctSorted(a.sorted) > BINNING_FEW_VALUES) {
    const edges = sturgesEdges(a.sorted, b.sorted);
    return { kind: 'bins', edges, reference: histogramSorted(a.sorted, edges), current: histogramSorted(b.sorted, edges) };
  }
  const counts = valueCounts(a, b);
  return { kind: 'values', labels: counts.labels, reference: counts.reference, current: counts.current };
}

const shares = (counts: Float64Array, total: number) => counts.map((count) => count / total);

/** Evidently's zero filling for PSI: an empty bin counts as 0.0001, or min/10⁶ when the smallest share is that small. */
function fillZeroes(percents: Float64Array): Float64Array {
  let min = Infinity;
  for (const p of percents) if (p !== 0 && p < min) min = p;
  if (min === Infinity) return percents;
  const fill = min <= 0.0001 ? min / 1e6 : 0.0001;
  return percents.map((p) => (p === 0 ? fill : p));
}

export function psi(reference: Float64Array, current: Float64Array, referenceSize: number, currentSize: number): number {
  const r = fillZeroes(shares(reference, referenceSize));
  const c = fillZeroes(shares(current, currentSize));
  let sum = 0;
  for (let i = 0; i < r.length; i++) sum += (r[i]! - c[i]!) * Math.log(r[i]! / c[i]!);
  return sum;
}

const relEntr = (x: number, y: number) => (x > 0 && y > 0 ? x * Math.log(x / y) : x === 0 && y >= 0 ? 0 : Infinity);

/** scipy.spatial.distance.jensenshannon(p, q, base): both normalised to sum 1 first. */
export function jensenShannon(p: ArrayLike<number>, q: ArrayLike<number>, base = 2): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]! / sp;
    const qi = q[i]! / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  return Math.sqrt((left + right) / Math.log(base) / 2);
}

/** scipy.stats.wasserstein_distance of two sorted, non-empty samples: ∫|F_a − F_b|, one merge. */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let value = Math.min(a[0]!, b[0]!);
  while (i < n1 || j < n2) {
    while (i < n1 && a[i]! <= value) i++;
    while (j < n2 && b[j]! <= value) j++;
    if (i >= n1 && j >= n2) break;
    const next = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    sum += Math.abs(i / n1 - j / n2) * (next - value);
    value = next;
  }
  return sum;
}

/** Population standard deviation (numpy.std, ddof 0). */
export function populationStd(values: Float64Array): number {
  let mean = 0;
  for (const value of values) mean += value;
  mean /= values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return Math.sqrt(squares / values.length);
}

export interface ChiSquareResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly degrees: number;
}

/** Evidently's chi-square test on counts over the union of categories. */
export function chiSquareCounts(reference: Float64Array, current: Float64Array, referenceSize: number, currentSize: number): ChiSquareResult {
  const scale = currentSize / referenceSize;
  let statistic = 0;
  for (let i = 0; i < reference.length; i++) {
    const expected = reference[i]! * scale;
    const observed = current[i]!;
    statistic += expected === 0 ? (observed === 0 ? NaN : Infinity) : (observed - expected) ** 2 / expected;
  }
  const degrees = reference.length - 1;
  return { statistic, pValue: chiSquareSurvival(statistic, degrees), degrees };
}

export interface TestOutcome {
  readonly test: DriftTest;
  /** The test's statistic: KS D, χ², or the distance itself. Infinity for a χ² with a new category. */
  readonly statistic: number;
  readonly pValue?: number;
  /** What is compared with the threshold: the p-value for ks and chisquare, the statistic otherwise. */
  readonly score: number;
  readonly threshold: number;
  readonly drifted: boolean;
  readonly binned: Binned;
  readonly note?: string;
}

/** `auto`: Evidently's choice by reference size, column kind and distinct values (z-test cases use chi-square). */
export function autoTest(reference: ColumnSample, current: ColumnSample): DriftTest {
  const large = sampleSize(reference) > AUTO_LARGE_REFERENCE;
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const few = distinctUnion(reference.sorted, current.sorted, AUTO_FEW_VALUES) <= AUTO_FEW_VALUES;
    if (few) return large ? 'jensenshannon' : 'chisquare';
    return large ? 'wasserstein' : 'ks';
  }
  return large ? 'jensenshannon' : 'chisquare';
}

/** Runs one test on two non-empty samples of the same kind. */
export function runTest(test: DriftTest, reference: ColumnSample, current: ColumnSample, threshold = DEFAULT_THRESHOLDS[test]): TestOutcome {
  const n1 = sampleSize(reference);
  const n2 = sampleSize(current);
  const binned = binSamples(reference, current);
  const distance = (statistic: number, note?: string): TestOutcome => ({ test, statistic, score: statistic, threshold, drifted: statistic >= threshold, binned, ...(note ? { note } : {}) });
  switch (test) {
    case 'ks': {
      if (reference.kind !== 'numeric' || current.kind !== 'numeric') throw new TypeError('ks needs numeric samples');
      const result = ksTwoSample(reference.sorted, current.sorted);
      return { test, statistic: result.statistic, pValue: result.pValue, score: result.pValue, threshold, drifted: result.pValue < threshold, binned };
    }
    case 'wasserstein': {
      if (reference.kind !== 'numeric' || current.kind !== 'numeric') throw new TypeError('wasserstein needs numeric samples');
      const std = populationStd(reference.sorted);
      const note = std === 0 ? 'the reference is constant: the distance is divided by 0.001 instead of its standard deviation' : undefined;
      return distance(wassersteinSorted(reference.sorted, current.sorted) / Math.max(std, 0.001), note);
    }
    case 'jensenshannon':
      return distance(jensenShannon(shares(binned.reference, n1), shares(binned.current, n2)));
    case 'psi':
      return distance(psi(binned.reference, binned.current, n1, n2));
    case 'chisquare': {
      const counts = binned.kind === 'values' ? binned : valueCounts(reference, current);
      if (counts.reference.length < 2) {
        return { test, statistic: 0, pValue: 1, score: 1, threshold, drifted: false, binned, note: 'one value in both samples: nothing to compare' };
      }
      const result = chiSquareCounts(counts.reference, counts.current, n1, n2);
      const note = result.statistic === Infinity ? 'the current sample has values the reference never has' : undefined;
      return { test, statistic: result.statistic, pValue: result.pValue, score: result.pValue, threshold, drifted: result.pValue < threshold, binned, ...(note ? { note } : {}) };
    }
  }
}
