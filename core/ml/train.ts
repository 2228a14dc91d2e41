import * as tf from '@tensorflow/tfjs-core';
import { seededRandom, shuffleInPlace } from '../data/random.js';
import { createForward, initialWeights, weightShapes, type MlpSpec } from './mlp.js';

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Rows as a dense row-major matrix with their targets. */
export interface Matrix {
  readonly x: Float32Array;
  readonly rows: number;
  /** Classification: one-hot, rows × classes. Regression: rows × 1 (standardised). */
  readonly y: Float32Array;
  /** Per-row weights (class weighting), or undefined for equal weights. */
  readonly weights?: Float32Array;
}

export interface EpochStats {
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss?: number;
  /** Classification only. */
  readonly valAccuracy?: number;
}

export interface TrainOptions {
  readonly spec: MlpSpec;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  /** Epochs without a better validation loss before stopping; 0 turns early stopping off. */
  readonly patience: number;
  readonly seed: number;
  readonly signal: AbortSignal;
  readonly onEpoch?: (stats: EpochStats) => void;
}

export interface TrainResult {
  readonly weights: Float32Array[];
  readonly history: EpochStats[];
  /** 1-based epoch whose weights were kept. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
}

function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
  }
}

/** Lets queued messages (a cancel from the engine) in, at most every 100 ms of work. */
function yielder(): () => Promise<void> {
  let last = performance.now();
  return async () => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
}

function lossOf(spec: MlpSpec, labels: tf.Tensor2D, outputs: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  if (spec.output === 'softmax') return tf.losses.softmaxCrossEntropy(labels, outputs, weights) as tf.Scalar;
  return tf.losses.meanSquaredError(labels, outputs, weights ? tf.expandDims(weights, 1) : undefined) as tf.Scalar;
}

const EVAL_CHUNK = 8192;

/** Validation loss (unweighted) and accuracy, batched so large validation sets fit in memory. */
function evaluate(spec: MlpSpec, forward: ReturnType<typeof createForward>, variables: tf.Variable[], data: Matrix): { loss: number; accuracy?: number } {
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.rows; start += EVAL_CHUNK) {
    const end = Math.min(data.rows, start + EVAL_CHUNK);
    const [loss, hits] = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * dim, end * dim), [end - start, dim]);
      const y = tf.tensor2d(data.y.subarray(start * width, end * width), [end - start, width]);
      const out = forward(x, variables);
      const chunkLoss = tf.mul(lossOf(spec, y, out), end - start);
      const chunkHits = spec.output === 'softmax' ? tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32')) : tf.scalar(0);
      return [chunkLoss.dataSync()[0]!, chunkHits.dataSync()[0]!];
    });
    lossSum += loss;
    correct += hits;
  }
  return { loss: lossSum / data.rows, ...(spec.output === 'softmax' ? { accuracy: correct / data.rows } : {}) };
}

/**
 * Mini-batch training with a seeded shuffle, per-epoch validation, early stopping that
 * restores the best weights, and cancellation between batches.
 */
export async function trainMlp(train: Matrix, validation: Matrix | null, options: TrainOptions): Promise<TrainResult> {
  const { spec } = options;
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  const shapes = weightShapes(spec);
  const variables = initialWeights(spec, options.seed).map((values, k) => tf.variable(tf.tensor(values, shapes[k]), true, `w${k}`));
  const forward = createForward(spec);
  const optimizer = makeOptimizer(options.optimizer, options.learningRate);
  const next = seededRandom(options.seed ^ 0x5eed);
  const order = Array.from({ length: train.rows }, (_, row) => row);
  const batchSize = Math.min(options.batchSize, train.rows);
  const xBuffer = new Float32Array(batchSize * dim);
  const yBuffer = new Float32Array(batchSize * width);
  const wBuffer = new Float32Array(batchSize);
  const pause = yielder();
  const earlyStopping = options.patience > 0 && validation !== null && validation.rows > 0;

  const history: EpochStats[] = [];
  let best = { loss: Infinity, epoch: 0, weights: null as Float32Array[] | null };
  let stoppedEarly = false;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      shuffleInPlace(order, next);
      let lossSum = tf.scalar(0);
      for (let start = 0; start < train.rows; start += batchSize) {
        options.signal.throwIfAborted();
        const size = Math.min(batchSize, train.rows - start);
        for (let k = 0; k < size; k++) {
          const row = order[start + k]!;
          xBuffer.set(train.x.subarray(row * dim, (row + 1) * dim), k * dim);
          yBuffer.set(train.y.subarray(row * width, (row + 1) * width), k * width);
          if (train.weights) wBuffer[k] = train.weights[row]!;
        }
        const xb = tf.tensor2d(xBuffer.subarray(0, size * dim), [size, dim]);
        const yb = tf.tensor2d(yBuffer.subarray(0, size * width), [size, width]);
        const wb = train.weights ? tf.tensor1d(wBuffer.subarray(0, size)) : undefined;
        const dropoutSeed = spec.dropout > 0 ? options.seed * 7919 + step * 131 : undefined;
        const cost = optimizer.minimize(() => lossOf(spec, yb, forward(xb, variables, dropoutSeed), wb), true, variables);
        step++;
        tf.dispose([xb, yb, ...(wb ? [wb] : [])]);
        if (cost) {
          const previous = lossSum;
          lossSum = tf.add(previous, tf.mul(cost, size));
          tf.dispose([previous, cost]);
        }
        await pause();
      }
      const loss = (lossSum.dataSync()[0] ?? NaN) / train.rows;
      lossSum.dispose();
      if (!Number.isFinite(loss)) {
        throw new TrainingDiverged(`training diverged at epoch ${epoch} (loss is ${loss}); lower learningRate (now ${options.learningRate}) or scale the features`);
      }
      const checked = validation && validation.rows > 0 ? evaluate(spec, forward, variables, validation) : null;
      const stats: EpochStats = {
        epoch,
        loss,
        ...(checked ? { valLoss: checked.loss } : {}),
        ...(checked?.accuracy !== undefined ? { valAccuracy: checked.accuracy } : {}),
      };
      history.push(stats);
      options.onEpoch?.(stats);
      if (earlyStopping && checked) {
        if (checked.loss < best.loss - 1e-7) {
          best = { loss: checked.loss, epoch, weights: variables.map((v) => (v.dataSync() as Float32Array).slice()) };
        } else if (epoch - best.epoch >= options.patience) {
          stoppedEarly = true;
          break;
        }
      }
    }
    const weights = earlyStopping && best.weights ? best.weights : variables.map((v) => (v.dataSync() as Float32Array).slice());
    return { weights, history, bestEpoch: earlyStopping && best.weights ? best.epoch : history.length, stoppedEarly };
  } finally {
    optimizer.dispose();
    tf.dispose(variables);
  }
}

/** The loss became NaN or infinite: a user-fixable setting, reported as such. */
export class TrainingDiverged extends Error {
  override readonly name = 'TrainingDiverged';
}
