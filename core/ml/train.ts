import * as tf from '@tensorflow/tfjs-core';
import { seededRandom, shuffleInPlace } from '../data/random.js';
import { createForward, initialWeights, weightShapes, type MlpSpec } from './mlp.js';
import { chooseFusedThreads, FusedNetwork } from './fused/fused.js';
import { createParameters, type OptimizerName } from './parameters.js';

export { OPTIMIZERS, type OptimizerName } from './parameters.js';

/** Which code trains: TF.js kernels, or the fused WebAssembly kernel (core/ml/fused). */
export type TrainPath = 'tfjs' | 'fused';

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
  /**
   * Update weights in JavaScript instead of with tf ops: faster on CPU backends, a stall per
   * step on GPUs. Default: on for the wasm and cpu backends.
   */
  readonly updatesOnHost?: boolean;
  /**
   * 'fused': the fused WebAssembly kernel (core/ml/fused) trains, one call per step; the
   * caller checks `fusedUnsupported` first. Default 'tfjs': TF.js kernels on the loaded backend.
   */
  readonly path?: TrainPath;
  /**
   * The fused path's threads (1, or 2 with every step split; the weights are the same either
   * way). Default: `chooseFusedThreads` (2 where two cores and large enough steps make it pay).
   */
  readonly threads?: number;
  readonly onEpoch?: (stats: EpochStats) => void;
}

export interface TrainResult {
  readonly weights: Float32Array[];
  readonly history: EpochStats[];
  /** 1-based epoch whose weights were kept. */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
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

/**
 * Mean softmax cross-entropy of logits, with per-row weights, and its gradient written as
 * one expression, (softmax − labels) · w / n, instead of the dozen ops autodiff would chain.
 */
const softmaxCrossEntropy = tf.customGrad((...args: (tf.Tensor | ((tensors: tf.Tensor[]) => void))[]) => {
  const [labels, logits, weights, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, (tensors: tf.Tensor[]) => void];
  const perRow = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));
  save([labels, logits, weights]);
  return {
    value: tf.div(tf.sum(tf.mul(perRow, weights)), labels.shape[0]),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedLabels, savedLogits, savedWeights] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const scale = tf.div(tf.mul(dy as tf.Tensor, tf.expandDims(savedWeights, 1)), savedLabels.shape[0]);
      return [tf.zerosLike(savedLabels), tf.mul(tf.sub(tf.softmax(savedLogits), savedLabels), scale), tf.zerosLike(savedWeights)];
    },
  };
});

/** The same loss without row weights: four fewer kernels a step, for the common case. */
const unweightedSoftmaxCrossEntropy = tf.customGrad((...args: (tf.Tensor | ((tensors: tf.Tensor[]) => void))[]) => {
  const [labels, logits, save] = args as [tf.Tensor2D, tf.Tensor2D, (tensors: tf.Tensor[]) => void];
  save([labels, logits]);
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)))), labels.shape[0]),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [savedLabels, savedLogits] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.zerosLike(savedLabels), tf.mul(tf.sub(tf.softmax(savedLogits), savedLabels), tf.div(dy as tf.Tensor, savedLabels.shape[0]))];
    },
  };
});

function lossOf(spec: MlpSpec, labels: tf.Tensor2D, outputs: tf.Tensor2D, weights?: tf.Tensor1D): tf.Scalar {
  if (spec.output === 'softmax') return (weights ? softmaxCrossEntropy(labels, outputs, weights) : unweightedSoftmaxCrossEntropy(labels, outputs)) as tf.Scalar;
  return tf.losses.meanSquaredError(labels, outputs, weights ? tf.expandDims(weights, 1) : undefined) as tf.Scalar;
}

const EVAL_CHUNK = 8192;

/** Reads a tensor's values and disposes it. */
async function readValues(tensor: tf.Tensor): Promise<Float32Array> {
  try {
    return (await tensor.data()) as Float32Array;
  } finally {
    tensor.dispose();
  }
}

/** Validation loss (unweighted) and accuracy, batched so large validation sets fit in memory. */
async function evaluate(spec: MlpSpec, forward: ReturnType<typeof createForward>, variables: readonly tf.Tensor[], data: Matrix): Promise<{ loss: number; accuracy?: number }> {
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < data.rows; start += EVAL_CHUNK) {
    const end = Math.min(data.rows, start + EVAL_CHUNK);
    const results = tf.tidy(() => {
      const x = tf.tensor2d(data.x.subarray(start * dim, end * dim), [end - start, dim]);
      const y = tf.tensor2d(data.y.subarray(start * width, end * width), [end - start, width]);
      const out = forward(x, variables);
      const chunkLoss = tf.mul(lossOf(spec, y, out), end - start);
      const chunkHits = spec.output === 'softmax' ? tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32')) : tf.scalar(0);
      return tf.stack([chunkLoss, chunkHits]);
    });
    // Async reads: the WebGPU backend in Node cannot read synchronously.
    const [loss, hits] = await readValues(results);
    lossSum += loss!;
    correct += hits!;
  }
  return { loss: lossSum / data.rows, ...(spec.output === 'softmax' ? { accuracy: correct / data.rows } : {}) };
}

/**
 * What the mini-batch loop drives: the batch buffers it fills, a step on them, the epoch's
 * loss, validation and the weights. Two implementations: TF.js kernels (any backend) and the
 * fused WebAssembly kernel (one call per step; CPU only, see fused/).
 */
interface StepRunner {
  /** Batch buffers, `batchSize` rows each; a step reads the first `size` rows. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly w: Float32Array;
  /** The runner reads each batch's rows itself (by the epoch's order); the loop does not fill the buffers. */
  readonly gathers: boolean;
  /** A new epoch, whose batches take the rows in `order`. */
  startEpoch(order: readonly number[]): void;
  /** One optimisation step on the batch of `size` rows from `order[start]` (in the buffers, unless the runner gathers). */
  step(start: number, size: number, step: number): void;
  /** The sum over the epoch's steps of each batch's loss × its rows. */
  epochLossSum(): Promise<number>;
  evaluate(data: Matrix): Promise<{ loss: number; accuracy?: number }>;
  snapshot(): Promise<Float32Array[]>;
  dispose(): void;
}

function tfjsRunner(train: Matrix, options: TrainOptions, batchSize: number): StepRunner {
  const { spec } = options;
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  const onHost = options.updatesOnHost ?? ['wasm', 'cpu'].includes(tf.getBackend());
  const parameters = createParameters(initialWeights(spec, options.seed), weightShapes(spec), options.optimizer, options.learningRate, onHost);
  const forward = createForward(spec);
  const x = new Float32Array(batchSize * dim);
  const y = new Float32Array(batchSize * width);
  const w = new Float32Array(batchSize);
  let lossSum: tf.Tensor | undefined;
  let hostLossSum = 0;
  return {
    x,
    y,
    w,
    gathers: false,
    startEpoch() {
      lossSum?.dispose();
      lossSum = tf.scalar(0);
      hostLossSum = 0;
    },
    step(_start, size, step) {
      const xb = tf.tensor2d(x.subarray(0, size * dim), [size, dim]);
      const yb = tf.tensor2d(y.subarray(0, size * width), [size, width]);
      const wb = train.weights ? tf.tensor1d(w.subarray(0, size)) : undefined;
      const dropoutSeed = spec.dropout > 0 ? options.seed * 7919 + step * 131 : undefined;
      const cost = parameters.step((weights) => lossOf(spec, yb, forward(xb, weights, dropoutSeed), wb));
      tf.dispose([xb, yb, ...(wb ? [wb] : [])]);
      if (onHost) {
        // CPU backends read a scalar for free; GPUs keep the sum on the device until the epoch ends.
        hostLossSum += cost.dataSync()[0]! * size;
        cost.dispose();
      } else {
        const previous = lossSum!;
        lossSum = tf.tidy(() => tf.add(previous, tf.mul(cost, size)));
        tf.dispose([previous, cost]);
      }
    },
    async epochLossSum() {
      const deviceSum = (await readValues(lossSum!))[0] ?? NaN;
      lossSum = undefined;
      return onHost ? hostLossSum : deviceSum;
    },
    evaluate: (data) => evaluate(spec, forward, parameters.tensors(), data),
    snapshot: () => parameters.snapshot(),
    dispose() {
      lossSum?.dispose(); // a cancel between batches leaves the epoch's running sum
      parameters.dispose();
    },
  };
}

/** Rows of an evaluation chunk on the fused path, at least (its buffers hold a batch or this). */
const FUSED_EVAL_CHUNK = 1024;

function fusedRunner(train: Matrix, options: TrainOptions, batchSize: number): StepRunner {
  const { spec } = options;
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  const choice = chooseFusedThreads(spec, batchSize, Math.ceil(train.rows / batchSize) * options.epochs);
  const threads = options.threads ?? choice.threads;
  const capacity = Math.max(batchSize, FUSED_EVAL_CHUNK);
  const network = new FusedNetwork(spec, options.optimizer, options.learningRate, capacity, initialWeights(spec, options.seed), { threads, parallelRows: options.threads ? 1 : choice.parallelRows });
  const weighted = train.weights !== undefined;
  // The kernel gathers each batch from its own copy of the rows (each thread its chunk's), unless they are too large to copy.
  const gathers = network.attach(train.x, train.y, train.rows, train.weights);
  let lossSum = 0;
  return {
    x: network.inputs.subarray(0, batchSize * dim),
    y: network.targets.subarray(0, batchSize * width),
    w: network.rowWeights.subarray(0, batchSize),
    gathers,
    startEpoch(order) {
      lossSum = 0;
      if (gathers) network.order.set(order);
    },
    step(start, size) {
      lossSum += (gathers ? network.stepRows(start, size, weighted) : network.step(size, weighted)) * size;
    },
    epochLossSum: async () => lossSum,
    async evaluate(data) {
      // The buffers are the batch's: evaluation overwrites them, and the next step refills them.
      let total = 0;
      let hits = 0;
      for (let start = 0; start < data.rows; start += network.capacity) {
        const end = Math.min(data.rows, start + network.capacity);
        network.inputs.set(data.x.subarray(start * dim, end * dim));
        network.targets.set(data.y.subarray(start * width, end * width));
        const chunk = network.evaluate(end - start);
        total += chunk.loss * (end - start);
        hits += chunk.hits;
      }
      return { loss: total / data.rows, ...(spec.output === 'softmax' ? { accuracy: hits / data.rows } : {}) };
    },
    snapshot: async () => network.weights(),
    dispose: () => network.dispose(), // ends the helper thread: after training, and on a cancel or an error
  };
}

/**
 * Mini-batch training with a seeded shuffle, per-epoch validation, early stopping that
 * restores the best weights, and cancellation between batches.
 */
export async function trainMlp(train: Matrix, validation: Matrix | null, options: TrainOptions): Promise<TrainResult> {
  const { spec } = options;
  const dim = spec.inputDim;
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  const next = seededRandom(options.seed ^ 0x5eed);
  const order = Array.from({ length: train.rows }, (_, row) => row);
  const batchSize = Math.min(options.batchSize, train.rows);
  const runner = options.path === 'fused' ? fusedRunner(train, options, batchSize) : tfjsRunner(train, options, batchSize);
  const { x: xBuffer, y: yBuffer, w: wBuffer } = runner;
  const pause = yielder();
  const earlyStopping = options.patience > 0 && validation !== null && validation.rows > 0;

  const history: EpochStats[] = [];
  let best = { loss: Infinity, epoch: 0, weights: null as Float32Array[] | null };
  let stoppedEarly = false;
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      shuffleInPlace(order, next);
      runner.startEpoch(order);
      for (let start = 0; start < train.rows; start += batchSize) {
        options.signal.throwIfAborted();
        const size = Math.min(batchSize, train.rows - start);
        // Element by element: a subarray per row costs more than copying its few values.
        for (let k = 0; k < size && !runner.gathers; k++) {
          const row = order[start + k]!;
          for (let col = 0, from = row * dim, to = k * dim; col < dim; col++) xBuffer[to + col] = train.x[from + col]!;
          for (let col = 0, from = row * width, to = k * width; col < width; col++) yBuffer[to + col] = train.y[from + col]!;
          if (train.weights) wBuffer[k] = train.weights[row]!;
        }
        runner.step(start, size, step);
        step++;
        await pause();
      }
      const loss = (await runner.epochLossSum()) / train.rows;
      if (!Number.isFinite(loss)) {
        throw new TrainingDiverged(`training diverged at epoch ${epoch} (loss is ${loss}); lower learningRate (now ${options.learningRate}) or scale the features`);
      }
      const checked = validation && validation.rows > 0 ? await runner.evaluate(validation) : null;
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
          best = { loss: checked.loss, epoch, weights: await runner.snapshot() };
        } else if (epoch - best.epoch >= options.patience) {
          stoppedEarly = true;
          break;
        }
      }
    }
    const weights = earlyStopping && best.weights ? best.weights : await runner.snapshot();
    return { weights, history, bestEpoch: earlyStopping && best.weights ? best.epoch : history.length, stoppedEarly };
  } finally {
    runner.dispose();
  }
}

/** The loss became NaN or infinite: a user-fixable setting, reported as such. */
export class TrainingDiverged extends Error {
  override readonly name = 'TrainingDiverged';
}
