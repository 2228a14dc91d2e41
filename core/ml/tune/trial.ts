/**
 * One fold of one trial: train.dense's training on the fold's rows (nothing written to
 * disk), then the fold's held-out rows scored with every metric of the task. The same code
 * runs in the search's own thread and in its trial workers, so both give the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isNodeError } from '../../base/errors.js';
import { SPLIT_COLUMN, type DataTable } from '../../base/table.js';
import { stringColumn, withColumn } from '../../data/table-ops.js';
import { encodeFeatures, targetLabels, targetValues } from '../features.js';
import { classificationMetrics, regressionMetrics } from '../metrics.js';
import { createInference, weightShapes } from '../mlp.js';
import { trainDense, type DenseOptions } from '../trainer.js';
import { foldRoles, scoringRows, type FoldPlan } from './folds.js';

export interface FoldOutcome {
  /** Every score of the task on the fold's held-out rows (rocAuc and r2 only where defined). */
  readonly scores: Record<string, number>;
  /** Epochs trained (early stopping may end sooner than `epochs`). */
  readonly epochs: number;
  readonly seconds: number;
  readonly backend: string;
  /** Warnings the training logged (shown once per search, not per fold). */
  readonly warnings: string[];
}

/** A fold's failure the user can act on (a NodeError from training, e.g. a diverging learning rate). */
export interface FoldFailure {
  readonly message: string;
  readonly field?: string;
}

/** The input with its split column set for fold `fold` (see foldRoles). */
export function foldTable(input: DataTable, plan: FoldPlan, fold: number): DataTable {
  if (plan.k === 0) return input;
  return { table: withColumn(input.table, SPLIT_COLUMN, stringColumn(foldRoles(plan, fold))), recipe: input.recipe };
}

const CHUNK = 8192;

/** Trains on a fold table and scores the rows `scored`; a NodeError comes back as a FoldFailure. */
export async function runFold(
  table: DataTable,
  scored: Int32Array,
  options: DenseOptions,
  signal: AbortSignal,
  onEpoch?: (fraction: number) => void,
): Promise<{ ok: true; outcome: FoldOutcome } | { ok: false; failure: FoldFailure }> {
  const warnings: string[] = [];
  let backend = 'none';
  const started = performance.now();
  let result;
  try {
    result = await trainDense(
      table,
      options,
      {
        signal,
        nodeId: 'trial',
        nodeType: 'train.dense',
        nodeVersion: 0,
        log: (message, level) => void (level === 'warn' && warnings.push(message)),
        metric: () => {},
        progress: (fraction) => onEpoch?.(fraction),
        usedBackend: (name) => void (backend = name),
      },
      null,
    );
  } catch (error) {
    if (!signal.aborted && isNodeError(error)) return { ok: false, failure: { message: error.message, ...(error.field === undefined ? {} : { field: error.field }) } };
    throw error;
  }
  const { bundle, weights } = result;
  const rows = scored.length;
  const units = bundle.network.outputUnits;
  const out = new Float32Array(rows * units);
  const shapes = weightShapes(bundle.network);
  const tensors = weights.map((values, k) => tf.tensor(values, shapes[k]));
  try {
    const forward = createInference(bundle.network);
    const width = bundle.features.width;
    const x = encodeFeatures(bundle.features, table.table, scored);
    for (let start = 0; start < rows; start += CHUNK) {
      const end = Math.min(rows, start + CHUNK);
      const predicted = tf.tidy(() => {
        const logits = forward(tf.tensor2d(x.subarray(start * width, end * width), [end - start, width]), tensors);
        return bundle.task === 'classification' ? tf.softmax(logits) : logits;
      });
      try {
        out.set((await predicted.data()) as Float32Array, start * units);
      } finally {
        predicted.dispose();
      }
    }
  } finally {
    tf.dispose(tensors);
  }

  const scores: Record<string, number> = {};
  if (bundle.task === 'classification') {
    const labels = targetLabels(bundle.target, table.table);
    const report = classificationMetrics(Array.from(scored, (row) => labels[row]!), bundle.classes!, out);
    scores.accuracy = report.accuracy;
    scores.f1Macro = report.f1Macro;
    scores.precisionMacro = report.precisionMacro;
    scores.recallMacro = report.recallMacro;
    scores.logLoss = report.logLoss;
    if (report.rocAuc !== undefined) scores.rocAuc = report.rocAuc;
  } else {
    const { mean, std } = bundle.targetScaling ?? { mean: 0, std: 1 };
    const values = targetValues(bundle.target, table.table);
    const truth = Float64Array.from(scored, (row) => values[row]!);
    const predicted = Float64Array.from(out, (value) => value * std + mean);
    const report = regressionMetrics(truth, predicted);
    scores.rmse = report.rmse;
    scores.mae = report.mae;
    if (report.r2 !== undefined) scores.r2 = report.r2;
  }
  return { ok: true, outcome: { scores, epochs: result.history.length, seconds: (performance.now() - started) / 1000, backend, warnings } };
}

/** The rows fold `fold` scores (re-exported for the worker, which has only the plan). */
export { scoringRows };
