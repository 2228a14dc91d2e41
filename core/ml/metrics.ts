/**
 * Evaluation metrics, computed in plain JavaScript so they are exact and backend-free.
 * They never return NaN: a metric that is undefined for the data (ROC AUC with one class
 * present, R² of a constant target) is left out and the reason is returned in `notes`.
 */

export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
  readonly auc: number;
}

export interface ClassificationReport {
  readonly accuracy: number;
  readonly precisionMacro: number;
  readonly recallMacro: number;
  readonly f1Macro: number;
  readonly rocAuc?: number;
  readonly logLoss: number;
  readonly perClass: Record<string, ClassMetrics>;
  readonly confusionMatrix: { readonly labels: string[]; readonly matrix: number[][] };
  /** Binary: the positive class's curve; multi-class: one-vs-rest per class. */
  readonly roc: Record<string, RocCurve>;
  readonly rows: number;
  readonly notes: string[];
}

const LOG_LOSS_EPSILON = 1e-15;
const ROC_POINTS = 101;

/**
 * `truth`: the true label of each row (rows with unseen labels count as errors); `classes`:
 * the model's labels in output order; `probabilities`: rows × classes.
 */
export function classificationMetrics(truth: readonly string[], classes: readonly string[], probabilities: Float32Array): ClassificationReport {
  const rows = truth.length;
  const k = classes.length;
  const notes: string[] = [];
  const labels = [...classes];
  for (const label of truth) if (!labels.includes(label)) labels.push(label);
  if (labels.length > k) notes.push(`labels not seen in training: ${labels.slice(k).join(', ')} (always counted as wrong)`);
  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  let correct = 0;
  let logLoss = 0;
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probabilities[row * k + c]! > probabilities[row * k + best]!) best = c;
    const actual = labelIndex.get(truth[row]!)!;
    matrix[actual]![best]!++;
    if (actual === best) correct++;
    const p = actual < k ? probabilities[row * k + actual]! : 0;
    logLoss -= Math.log(Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, p)));
  }

  // Macro averages over the classes that occur in the truth or the predictions (as scikit-learn does).
  const perClass: Record<string, ClassMetrics> = {};
  let precisionSum = 0;
  let recallSum = 0;
  let f1Sum = 0;
  let counted = 0;
  labels.forEach((label, c) => {
    const tp = matrix[c]![c]!;
    const support = matrix[c]!.reduce((a, b) => a + b, 0);
    const predicted = matrix.reduce((sum, line) => sum + line[c]!, 0);
    if (support === 0 && predicted === 0) return;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[label] = { precision, recall, f1, support };
    precisionSum += precision;
    recallSum += recall;
    f1Sum += f1;
    counted++;
  });

  const roc: Record<string, RocCurve> = {};
  const oneVsRest = k === 2 ? [1] : classes.map((_, c) => c);
  for (const c of oneVsRest) {
    const positive = new Uint8Array(rows);
    let positives = 0;
    for (let row = 0; row < rows; row++) {
      if (truth[row] !== classes[c]) continue;
      positive[row] = 1;
      positives++;
    }
    if (positives === 0 || positives === rows) continue;
    const scores = new Float64Array(rows);
    for (let row = 0; row < rows; row++) scores[row] = probabilities[row * k + c]!;
    roc[classes[c]!] = rocCurve(scores, positive);
  }
  const aucs = Object.values(roc).map((curve) => curve.auc);
  let rocAuc: number | undefined;
  if (k === 2 ? aucs.length === 1 : aucs.length === oneVsRest.length) rocAuc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  else if (aucs.length > 0 && k > 2) {
    rocAuc = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    notes.push(`ROC AUC averages the ${aucs.length} of ${k} classes present in these rows`);
  } else notes.push('ROC AUC needs rows of at least two classes; left out');

  return {
    accuracy: rows === 0 ? 0 : correct / rows,
    precisionMacro: counted === 0 ? 0 : precisionSum / counted,
    recallMacro: counted === 0 ? 0 : recallSum / counted,
    f1Macro: counted === 0 ? 0 : f1Sum / counted,
    ...(rocAuc === undefined ? {} : { rocAuc }),
    logLoss: rows === 0 ? 0 : logLoss / rows,
    perClass,
    confusionMatrix: { labels, matrix },
    roc,
    rows,
    notes,
  };
}

/** ROC curve and its area (ties share a point, so the AUC equals the Mann–Whitney statistic). */
export function rocCurve(scores: Float64Array, positive: Uint8Array): RocCurve {
  const rows = scores.length;
  const order = Array.from({ length: rows }, (_, row) => row).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (const flag of positive) positives += flag;
  const negatives = rows - positives;
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < rows; ) {
    const score = scores[order[i]!]!;
    let dtp = 0;
    let dfp = 0;
    for (; i < rows && scores[order[i]!] === score; i++) {
      if (positive[order[i]!]) dtp++;
      else dfp++;
    }
    // Trapezoid over the tied block.
    auc += (dfp / negatives) * ((tp + dtp / 2) / positives);
    tp += dtp;
    fp += dfp;
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
  }
  return { ...thin(fpr, tpr, ROC_POINTS), auc };
}

/** At most `limit` points of a curve, always keeping its ends. */
function thin(xs: number[], ys: number[], limit: number): { fpr: number[]; tpr: number[] } {
  if (xs.length <= limit) return { fpr: xs, tpr: ys };
  const fpr: number[] = [];
  const tpr: number[] = [];
  for (let k = 0; k < limit; k++) {
    const index = Math.round((k * (xs.length - 1)) / (limit - 1));
    fpr.push(xs[index]!);
    tpr.push(ys[index]!);
  }
  return { fpr, tpr };
}

export interface RegressionReport {
  readonly rmse: number;
  readonly mae: number;
  readonly r2?: number;
  readonly rows: number;
  readonly notes: string[];
}

export function regressionMetrics(truth: Float64Array, predicted: Float64Array): RegressionReport {
  const rows = truth.length;
  const notes: string[] = [];
  let squares = 0;
  let absolute = 0;
  let mean = 0;
  for (let row = 0; row < rows; row++) mean += truth[row]!;
  mean /= rows || 1;
  let total = 0;
  for (let row = 0; row < rows; row++) {
    const error = predicted[row]! - truth[row]!;
    squares += error * error;
    absolute += Math.abs(error);
    total += (truth[row]! - mean) ** 2;
  }
  let r2: number | undefined;
  if (total > 0) r2 = 1 - squares / total;
  else notes.push('R² is undefined for a constant target; left out');
  return { rmse: Math.sqrt(squares / (rows || 1)), mae: absolute / (rows || 1), ...(r2 === undefined ? {} : { r2 }), rows, notes };
}
