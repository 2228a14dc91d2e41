import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNodeError } from '../base/errors.js';
import type { RecipeStep } from '../base/table.js';
import { seededRandom } from '../data/random.js';
import { InputSchema, type Cell } from '../serve/inputs.js';
import { trainExample, type TrainedExample } from '../serve/test-support/trained-model.js';
import { modelInputTable, type ModelBundle } from './bundle-format.js';
import { encodeFeatures, planWidth, type FeatureEncoding } from './features.js';
import { BUILT_IN_STEP_KINDS, StepKindRegistry, type InputType } from './recipe/index.js';
import { step } from './recipe/test-support/data.js';
import { log1pStep } from './recipe/test-support/log1p-pack.js';
import { compileRowFeatures, type RowFeatures } from './row-features.js';

/** The reference: what the model server computes through Arrow; undefined where it refuses the batch. */
function tablePath(bundle: ModelBundle, columns: Cell[][], rows: number): Float32Array | undefined {
  try {
    const table = new InputSchema(bundle, 4096).toTable({ rows, columns });
    return encodeFeatures(bundle.features, modelInputTable(bundle, { table, recipe: [] }));
  } catch (error) {
    if (isNodeError(error)) return undefined;
    throw error;
  }
}

function bits(values: Float32Array): number[] {
  return Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
}

/** A batch as text that keeps -0, lone surrogates and byte-order marks visible. */
function show(columns: readonly Cell[][]): string {
  return columns.map((column) => `[${column.map((cell) => (Object.is(cell, -0) ? '-0' : typeof cell === 'string' ? JSON.stringify(cell).replace(/[\uD800-\uDFFF\uFEFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : String(cell))).join(', ')}]`).join(' ');
}

const GARBAGE = 7.25;

/**
 * Both paths on one batch: the row path must give the table path's matrix bit for bit, and
 * fall back (false, `out` untouched) exactly where the table path refuses the batch.
 */
function compare(bundle: ModelBundle, features: RowFeatures, columns: Cell[][], rows: number): boolean {
  const expected = tablePath(bundle, columns, rows);
  const out = new Float32Array(rows * features.width + 2).fill(GARBAGE);
  const covered = features.encode(columns, rows, out);
  const what = `batch ${show(columns)}`;
  if (covered) {
    expect(expected, `${what}: the row path answered where the table path refuses`).toBeDefined();
    expect(bits(out.subarray(0, rows * features.width)), what).toEqual(bits(expected!));
    expect([out[rows * features.width], out[rows * features.width + 1]], what).toEqual([GARBAGE, GARBAGE]);
  } else {
    expect(out.every((value) => value === GARBAGE), `${what}: a fallback wrote to out`).toBe(true);
    expect(expected, `${what}: the row path fell back on a batch the table path answers`).toBeUndefined();
  }
  return covered;
}

// --- random batches ----------------------------------------------------------------------

const EXTREME_NUMBERS = [0, -0, 1, -1, 2, 3, 10, 2.5, 1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 1e-300, 1e21, 0.1 + 0.2, 123456789.123, Number.MAX_SAFE_INTEGER, 2007, 2009];
const ODD_TEXT = ['', ' ', 'unknown', 'NaN', 'Infinity', 'true', 'false', '0', '-0', '1', '2.5', '1e+21', 'é', '😀', '\uFEFF', '\uD800', 'a\uDC00b', 'x\uD83D'];

/** Strings and numbers the bundle knows: categories, fill values, centers. */
function knownValues(bundle: ModelBundle): { texts: string[]; numbers: number[] } {
  const texts = new Set<string>();
  const numbers = new Set<number>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') texts.add(value);
    else if (typeof value === 'number') numbers.add(value);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(visit);
  };
  for (const recipeStep of bundle.recipe) visit(recipeStep.fitted);
  for (const encoding of bundle.features.columns) if (encoding.kind === 'category') visit(encoding.categories);
  for (const text of [...texts]) {
    if (text !== '' && Number.isFinite(Number(text))) numbers.add(Number(text));
    // A byte-order mark is dropped when a category is read back from its bytes.
    texts.add(`\uFEFF${text}`).add(`\uFEFF\uFEFF${text}`);
  }
  return { texts: [...texts], numbers: [...numbers] };
}

type Mode = 'number' | 'string' | 'boolean' | 'null' | 'mixed';

function batchOf(bundle: ModelBundle, random: () => number): { columns: Cell[][]; rows: number } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const { texts, numbers } = knownValues(bundle);
  const number = (): number => {
    const r = random();
    if (r < 0.35 && numbers.length > 0) return pick(numbers);
    if (r < 0.6) return pick(EXTREME_NUMBERS);
    if (r < 0.8 && numbers.length > 0) return pick(numbers) * (1 + (random() - 0.5) * 0.2);
    return (random() - 0.5) * 10 ** Math.floor(random() * 12 - 4);
  };
  const text = (): string => (random() < 0.6 && texts.length > 0 ? pick(texts) : random() < 0.7 ? pick(ODD_TEXT) : `v${Math.floor(random() * 5)}`);
  const cellOf = (mode: Exclude<Mode, 'mixed'>): Cell => (mode === 'null' ? null : mode === 'number' ? number() : mode === 'boolean' ? random() < 0.5 : text());
  const rows = random() < 0.4 ? 1 : 1 + Math.floor(random() * 40);
  const columns = bundle.inputs.map(({ type }) => {
    const modes: readonly Mode[] = type === 'any' ? ['number', 'number', 'string', 'string', 'boolean', 'mixed', 'mixed', 'null'] : [type, type, type, type, type, type, type, 'null'];
    const mode = pick(modes);
    return Array.from({ length: rows }, () => {
      if (random() < 0.15) return null;
      return cellOf(mode === 'mixed' ? pick(['number', 'string', 'boolean'] as const) : mode);
    });
  });
  return { columns, rows };
}

/** Compares both paths on `count` random batches; returns how many the row path answered. */
function property(bundle: ModelBundle, seed: number, count: number): { covered: number; total: number } {
  const features = compileRowFeatures(bundle);
  expect(features).not.toBeNull();
  const random = seededRandom(seed);
  let covered = 0;
  for (let k = 0; k < count; k++) {
    const { columns, rows } = batchOf(bundle, random);
    if (compare(bundle, features!, columns, rows)) covered++;
  }
  return { covered, total: count };
}

// --- bundles -------------------------------------------------------------------------------

function bundleOf(inputs: Record<string, InputType>, recipe: RecipeStep[], plan: FeatureEncoding[]): ModelBundle {
  return {
    format: 'tensorloom/model@1',
    task: 'regression',
    target: { name: 'y', source: { kind: 'column' }, scaled: [], valueType: 'number' },
    classes: null,
    recipe,
    features: { columns: plan, width: planWidth(plan) },
    inputs: Object.entries(inputs).map(([name, type]) => ({ name, type })),
    targetScaling: null,
    network: { inputs: planWidth(plan), hidden: [], outputUnits: 1 },
    training: {},
    lineage: {},
  } as unknown as ModelBundle;
}

const num = (name: string, mean: number, std: number): FeatureEncoding => ({ name, kind: 'number', mean, std });

/** impute mean/median/constant on numbers, scale standard/minmax/robust, overflow to ±Infinity. */
const NUMBERS = bundleOf(
  { a: 'number', b: 'number', c: 'number', d: 'number', e: 'number' },
  [
    step('feature.impute', { strategy: 'mean', columns: [{ name: 'a', value: 12.5 }] }, 'mean'),
    step('feature.impute', { strategy: 'median', columns: [{ name: 'b', value: -3 }] }, 'median'),
    step('feature.impute', { strategy: 'constant', columns: [{ name: 'c', value: 0 }, { name: 'y', value: 1 }] }, 'constant'),
    step('feature.scale', { method: 'standard', columns: [{ name: 'a', center: 12.5, scale: 3.3 }] }, 'standard'),
    step('feature.scale', { method: 'minmax', columns: [{ name: 'b', center: -10, scale: 20 }, { name: 'c', center: 1e300, scale: 1e-300 }] }, 'minmax'),
    step('feature.scale', { method: 'robust', columns: [{ name: 'd', center: 2, scale: 0 }, { name: 'y', center: 1, scale: 2 }] }, 'robust'),
  ],
  [num('a', 0.1, 0.9), num('b', 0.5, 0.3), num('c', 1, 2), num('d', 0, 1), num('e', 1e300, 1e-10)],
);

/** impute mostFrequent/constant on text (and on numbers sent to a text fill), onehot and ordinal, category plans. */
const TEXT = bundleOf(
  { s: 'any', t: 'any', u: 'string', n: 'any', m: 'any' },
  [
    step('feature.impute', { strategy: 'mostFrequent', columns: [{ name: 's', value: 'red' }, { name: 'u', value: 'x' }] }, 'frequent'),
    step('feature.impute', { strategy: 'constant', columns: [{ name: 'n', value: 'missing' }] }, 'constant'),
    step('feature.encode', { method: 'onehot', columns: [{ name: 's', categories: ['blue', 'green', 'red'] }] }, 'onehot'),
    step('feature.encode', { method: 'ordinal', columns: [{ name: 't', categories: ['1', '2', '10', 'true', 'x'] }, { name: 'n', categories: ['3', '2.5', 'missing'] }] }, 'ordinal'),
  ],
  [num('s=blue', 0.3, 0.4), num('s=green', 0.2, 0.4), num('s=red', 0.5, 0.5), num('t', 1.5, 1.2), num('n', 0.7, 0.8), { name: 'u', kind: 'category', categories: ['x', 'y', 'z'] }, { name: 'm', kind: 'category', categories: ['1', '2', 'false', 'hello', 'true'] }],
);

/** Boolean inputs and plans, numeric impute on booleans, onehot of booleans, expressions, select, an absent column. */
const MIXED = bundleOf(
  { f: 'boolean', g: 'any', h: 'boolean', p: 'number', q: 'number', k: 'number', w: 'any' },
  [
    step('feature.impute', { strategy: 'mostFrequent', columns: [{ name: 'h', value: 1 }, { name: 'ghost', value: 2 }] }, 'fill'),
    step('feature.encode', { method: 'onehot', columns: [{ name: 'g', categories: ['false', 'true'] }] }, 'onehot'),
    step('feature.expression', { name: 'pq', expression: 'p * 2 + log(q)' }, 'pq'),
    step('feature.expression', { name: 'p', expression: 'p / q' }, 'ratio'),
    step('feature.expression', { name: 'gx', expression: 'ghost + 1' }, 'ghostly'),
    step('feature.select', { keep: ['f', 'g=false', 'g=true', 'h', 'p', 'pq', 'w', 'k'] }, 'select'),
  ],
  [
    { name: 'f', kind: 'boolean' },
    num('g=false', 0.4, 0.5),
    { name: 'g=true', kind: 'boolean' },
    num('h', 0.5, 0.5),
    num('p', 1, 3),
    num('pq', 10, 4),
    { name: 'k', kind: 'category', categories: ['-1', '0', '1', '2007'] },
    { name: 'w', kind: 'category', categories: ['1', 'false', 'true'] },
  ],
);

/** A numeric fill before an encoder on a free-typed input, and a number plan read straight from one: text batches are refused. */
const REFUSING = bundleOf(
  { z: 'any', r: 'any', v: 'string' },
  [
    step('feature.impute', { strategy: 'constant', columns: [{ name: 'z', value: 0 }] }, 'zero'),
    step('feature.encode', { method: 'onehot', columns: [{ name: 'z', categories: ['0', '1', '2'] }] }, 'onehot'),
    step('feature.scale', { method: 'standard', columns: [{ name: 'v', center: 1, scale: 2 }] }, 'scale'),
  ],
  [num('z=0', 0.3, 0.4), num('z=1', 0.3, 0.4), num('z=2', 0.3, 0.4), num('r', 5, 2), { name: 'v', kind: 'category', categories: ['NaN', '0'] }],
);

describe('compiled row features: the same matrix as the table path, bit for bit', () => {
  let penguins: TrainedExample;

  beforeAll(() => {
    penguins = trainExample('penguins');
  }, 180_000);
  afterAll(() => {
    if (penguins) rmSync(penguins.workspace, { recursive: true, force: true });
  });

  it('answers every penguins row of the real data set exactly, one row at a time and as one batch', () => {
    const { bundle, records } = penguins;
    const features = compileRowFeatures(bundle);
    expect(features).not.toBeNull();
    const schema = new InputSchema(bundle, 4096);
    for (const record of records) expect(compare(bundle, features!, [...schema.fromRecords([record], 'instances').columns], 1)).toBe(true);
    const all = schema.fromRecords(records, 'instances');
    expect(compare(bundle, features!, [...all.columns], all.rows)).toBe(true);
  });

  it('matches the penguins model on random batches: nulls, unknown categories, numbers and booleans for text, extremes', () => {
    const { covered, total } = property(penguins.bundle, 17, 600);
    // island and sex are free-typed: every batch of valid cells is answered, mixed ones too.
    expect(covered).toBe(total);
  });

  it.each([
    ['numbers (impute mean/median/constant, scale standard/minmax/robust)', NUMBERS, 1],
    ['text (impute text, onehot, ordinal, category plans)', TEXT, 2],
    ['booleans, expressions, select and an absent column', MIXED, 3],
  ])('matches the table path on random batches: %s', (_, bundle, seed) => {
    const { covered, total } = property(bundle, seed, 500);
    expect(covered).toBe(total);
  });

  it('falls back exactly where the table path refuses the batch, and nowhere else', () => {
    const { covered, total } = property(REFUSING, 4, 500);
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThan(total);
    const features = compileRowFeatures(REFUSING)!;
    // Text where a numeric fill or a number plan reads it: the table path's error, so false.
    expect(compare(REFUSING, features, [['a'], [1], ['0']], 1)).toBe(false);
    expect(compare(REFUSING, features, [[1], ['a'], ['0']], 1)).toBe(false);
    expect(compare(REFUSING, features, [[null], [null], [null]], 1)).toBe(false);
    // Without a value the text column reads as missing numbers; true reads as 1.
    expect(compare(REFUSING, features, [[null, 2], [true, false], [null, null]], 2)).toBe(true);
  });

  it('reproduces a free-typed column whose type depends on the rest of the batch', () => {
    const { bundle } = penguins;
    const features = compileRowFeatures(bundle)!;
    const schema = new InputSchema(bundle, 4096);
    const row = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, year: 2007, island: 'Dream', sex: '\uFEFF\uFEFFmale' };
    const alone = schema.fromRecords([row], 'instances');
    const mixed = schema.fromRecords([row, { ...row, island: 3, sex: null }], 'instances');
    expect(compare(bundle, features, [...alone.columns], 1)).toBe(true);
    expect(compare(bundle, features, [...mixed.columns], 2)).toBe(true);
  });

  it('has no row form for a recipe with a node-pack step kind or one this thread cannot replay', () => {
    const logt = step('test.log1p', { column: 'a', name: 'a' }, 'logt');
    const withPack = bundleOf({ a: 'number' }, [logt], [num('a', 0, 1)]);
    expect(compileRowFeatures(withPack, new StepKindRegistry([...BUILT_IN_STEP_KINDS, log1pStep]))).toBeNull();
    expect(compileRowFeatures(withPack)).toBeNull();
    // A column the recipe reads that no input provides is skipped (replayAbsentOk); a plan column nothing makes fails every request.
    expect(compileRowFeatures(bundleOf({ a: 'number' }, [step('feature.scale', { method: 'standard', columns: [{ name: 'b', center: 0, scale: 1 }] })], [num('a', 0, 1)]))).not.toBeNull();
    expect(compileRowFeatures(bundleOf({ a: 'number' }, [], [num('b', 0, 1)]))).toBeNull();
    // The built-in kinds all compile, the expression included.
    expect(compileRowFeatures(MIXED)).not.toBeNull();
  });

  it('refuses cells that validation would not let through rather than guess', () => {
    const features = compileRowFeatures(NUMBERS)!;
    const good: Cell[][] = [[1], [2], [3], [4], [5]];
    expect(compare(NUMBERS, features, good, 1)).toBe(true);
    const out = new Float32Array(features.width).fill(GARBAGE);
    expect(features.encode([[Infinity], [2], [3], [4], [5]], 1, out)).toBe(false);
    expect(features.encode([['1'], [2], [3], [4], [5]], 1, out)).toBe(false);
    expect(features.encode([[1, 2], [2], [3], [4], [5]], 1, out)).toBe(false);
    expect(features.encode(good.slice(1), 1, out)).toBe(false);
    expect(out.every((value) => value === GARBAGE)).toBe(true);
    expect(() => features.encode(good, 1, new Float32Array(features.width - 1))).toThrow(RangeError);
  });
});
