import { describe, expect, it } from 'vitest';
import { classificationMetrics, regressionMetrics, rocCurve, type ClassificationReport } from './metrics.js';

/*
 * Reference values below come from scikit-learn 1.2.1 (numpy 1.24.2), computed on exactly
 * these arrays: accuracy_score, precision_score / recall_score / f1_score (average='macro',
 * zero_division=0), roc_auc_score (binary; multi_class='ovr', average='macro'), log_loss
 * (eps=1e-15; a label the model never saw gets a probability column of zeros),
 * confusion_matrix, precision_recall_fscore_support, roc_curve(drop_intermediate=False),
 * mean_squared_error(squared=False), mean_absolute_error and r2_score.
 * Every probability is a multiple of 1/16, so the Float32Array holds the same numbers.
 */

const TOLERANCE = 12; // decimal digits for toBeCloseTo

/** rows × classes probabilities as the model would return them. */
const matrix = (rows: number[][]) => Float32Array.from(rows.flat());

/** Every number anywhere in the report, with its path. */
function numbersIn(value: unknown, path = 'report'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, k) => numbersIn(item, `${path}[${k}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => numbersIn(item, `${path}.${key}`));
  return [];
}

function expectNoNaN(report: object): void {
  for (const [path, value] of numbersIn(report)) expect(Number.isFinite(value), path).toBe(true);
}

function expectClose(report: ClassificationReport, reference: Record<string, number>): void {
  for (const [name, value] of Object.entries(reference)) expect(report[name as keyof ClassificationReport] as number, name).toBeCloseTo(value, TOLERANCE);
}

describe('classificationMetrics against scikit-learn', () => {
  it('binary, with tied scores (and a 0.5/0.5 row that goes to the first class)', () => {
    const truth = ['yes', 'no', 'yes', 'yes', 'no', 'no', 'yes', 'no', 'yes', 'no'];
    const pYes = [0.875, 0.25, 0.625, 0.5, 0.5, 0.125, 0.25, 0.625, 0.9375, 0.0625];
    const report = classificationMetrics(truth, ['no', 'yes'], matrix(pYes.map((p) => [1 - p, p])));
    expectClose(report, {
      accuracy: 0.7,
      precisionMacro: 0.7083333333333333,
      recallMacro: 0.7,
      f1Macro: 0.6969696969696968,
      rocAuc: 0.8200000000000001,
      logLoss: 0.4907243504473212,
    });
    expect(report.confusionMatrix).toEqual({ labels: ['no', 'yes'], matrix: [[4, 1], [2, 3]] });
    expect(report.rows).toBe(10);
    expect(report.notes).toEqual([]);
    // Binary: one curve, for the positive (second) class; ties share a point.
    expect(Object.keys(report.roc)).toEqual(['yes']);
    const curve = report.roc.yes!;
    expect(curve.auc).toBeCloseTo(0.82, TOLERANCE);
    expect(curve.fpr).toEqual([0.0, 0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0].map((x) => expect.closeTo(x, TOLERANCE)));
    expect(curve.tpr).toEqual([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0].map((x) => expect.closeTo(x, TOLERANCE)));
    expectNoNaN(report);
  });

  it('three classes, one-vs-rest macro ROC AUC, ties in scores and in the arg-max', () => {
    const truth = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'c'];
    const probabilities = matrix([
      [0.5, 0.25, 0.25],
      [0.25, 0.5, 0.25],
      [0.125, 0.125, 0.75],
      [0.25, 0.5, 0.25],
      [0.5, 0.25, 0.25],
      [0.25, 0.25, 0.5],
      [0.75, 0.125, 0.125],
      [0.125, 0.75, 0.125],
      [0.375, 0.375, 0.25],
      [0.375, 0.375, 0.25],
      [0.5, 0.25, 0.25],
    ]);
    const report = classificationMetrics(truth, ['a', 'b', 'c'], probabilities);
    expectClose(report, {
      accuracy: 0.6363636363636364,
      precisionMacro: 0.7222222222222222,
      recallMacro: 0.6388888888888888,
      f1Macro: 0.6444444444444444,
      rocAuc: 0.7817460317460316,
      logLoss: 0.860772223320588,
    });
    expect(report.confusionMatrix).toEqual({ labels: ['a', 'b', 'c'], matrix: [[3, 1, 0], [1, 2, 0], [2, 0, 2]] });
    // Per class: precision_recall_fscore_support(average=None) and roc_auc_score(truth == c, p[:, c]).
    const reference = { a: [0.5, 0.75, 0.6, 4, 0.7321428571428572], b: [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 3, 0.7916666666666666], c: [1.0, 0.5, 0.6666666666666666, 4, 0.8214285714285714] };
    for (const [label, [precision, recall, f1, support, auc]] of Object.entries(reference)) {
      expect(report.perClass[label]!.precision, label).toBeCloseTo(precision!, TOLERANCE);
      expect(report.perClass[label]!.recall, label).toBeCloseTo(recall!, TOLERANCE);
      expect(report.perClass[label]!.f1, label).toBeCloseTo(f1!, TOLERANCE);
      expect(report.perClass[label]!.support, label).toBe(support);
      expect(report.roc[label]!.auc, label).toBeCloseTo(auc!, TOLERANCE);
    }
    expect(report.notes).toEqual([]);
    expectNoNaN(report);
  });

  it('a label the model never saw (always wrong) and a class absent from the truth', () => {
    // Model classes a, b, c; the truth has a, b and the unseen d, and no c (c is predicted twice).
    const truth = ['a', 'b', 'd', 'a', 'b', 'd', 'a', 'b'];
    const probabilities = matrix([
      [0.75, 0.125, 0.125],
      [0.25, 0.5, 0.25],
      [0.25, 0.25, 0.5],
      [0.25, 0.25, 0.5],
      [0.5, 0.25, 0.25],
      [0.125, 0.75, 0.125],
      [0.625, 0.25, 0.125],
      [0.25, 0.625, 0.125],
    ]);
    const report = classificationMetrics(truth, ['a', 'b', 'c'], probabilities);
    // Macro averages run over the labels in the truth or the predictions: a, b, c and d.
    expectClose(report, {
      accuracy: 0.5,
      precisionMacro: 0.3333333333333333,
      recallMacro: 0.3333333333333333,
      f1Macro: 0.3333333333333333,
      // log_loss(truth, [P | 0], labels=[a, b, c, d], eps=1e-15): the d rows cost -log(1e-15) each.
      logLoss: 9.221372252945546,
    });
    expect(report.confusionMatrix).toEqual({
      labels: ['a', 'b', 'c', 'd'],
      matrix: [
        [2, 0, 1, 0],
        [1, 2, 0, 0],
        [0, 0, 0, 0],
        [0, 1, 1, 0],
      ],
    });
    expect(Object.keys(report.perClass).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(report.perClass.c).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(report.perClass.d).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(report.perClass.a!.f1).toBeCloseTo(0.6666666666666666, TOLERANCE);
    // scikit-learn refuses the ovr average when a class has no rows; the average of the
    // present classes' roc_auc_score(truth == c, p[:, c]) is 0.8333… and 0.7.
    expect(Object.keys(report.roc).sort()).toEqual(['a', 'b']);
    expect(report.roc.a!.auc).toBeCloseTo(0.8333333333333333, TOLERANCE);
    expect(report.roc.b!.auc).toBeCloseTo(0.7, TOLERANCE);
    expect(report.rocAuc).toBeCloseTo(0.7666666666666666, TOLERANCE);
    expect(report.notes).toEqual(['labels not seen in training: d (always counted as wrong)', 'ROC AUC averages the 2 of 3 classes present in these rows']);
    expectNoNaN(report);
  });

  it('never returns NaN: one class in the truth leaves ROC AUC out with a note', () => {
    const binary = classificationMetrics(['yes', 'yes', 'yes'], ['no', 'yes'], matrix([[0.25, 0.75], [0.5, 0.5], [0.875, 0.125]]));
    expect(binary).not.toHaveProperty('rocAuc');
    expect(binary.notes).toEqual(['ROC AUC needs rows of at least two classes; left out']);
    expect(binary.accuracy).toBeCloseTo(1 / 3, TOLERANCE);
    // log_loss(['yes']*3, P, labels=['no', 'yes']) = mean(-log(0.75), -log(0.5), -log(0.125))
    expect(binary.logLoss).toBeCloseTo((-Math.log(0.75) - Math.log(0.5) - Math.log(0.125)) / 3, TOLERANCE);
    expectNoNaN(binary);

    const multi = classificationMetrics(['b', 'b'], ['a', 'b', 'c'], matrix([[0.25, 0.5, 0.25], [0.5, 0.25, 0.25]]));
    expect(multi).not.toHaveProperty('rocAuc');
    expect(multi.notes).toEqual(['ROC AUC needs rows of at least two classes; left out']);
    expectNoNaN(multi);

    // A certain, wrong answer is clipped at 1e-15, not infinite.
    const wrong = classificationMetrics(['no', 'yes'], ['no', 'yes'], matrix([[0, 1], [1, 0]]));
    expect(wrong.logLoss).toBeCloseTo(-Math.log(1e-15), 10);
    expect(wrong.rocAuc).toBe(0);
    expectNoNaN(wrong);

    const empty = classificationMetrics([], ['no', 'yes'], new Float32Array(0));
    expect(empty).toMatchObject({ accuracy: 0, precisionMacro: 0, recallMacro: 0, f1Macro: 0, logLoss: 0, rows: 0 });
    expectNoNaN(empty);
  });

  it('rocCurve: the AUC is the Mann–Whitney statistic with ties counted half, and thinned curves keep their ends', () => {
    // 3 positives, 3 negatives, every pair tied: AUC 0.5 (roc_auc_score([1,1,1,0,0,0], [0.5]*6)).
    const tied = rocCurve(Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]), Uint8Array.from([1, 1, 1, 0, 0, 0]));
    expect(tied).toEqual({ fpr: [0, 1], tpr: [0, 1], auc: 0.5 });
    const rows = 1000;
    const scores = Float64Array.from({ length: rows }, (_, k) => k / rows);
    const positive = Uint8Array.from({ length: rows }, (_, k) => (k % 3 === 0 ? 1 : 0));
    const curve = rocCurve(scores, positive);
    expect(curve.fpr).toHaveLength(101);
    expect([curve.fpr[0], curve.tpr[0], curve.fpr.at(-1), curve.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
    // Brute force over all (positive, negative) pairs.
    let wins = 0;
    let pairs = 0;
    for (let p = 0; p < rows; p++) {
      if (!positive[p]) continue;
      for (let n = 0; n < rows; n++) {
        if (positive[n]) continue;
        pairs++;
        wins += scores[p]! > scores[n]! ? 1 : scores[p] === scores[n] ? 0.5 : 0;
      }
    }
    expect(curve.auc).toBeCloseTo(wins / pairs, 12);
  });
});

describe('regressionMetrics against scikit-learn', () => {
  it('RMSE, MAE and R²', () => {
    const truth = Float64Array.from([3.0, -0.5, 2.0, 7.0, 4.25, 10.0, 0.0, 5.5]);
    const predicted = Float64Array.from([2.5, 0.0, 2.0, 8.0, 3.75, 9.0, 1.5, 5.0]);
    const report = regressionMetrics(truth, predicted);
    expect(report.rmse).toBeCloseTo(0.8100925873009825, TOLERANCE);
    expect(report.mae).toBeCloseTo(0.6875, TOLERANCE);
    expect(report.r2).toBeCloseTo(0.9406727288779023, TOLERANCE);
    expect(report.rows).toBe(8);
    expect(report.notes).toEqual([]);
  });

  it('a perfect fit, and R² below zero for a model worse than the mean', () => {
    const truth = Float64Array.from([1, 2, 3, 4]);
    expect(regressionMetrics(truth, truth)).toEqual({ rmse: 0, mae: 0, r2: 1, rows: 4, notes: [] });
    // r2_score([1, 2, 3, 4], [4, 3, 2, 1]) = -3.0
    expect(regressionMetrics(truth, Float64Array.from([4, 3, 2, 1])).r2).toBeCloseTo(-3, TOLERANCE);
  });

  it('never returns NaN: a constant truth leaves R² out with a note; no rows gives zeros', () => {
    const constant = regressionMetrics(Float64Array.from([5, 5, 5]), Float64Array.from([4, 5, 7]));
    expect(constant).not.toHaveProperty('r2');
    expect(constant.notes).toEqual(['R² is undefined for a constant target; left out']);
    expect(constant.rmse).toBeCloseTo(Math.sqrt(5 / 3), TOLERANCE);
    expect(constant.mae).toBeCloseTo(1, TOLERANCE);
    expectNoNaN(constant);
    const empty = regressionMetrics(new Float64Array(0), new Float64Array(0));
    expect(empty).toMatchObject({ rmse: 0, mae: 0, rows: 0 });
    expect(empty).not.toHaveProperty('r2');
    expectNoNaN(empty);
  });
});
