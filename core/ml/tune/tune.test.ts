import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../data/random.js';
import { foldRoles, kFoldPlan, ROLE, scoringRows, validationPlan } from './folds.js';
import { dimensionsOf, gridPoints, gridSize, sampleRandom, spaceProblems } from './space.js';
import { proposeTpe, type Observation } from './tpe.js';

describe('search space', () => {
  it('draws ranges within their bounds, log ranges evenly on the log scale, whole numbers for whole-number params', () => {
    const dimensions = dimensionsOf({ learningRate: { min: 0.0001, max: 0.1, log: true }, epochs: { min: 5, max: 8 }, dropout: { min: 0, max: 0.5 }, activation: ['relu', 'tanh'] });
    expect(dimensions.map((dimension) => dimension.name)).toEqual(['activation', 'dropout', 'epochs', 'learningRate']);
    const next = seededRandom(1);
    const draws = Array.from({ length: 2000 }, () => sampleRandom(dimensions, next));
    const rates = draws.map((draw) => draw.learningRate as number);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...rates)).toBeLessThanOrEqual(0.1);
    // Log-uniform: about half the draws fall below the geometric middle (a uniform draw would put 3% there).
    const below = rates.filter((rate) => rate < Math.sqrt(0.0001 * 0.1)).length / rates.length;
    expect(below).toBeGreaterThan(0.45);
    expect(below).toBeLessThan(0.55);
    // Whole numbers, every one of 5…8 drawn about equally often.
    const counts = new Map<number, number>();
    for (const draw of draws) counts.set(draw.epochs as number, (counts.get(draw.epochs as number) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([5, 6, 7, 8]);
    for (const count of counts.values()) expect(count).toBeGreaterThan(400);
    expect(new Set(draws.map((draw) => draw.activation))).toEqual(new Set(['relu', 'tanh']));
    // The same seed draws the same values.
    const again = seededRandom(1);
    expect(Array.from({ length: 5 }, () => sampleRandom(dimensions, again))).toEqual(draws.slice(0, 5));
  });

  it('a grid is every combination of the lists, the last param (by name) varying fastest', () => {
    const dimensions = dimensionsOf({ hiddenLayers: [[8], [16, 8]], activation: ['relu', 'tanh', 'elu'] });
    expect(gridSize(dimensions)).toBe(6);
    expect(gridPoints(dimensions)).toEqual([
      { activation: 'relu', hiddenLayers: [8] },
      { activation: 'relu', hiddenLayers: [16, 8] },
      { activation: 'tanh', hiddenLayers: [8] },
      { activation: 'tanh', hiddenLayers: [16, 8] },
      { activation: 'elu', hiddenLayers: [8] },
      { activation: 'elu', hiddenLayers: [16, 8] },
    ]);
    expect(gridPoints(dimensionsOf({ dropout: { min: 0, max: 0.5 } }))).toBeUndefined();
  });

  it('names every problem with the param it is about', () => {
    const accept = () => undefined;
    expect(spaceProblems({ batchSize: { min: 3.2, max: 3.8 }, dropout: { min: 0, max: 0.5, step: 0.1 }, optimizer: 'adam', epochs: { max: 5 }, seed: [1, 1] }, accept)).toEqual([
      { param: 'batchSize', message: 'holds no whole number between min 3.2 and max 3.8' },
      { param: 'dropout', message: "has unknown key 'step'; a range takes min, max, log and integer" },
      { param: 'optimizer', message: 'must be a list of values to try or a range { "min", "max", "log", "integer" } (got "adam")' },
      { param: 'epochs', message: 'needs a number for min (got none)' },
      { param: 'seed', message: 'lists a value more than once; list each value to try once' },
    ]);
  });
});

describe('folds', () => {
  it('k-fold: every labelled train row in exactly one fold, each class spread evenly, sizes within one row, seeded', () => {
    const rows = 103;
    const roles = new Uint8Array(rows);
    const labels: string[] = [];
    const trainRows: number[] = [];
    for (let row = 0; row < rows; row++) {
      roles[row] = row % 10 === 0 ? ROLE.VALIDATION : ROLE.TRAIN;
      labels.push(row % 4 === 0 ? 'rare' : 'common');
      if (roles[row] === ROLE.TRAIN) trainRows.push(row);
    }
    const plan = kFoldPlan(rows, roles, trainRows, labels, 5, 7);
    expect(kFoldPlan(rows, roles, trainRows, labels, 5, 7)).toEqual(plan);
    expect(kFoldPlan(rows, roles, trainRows, labels, 5, 8).fold).not.toEqual(plan.fold);
    const sizes = [0, 1, 2, 3, 4].map((fold) => scoringRows(plan, fold).length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(trainRows.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    for (let fold = 0; fold < 5; fold++) {
      const rare = [...scoringRows(plan, fold)].filter((row) => labels[row] === 'rare').length;
      expect(rare).toBeGreaterThanOrEqual(4);
      expect(rare).toBeLessThanOrEqual(5);
    }
    // Validation rows are never folded: they stay the early-stopping rows of every fold.
    for (let row = 0; row < rows; row += 10) expect(plan.fold[row]).toBe(-1);
    const roleNames = foldRoles(plan, 2);
    expect(roleNames.filter((role) => role === 'test')).toHaveLength(sizes[2]!);
    expect(roleNames[0]).toBe('validation');
  });

  it('folds 0: the validation rows are scored, roles as they are', () => {
    const roles = Uint8Array.from([ROLE.TRAIN, ROLE.VALIDATION, ROLE.OTHER, ROLE.VALIDATION]);
    const plan = validationPlan(roles);
    expect([...scoringRows(plan, 0)]).toEqual([1, 3]);
    expect(foldRoles(plan, 0)).toEqual(['train', 'validation', 'test', 'validation']);
  });
});

describe('TPE', () => {
  it('proposes near the good trials, within bounds, the same for the same seed', () => {
    const dimensions = dimensionsOf({ learningRate: { min: 0.0001, max: 1, log: true }, activation: ['relu', 'tanh', 'elu'] });
    // Good: rates near 0.01 with tanh; bad: everything else.
    const next = seededRandom(3);
    const history: Observation[] = Array.from({ length: 30 }, () => {
      const params = sampleRandom(dimensions, next);
      const rate = params.learningRate as number;
      return { params, score: -Math.abs(Math.log10(rate) + 2) - (params.activation === 'tanh' ? 0 : 1) };
    });
    const proposals = Array.from({ length: 20 }, (_, k) => proposeTpe(dimensions, history, seededRandom(100 + k)));
    const rates = proposals.map((params) => params.learningRate as number);
    for (const rate of rates) expect(rate >= 0.0001 && rate <= 1).toBe(true);
    const near = rates.filter((rate) => rate > 0.001 && rate < 0.1).length;
    expect(near).toBeGreaterThanOrEqual(16);
    expect(proposals.filter((params) => params.activation === 'tanh').length).toBeGreaterThanOrEqual(14);
    expect(proposeTpe(dimensions, history, seededRandom(100))).toEqual(proposals[0]);
  });

  it('counts failed trials as bad and copes with a history of one', () => {
    const dimensions = dimensionsOf({ batchSize: [16, 32, 64], epochs: { min: 1, max: 10 } });
    const params = proposeTpe(dimensions, [{ params: { batchSize: 32, epochs: 3 }, score: -Infinity }], seededRandom(1));
    expect([16, 32, 64]).toContain(params.batchSize);
    expect(Number.isInteger(params.epochs)).toBe(true);
  });
});
