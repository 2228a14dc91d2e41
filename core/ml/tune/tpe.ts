/**
 * The Tree-structured Parzen Estimator (Bergstra et al., 2011, as hyperopt and Optuna run
 * it): the finished trials are split into the best quarter ("good") and the rest; each
 * param gets a density of the good values, l(x), and of the others, g(x); candidates are
 * drawn from l and the one with the largest l(x)/g(x) is tried next. Params are modelled
 * independently. Ranges use truncated Gaussian mixtures on their drawing scale (log or
 * linear) with hyperopt's adaptive bandwidths plus a wide prior; lists use counts plus one.
 */
import type { Json } from '../../base/values.js';
import { scaleOf, type Dimension, type TrialParams } from './space.js';

export interface Observation {
  readonly params: TrialParams;
  /** Higher is better (a minimised metric negated); -Infinity for a failed trial. */
  readonly score: number;
}

/** Candidates drawn from l(x) for each proposal (hyperopt's and Optuna's default). */
const CANDIDATES = 24;
/** Share of the finished trials that count as good. */
const GAMMA = 0.25;
const MAX_GOOD = 25;

interface Mixture {
  readonly mus: readonly number[];
  readonly sigmas: readonly number[];
  /** Each component's mass inside [low, high], for the truncated density. */
  readonly masses: readonly number[];
}

function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** Abramowitz & Stegun 7.1.26 (error below 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return sign * y;
}

/** hyperopt's adaptive Parzen estimator: a prior over the whole range, each point's width from its neighbours. */
function parzen(points: readonly number[], low: number, high: number): Mixture {
  const span = high - low;
  const prior = (low + high) / 2;
  const mus = [...points, prior].sort((a, b) => a - b);
  const minSigma = span / Math.min(100, 1 + mus.length);
  const sigmas = mus.map((mu, k) => {
    if (mu === prior && mus.length === 1) return span;
    const left = mu - (k > 0 ? mus[k - 1]! : low);
    const right = (k + 1 < mus.length ? mus[k + 1]! : high) - mu;
    return Math.min(span, Math.max(minSigma, left, right));
  });
  // The prior keeps the full width.
  const priorIndex = mus.indexOf(prior);
  sigmas[priorIndex] = span;
  const masses = mus.map((mu, k) => Math.max(1e-12, normalCdf((high - mu) / sigmas[k]!) - normalCdf((low - mu) / sigmas[k]!)));
  return { mus, sigmas, masses };
}

function logDensity(mixture: Mixture, x: number): number {
  let sum = 0;
  const n = mixture.mus.length;
  for (let k = 0; k < n; k++) {
    const sigma = mixture.sigmas[k]!;
    const z = (x - mixture.mus[k]!) / sigma;
    sum += Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI) * mixture.masses[k]!);
  }
  return Math.log(Math.max(sum / n, 1e-300));
}

function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

function drawFrom(mixture: Mixture, low: number, high: number, next: () => number): number {
  const k = Math.floor(next() * mixture.mus.length);
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = mixture.mus[k]! + mixture.sigmas[k]! * normal(next);
    if (x >= low && x <= high) return x;
  }
  return Math.min(high, Math.max(low, mixture.mus[k]!));
}

const keyOf = (value: Json) => JSON.stringify(value);

/** Proposes the next trial's params from the finished ones. */
export function proposeTpe(dimensions: readonly Dimension[], history: readonly Observation[], next: () => number): TrialParams {
  const sorted = [...history].sort((a, b) => b.score - a.score);
  const goodCount = Math.min(MAX_GOOD, Math.max(1, Math.ceil(GAMMA * sorted.length)));
  const good = sorted.slice(0, goodCount);
  const bad = sorted.slice(goodCount);

  // Per param: a way to draw from l and the log ratio l/g of a drawn value.
  const models = dimensions.map((dimension) => {
    if (dimension.kind === 'list') {
      const weights = (group: readonly Observation[]) => {
        const counts = dimension.values.map(() => 1);
        for (const observation of group) {
          const index = dimension.values.findIndex((value) => keyOf(value) === keyOf(observation.params[dimension.name]!));
          if (index >= 0) counts[index]!++;
        }
        const total = counts.reduce((a, b) => a + b, 0);
        return counts.map((count) => count / total);
      };
      const l = weights(good);
      const g = weights(bad);
      return {
        draw(): { value: Json; ratio: number } {
          let u = next();
          let index = 0;
          while (index < l.length - 1 && u >= l[index]!) u -= l[index++]!;
          return { value: dimension.values[index]!, ratio: Math.log(l[index]!) - Math.log(g[index]!) };
        },
      };
    }
    const scale = scaleOf(dimension);
    const points = (group: readonly Observation[]) =>
      group.map((observation) => observation.params[dimension.name]).filter((value): value is number => typeof value === 'number').map((value) => scale.fromValue(value));
    const l = parzen(points(good), scale.low, scale.high);
    const g = parzen(points(bad), scale.low, scale.high);
    return {
      draw(): { value: Json; ratio: number } {
        const x = drawFrom(l, scale.low, scale.high, next);
        const value = scale.toValue(x);
        // Score where the value lands (whole numbers round), so ties between candidates are real ties.
        const at = scale.fromValue(value);
        return { value, ratio: logDensity(l, at) - logDensity(g, at) };
      },
    };
  });

  let best: { params: TrialParams; score: number } | undefined;
  for (let candidate = 0; candidate < CANDIDATES; candidate++) {
    const params: TrialParams = {};
    let score = 0;
    dimensions.forEach((dimension, k) => {
      const drawn = models[k]!.draw();
      params[dimension.name] = drawn.value;
      score += drawn.ratio;
    });
    if (best === undefined || score > best.score) best = { params, score };
  }
  return best!.params;
}
