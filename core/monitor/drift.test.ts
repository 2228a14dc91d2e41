import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../data/random.js';
import { autoTest, categoricalSample, numericSample, runTest, sturgesEdges, type ColumnSample, type DriftTest } from './drift.js';
import { kolmogorovSurvival, smirnov } from './ks.js';
import { chiSquareSurvival } from './special.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'test-support', 'scipy_drift.py');

interface Case {
  test: DriftTest;
  kind: 'numeric' | 'categorical';
  reference: (number | string | null)[];
  current: (number | string | null)[];
}
interface ScipyOut {
  cases: { statistic: number | null; pValue?: number }[];
  kstwo: number[];
  smirnov: number[];
  chi2: number[];
}

function scipy(input: { cases?: Case[]; kstwo?: [number, number][]; smirnov?: [number, number][]; chi2?: [number, number][] }): ScipyOut {
  return JSON.parse(execFileSync('/usr/bin/python3', [SCRIPT], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 })) as ScipyOut;
}

function normal(seed: number, count: number, mean = 0, sd = 1, round = false): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => {
    const value = mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    return round ? Math.round(value) : value;
  });
}

function categories(seed: number, count: number, weights: Record<string, number>): string[] {
  const next = seededRandom(seed);
  const entries = Object.entries(weights);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return Array.from({ length: count }, () => {
    let pick = next() * total;
    for (const [name, w] of entries) if ((pick -= w) < 0) return name;
    return entries[entries.length - 1]![0];
  });
}

function sample(kind: Case['kind'], values: Case['reference']): ColumnSample {
  if (kind === 'numeric') return numericSample([Float64Array.from(values, (v) => (v === null ? NaN : Number(v)))]);
  const names = [...new Set(values.filter((v): v is string => v !== null))] as string[];
  const index = new Map(names.map((name, i) => [name, i]));
  return categoricalSample([{ ids: Int32Array.from(values, (v) => (v === null ? -1 : index.get(v as string)!)), values: names }]);
}

const ours = (c: Case) => runTest(c.test, sample(c.kind, c.reference), sample(c.kind, c.current));

/** Relative closeness with an absolute floor for values near zero. */
function close(actual: number, expected: number, relative: number, absolute = 1e-300) {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(Math.max(absolute, relative * Math.abs(expected)));
}

const base = normal(1, 20_000);
const CASES: (Case & { name: string })[] = [
  { name: 'ks exact, equal sizes, no shift', test: 'ks', kind: 'numeric', reference: normal(2, 300), current: normal(3, 300) },
  { name: 'ks exact, equal sizes, shifted', test: 'ks', kind: 'numeric', reference: normal(2, 300), current: normal(3, 300, 0.4) },
  { name: 'ks exact, unequal sizes', test: 'ks', kind: 'numeric', reference: normal(4, 400), current: normal(5, 650, 0.1) },
  { name: 'ks exact with ties and missing', test: 'ks', kind: 'numeric', reference: [...normal(6, 500, 0, 3, true), null], current: [...normal(7, 700, 0.5, 3, true), null, null] },
  { name: 'ks asymptotic, large', test: 'ks', kind: 'numeric', reference: base.slice(0, 12_000), current: normal(8, 15_000, 0.02) },
  { name: 'ks asymptotic, small en', test: 'ks', kind: 'numeric', reference: normal(9, 90), current: normal(10, 12_000, 0.2) },
  { name: 'ks asymptotic, mid en', test: 'ks', kind: 'numeric', reference: normal(11, 3000), current: normal(12, 11_000, 0.03) },
  { name: 'wasserstein shifted', test: 'wasserstein', kind: 'numeric', reference: normal(13, 2000), current: normal(14, 3000, 0.5, 1.2) },
  { name: 'wasserstein same', test: 'wasserstein', kind: 'numeric', reference: normal(15, 2000), current: normal(16, 2500) },
  { name: 'wasserstein constant reference', test: 'wasserstein', kind: 'numeric', reference: Array(50).fill(3), current: normal(17, 60, 3, 0.01) },
  { name: 'jensenshannon numeric', test: 'jensenshannon', kind: 'numeric', reference: normal(18, 3000), current: normal(19, 2000, 0.3) },
  { name: 'jensenshannon few numeric values', test: 'jensenshannon', kind: 'numeric', reference: normal(20, 3000, 0, 2, true), current: normal(21, 2000, 0.5, 2, true) },
  { name: 'jensenshannon categorical', test: 'jensenshannon', kind: 'categorical', reference: categories(22, 3000, { a: 5, b: 3, c: 2 }), current: categories(23, 2000, { a: 2, b: 3, c: 4, d: 1 }) },
  { name: 'psi numeric', test: 'psi', kind: 'numeric', reference: normal(24, 3000), current: normal(25, 2000, 0.5) },
  { name: 'psi categorical with a new category', test: 'psi', kind: 'categorical', reference: categories(26, 3000, { a: 5, b: 3, c: 2 }), current: categories(27, 2000, { a: 2, b: 3, c: 4, d: 1 }) },
  { name: 'chisquare categorical same', test: 'chisquare', kind: 'categorical', reference: categories(28, 800, { a: 5, b: 3, c: 2 }), current: categories(29, 600, { a: 5, b: 3, c: 2 }) },
  { name: 'chisquare categorical shifted, missing', test: 'chisquare', kind: 'categorical', reference: [...categories(30, 800, { a: 5, b: 3, c: 2 }), null], current: categories(31, 600, { a: 4, b: 3, c: 3 }) },
  { name: 'chisquare new category', test: 'chisquare', kind: 'categorical', reference: categories(32, 500, { a: 5, b: 3 }), current: categories(33, 500, { a: 5, b: 3, z: 1 }) },
  { name: 'chisquare numeric values', test: 'chisquare', kind: 'numeric', reference: normal(34, 900, 0, 1, true), current: normal(35, 700, 0, 1, true) },
];

describe('drift statistics against SciPy', () => {
  // Tolerances: statistics 1e-9 relative (merges and sums in another order than numpy's
  // pairwise sums); p-values 1e-7 relative (Lanczos log-gamma, the Birnbaum–Tingey sum in
  // logs) with an absolute floor of 1e-300.
  const expected = scipy({ cases: CASES });
  it.each(CASES.map((c, index) => [c.name, c, index] as const))('%s', (_name, c, index) => {
    const want = expected.cases[index]!;
    const got = ours(c);
    if (want.statistic === null) expect(got.statistic).toBe(Infinity);
    else close(got.statistic, want.statistic, 1e-9, 1e-15);
    if (want.pValue !== undefined) close(got.pValue!, want.pValue, 1e-7, 1e-300);
  });

  it('flags shifted columns and not unshifted ones', () => {
    const verdicts = Object.fromEntries(CASES.map((c) => [c.name, ours(c).drifted]));
    expect(verdicts['ks exact, equal sizes, no shift']).toBe(false);
    expect(verdicts['ks exact, equal sizes, shifted']).toBe(true);
    expect(verdicts['wasserstein shifted']).toBe(true);
    expect(verdicts['wasserstein same']).toBe(false);
    expect(verdicts['jensenshannon categorical']).toBe(true);
    expect(verdicts['chisquare categorical same']).toBe(false);
    expect(verdicts['chisquare new category']).toBe(true);
    expect(verdicts['psi numeric']).toBe(true);
  });

  it('matches scipy.stats.kstwo.sf, scipy.special.smirnov and chi2.sf on every branch', () => {
    const kstwo: [number, number][] = [];
    for (const n of [5, 60, 140, 141, 1000, 50_000, 99_000, 200_000]) {
      for (const x of [0.6 / n, 0.9 / n, 0.3 / Math.sqrt(n), 0.8 / Math.sqrt(n), 1.2 / Math.sqrt(n), 1.6 / Math.sqrt(n), 3 / Math.sqrt(n), 0.3, 0.55, 1 - 0.5 / n]) {
        if (x > 0 && x < 1) kstwo.push([n, x]);
      }
    }
    const smirnovCases: [number, number][] = [
      [10, 0.3], [100, 0.05], [100, 0.2], [1000, 0.05], [5000, 0.02], [100_000, 0.005], [1_000_000, 0.002], [20, 0.7],
    ];
    const chi2: [number, number][] = [[0.5, 1], [3, 2], [10, 3], [40, 5], [1e-3, 4], [200, 30], [1500, 1000], [0.2, 12]];
    const want = scipy({ kstwo, smirnov: smirnovCases, chi2 });
    kstwo.forEach(([n, x], i) => close(kolmogorovSurvival(n, x), want.kstwo[i]!, 1e-7, 1e-300));
    smirnovCases.forEach(([n, x], i) => close(smirnov(n, x), want.smirnov[i]!, 1e-7, 1e-300));
    chi2.forEach(([x, k], i) => close(chiSquareSurvival(x, k), want.chi2[i]!, 1e-10, 1e-300));
  });
});

describe('drift test choice and edge cases', () => {
  it('auto picks as Evidently does by reference size, kind and distinct values', () => {
    const num = (values: number[]) => sample('numeric', values);
    const cat = (values: string[]) => sample('categorical', values);
    expect(autoTest(num(normal(1, 1000)), num(normal(2, 5000)))).toBe('ks');
    expect(autoTest(num(normal(1, 1001)), num(normal(2, 50)))).toBe('wasserstein');
    expect(autoTest(cat(categories(1, 1000, { a: 1, b: 1 })), cat(categories(2, 10, { a: 1 })))).toBe('chisquare');
    expect(autoTest(cat(categories(1, 1001, { a: 1, b: 1 })), cat(categories(2, 10, { a: 1 })))).toBe('jensenshannon');
    expect(autoTest(num([1, 2, 3, 4, 5, 1, 2]), num([1, 2, 5]))).toBe('chisquare');
    expect(autoTest(num(Array.from({ length: 2000 }, (_, i) => i % 5)), num([1, 2]))).toBe('jensenshannon');
  });

  it('constant columns give finite verdicts', () => {
    const same = runTest('ks', sample('numeric', Array(30).fill(2)), sample('numeric', Array(40).fill(2)));
    expect(same).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    const chi = runTest('chisquare', sample('categorical', Array(30).fill('x')), sample('categorical', Array(40).fill('x')));
    expect(chi).toMatchObject({ pValue: 1, drifted: false });
    expect(chi.note).toMatch(/one value/);
    const moved = runTest('wasserstein', sample('numeric', Array(30).fill(2)), sample('numeric', Array(40).fill(2.5)));
    expect(moved.statistic).toBeCloseTo(500, 9);
    expect(moved.drifted).toBe(true);
    expect(Array.from(sturgesEdges(Float64Array.of(1), Float64Array.of(1)))).toEqual([0.5, 1.5]);
  });
});
