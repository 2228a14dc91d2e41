/**
 * A hyperparameter search space over train.dense's params, and the plain samplers (random,
 * grid). No TensorFlow.js here: the node's param validation reads this module.
 *
 * A space maps a param to the values to try: a list (any strategy), or a numeric range
 * `{ "min", "max", "log"?, "integer"? }` (random, tpe, halving). Whole-number params
 * (epochs, batchSize, earlyStopping, seed) are always drawn as whole numbers.
 */
import type { Json } from '../../base/values.js';

export const TUNE_STRATEGIES = ['random', 'grid', 'tpe', 'halving'] as const;
export type TuneStrategy = (typeof TUNE_STRATEGIES)[number];

export const CLASSIFICATION_METRICS = ['accuracy', 'f1Macro', 'precisionMacro', 'recallMacro', 'rocAuc', 'logLoss'] as const;
export const REGRESSION_METRICS = ['r2', 'rmse', 'mae'] as const;
/** 'auto': accuracy for classes, r2 for values (scikit-learn's default scores). */
export const TUNE_METRICS = ['auto', ...CLASSIFICATION_METRICS, ...REGRESSION_METRICS] as const;
export type TuneMetric = (typeof TUNE_METRICS)[number];
export type ScoreName = Exclude<TuneMetric, 'auto'>;

/** Lower is better for these; higher for the rest. */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['logLoss', 'rmse', 'mae']);

export function metricDirection(metric: ScoreName): 'max' | 'min' {
  return LOWER_IS_BETTER.has(metric) ? 'min' : 'max';
}

export function metricTask(metric: ScoreName): 'classification' | 'regression' {
  return (CLASSIFICATION_METRICS as readonly string[]).includes(metric) ? 'classification' : 'regression';
}

export interface RangeSpec {
  readonly min: number;
  readonly max: number;
  /** Draw evenly on a log scale (for rates): needs min > 0. */
  readonly log?: boolean;
  /** Draw whole numbers (always so for whole-number params). */
  readonly integer?: boolean;
}
export type SpaceSpec = readonly Json[] | RangeSpec;
export type SearchSpace = Readonly<Record<string, SpaceSpec>>;

/** train.dense params a search may vary, and the values they take. target and task stay the node's own. */
export const SEARCHABLE_PARAMS: Readonly<Record<string, 'int' | 'float' | 'choice'>> = {
  hiddenLayers: 'choice',
  activation: 'choice',
  dropout: 'float',
  optimizer: 'choice',
  learningRate: 'float',
  epochs: 'int',
  batchSize: 'int',
  earlyStopping: 'int',
  classWeight: 'choice',
  seed: 'int',
};
const NOT_SEARCHABLE: Readonly<Record<string, string>> = {
  target: 'the column to predict is the node’s own param, not something to search',
  task: 'the task is the node’s own param, not something to search',
};
const RANGE_KEYS = ['min', 'max', 'log', 'integer'];

export function isRange(spec: unknown): spec is RangeSpec {
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec);
}

/** One problem with a space, about one of its params; `message` reads after "param 'space.<param>'". */
export interface SpaceProblem {
  readonly param: string;
  readonly message: string;
}

/**
 * Everything wrong with a space, each naming its param. `checkValue` is train.dense's own
 * verdict on one value of a param (undefined when it accepts it, else why not, as "must be
 * at least 1 (got 0)").
 */
export function spaceProblems(space: Readonly<Record<string, unknown>>, checkValue: (param: string, value: unknown) => string | undefined): SpaceProblem[] {
  const problems: SpaceProblem[] = [];
  const add = (param: string, message: string) => problems.push({ param, message });
  const names = Object.keys(space);
  if (names.length === 0) add('', 'names no param to search; add one, e.g. { "learningRate": { "min": 0.0001, "max": 0.01, "log": true } }');
  for (const name of names) {
    const spec = space[name];
    if (name in NOT_SEARCHABLE) {
      add(name, `cannot be searched: ${NOT_SEARCHABLE[name]}`);
      continue;
    }
    const kind = SEARCHABLE_PARAMS[name];
    if (kind === undefined) {
      add(name, `is not a param of train.dense; the params a search can vary: ${Object.keys(SEARCHABLE_PARAMS).join(', ')}`);
      continue;
    }
    if (Array.isArray(spec)) {
      if (spec.length === 0) add(name, 'is an empty list; give at least one value to try');
      spec.forEach((value, index) => {
        const problem = checkValue(name, value);
        if (problem !== undefined) add(name, `value ${index + 1} of the list ${problem}`);
      });
      const seen = new Set(spec.map((value) => JSON.stringify(value)));
      if (seen.size < spec.length) add(name, 'lists a value more than once; list each value to try once');
      continue;
    }
    if (!isRange(spec)) {
      add(name, `must be a list of values to try or a range { "min", "max", "log", "integer" } (got ${JSON.stringify(spec) ?? String(spec)})`);
      continue;
    }
    if (kind === 'choice') {
      add(name, `is a range, but ${name} takes a list of the values to try`);
      continue;
    }
    const range = spec as unknown as Record<string, unknown>;
    const unknown = Object.keys(range).filter((key) => !RANGE_KEYS.includes(key));
    if (unknown.length > 0) add(name, `has unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((key) => `'${key}'`).join(', ')}; a range takes min, max, log and integer`);
    let bounds = true;
    for (const key of ['min', 'max'] as const) {
      const value = range[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        add(name, `needs a number for ${key} (got ${value === undefined ? 'none' : JSON.stringify(value)})`);
        bounds = false;
        continue;
      }
      const problem = checkValue(name, value);
      if (problem !== undefined) {
        add(name, `${key} ${problem}`);
        bounds = false;
      }
    }
    for (const key of ['log', 'integer'] as const) {
      if (range[key] !== undefined && typeof range[key] !== 'boolean') add(name, `${key} must be true or false (got ${JSON.stringify(range[key])})`);
    }
    if (!bounds) continue;
    const { min, max } = range as { min: number; max: number };
    if (min > max) add(name, `has min ${min} above max ${max}`);
    else if (range.log === true && min <= 0) add(name, `is a log range, so min must be above 0 (got ${min})`);
    else if ((kind === 'int' || range.integer === true) && Math.floor(max) < Math.ceil(min)) add(name, `holds no whole number between min ${min} and max ${max}`);
  }
  return problems;
}

/** One searched param, ready to draw from. */
export type Dimension =
  | { readonly name: string; readonly kind: 'list'; readonly values: readonly Json[] }
  | { readonly name: string; readonly kind: 'range'; readonly min: number; readonly max: number; readonly log: boolean; readonly integer: boolean };

/** The space's params in name order, so a file's key order never changes what is drawn. */
export function dimensionsOf(space: SearchSpace): Dimension[] {
  return Object.keys(space)
    .sort()
    .map((name): Dimension => {
      const spec = space[name]!;
      if (!isRange(spec)) return { name, kind: 'list', values: spec };
      return { name, kind: 'range', min: spec.min, max: spec.max, log: spec.log === true, integer: spec.integer === true || SEARCHABLE_PARAMS[name] === 'int' };
    });
}

/** Where a range is drawn: its ends on the scale it is drawn on (log or linear). */
export function scaleOf(dimension: Extract<Dimension, { kind: 'range' }>): { low: number; high: number; toValue(x: number): number; fromValue(value: number): number } {
  const { min, max, log, integer } = dimension;
  // Whole numbers: each of min…max gets an equal share of the line.
  const low = integer ? (log ? Math.log(min > 0.5 ? Math.ceil(min) - 0.5 : min) : Math.ceil(min) - 0.5) : log ? Math.log(min) : min;
  const high = integer ? (log ? Math.log(max + 0.5) : Math.floor(max) + 0.5) : log ? Math.log(max) : max;
  const clamp = (value: number) => Math.min(integer ? Math.floor(max) : max, Math.max(integer ? Math.ceil(min) : min, value));
  return {
    low,
    high,
    toValue: (x) => clamp(integer ? Math.round(log ? Math.exp(x) : x) : log ? Math.exp(x) : x),
    fromValue: (value) => (log ? Math.log(Math.max(value, 1e-300)) : value),
  };
}

export type TrialParams = Record<string, Json>;

/** One random draw: a list's values equally likely, a range uniform on its scale. */
export function sampleRandom(dimensions: readonly Dimension[], next: () => number): TrialParams {
  const params: TrialParams = {};
  for (const dimension of dimensions) {
    if (dimension.kind === 'list') params[dimension.name] = dimension.values[Math.floor(next() * dimension.values.length)]!;
    else {
      const scale = scaleOf(dimension);
      params[dimension.name] = scale.toValue(scale.low + next() * (scale.high - scale.low));
    }
  }
  return params;
}

/** Every combination of the lists, the last param varying fastest; undefined when a param is a range. */
export function gridPoints(dimensions: readonly Dimension[]): TrialParams[] | undefined {
  let points: TrialParams[] = [{}];
  for (const dimension of dimensions) {
    if (dimension.kind !== 'list') return undefined;
    points = points.flatMap((point) => dimension.values.map((value) => ({ ...point, [dimension.name]: value })));
  }
  return points;
}

/** How many combinations the lists make (Infinity with a range). */
export function gridSize(dimensions: readonly Dimension[]): number {
  return dimensions.reduce((size, dimension) => size * (dimension.kind === 'list' ? dimension.values.length : Infinity), 1);
}
