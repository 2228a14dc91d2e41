import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeError } from '../../base/errors.js';
import { seededRandom } from '../../data/random.js';
import { loadBackend } from '../backend.js';
import { HIDDEN_ACTIVATIONS, initialWeights, weightShapes, type HiddenActivation, type MlpSpec } from '../mlp.js';
import { OPTIMIZERS } from '../options.js';
import { trainMlp, type Matrix, type TrainOptions } from '../train.js';
import { chooseTrainPath, FusedNetwork, fusedUnsupported } from './fused.js';

/**
 * The fused kernel against TF.js, the reference. Tolerances (float32 on both sides, sums in
 * different orders): one step's loss and gradients within 1e-5 relative (L2 norm of the
 * difference over the norm of TF.js's), weights after 20 steps within 1e-4.
 */
const GRADIENT_TOLERANCE = 1e-5;
const WEIGHTS_TOLERANCE = 1e-4;

/** `rows` seeded rows: three classes by the sector of the first two inputs, or a smooth value to regress. */
function dataset(rows: number, dim: number, seed: number, task: 'classes' | 'values', weighted = false): Matrix {
  const next = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const x = new Float32Array(rows * dim);
  const y = new Float32Array(rows * (task === 'classes' ? 3 : 1));
  const weights = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    for (let d = 0; d < dim; d++) x[row * dim + d] = normal();
    const a = x[row * dim]!;
    const b = x[row * dim + 1]!;
    if (task === 'classes') y[row * 3 + Math.min(2, Math.floor(((Math.atan2(b, a) + Math.PI) / (2 * Math.PI)) * 3))] = 1;
    else y[row] = Math.sin(a) + 0.5 * b * b - 0.3;
    weights[row] = 0.5 + next() * 2;
  }
  return { x, rows, y, ...(weighted ? { weights } : {}) };
}

const specOf = (activation: HiddenActivation, output: MlpSpec['output'], hiddenLayers = [24, 10]): MlpSpec => ({
  inputDim: 7, // odd widths exercise the kernel's column and row tails
  hiddenLayers,
  activation,
  dropout: 0,
  outputUnits: output === 'softmax' ? 3 : 1,
  output,
});

/** ‖actual − expected‖ / ‖expected‖. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let difference = 0;
  let size = 0;
  for (let k = 0; k < expected.length; k++) {
    difference += (actual[k]! - expected[k]!) ** 2;
    size += expected[k]! ** 2;
  }
  expect(size).toBeGreaterThan(0);
  return Math.sqrt(difference / size);
}

const bytesOf = (weights: readonly Float32Array[]) => Buffer.concat(weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)));

const TF_ACTIVATIONS: Record<HiddenActivation, (x: tf.Tensor) => tf.Tensor> = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu };

/** The loss written with plain TF.js ops (autodiff takes the gradient), as train.ts defines it. */
function referenceLoss(spec: MlpSpec, weights: tf.Tensor[], data: Matrix): tf.Scalar {
  const width = spec.output === 'softmax' ? spec.outputUnits : 1;
  let h: tf.Tensor = tf.tensor2d(data.x, [data.rows, spec.inputDim]);
  const layers = spec.hiddenLayers.length + 1;
  for (let layer = 0; layer < layers; layer++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, weights[2 * layer] as tf.Tensor2D), weights[2 * layer + 1]!);
    if (layer + 1 < layers) h = TF_ACTIVATIONS[spec.activation](h);
  }
  const y = tf.tensor2d(data.y, [data.rows, width]);
  const rowWeights = data.weights ? tf.tensor1d(data.weights) : undefined;
  if (spec.output === 'softmax') {
    const perRow = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(h)), 1));
    return tf.div(tf.sum(rowWeights ? tf.mul(perRow, rowWeights) : perRow), data.rows);
  }
  return tf.losses.meanSquaredError(y, h, rowWeights ? tf.expandDims(rowWeights, 1) : undefined) as tf.Scalar;
}

beforeAll(async () => {
  await loadBackend();
});

const CASES = [
  ...HIDDEN_ACTIVATIONS.map((activation) => ({ activation, output: 'softmax' as const, weighted: false })),
  ...HIDDEN_ACTIVATIONS.map((activation) => ({ activation, output: 'linear' as const, weighted: false })),
  { activation: 'relu' as const, output: 'softmax' as const, weighted: true },
  { activation: 'tanh' as const, output: 'linear' as const, weighted: true },
];

describe('fused kernel: one step’s loss and gradients equal TF.js autodiff', () => {
  it.each(CASES)('$activation hidden layers, $output output, row weights: $weighted', ({ activation, output, weighted }) => {
    const spec = specOf(activation, output);
    const data = dataset(37, spec.inputDim, 3, output === 'softmax' ? 'classes' : 'values', weighted);
    const initial = initialWeights(spec, 5);
    const network = new FusedNetwork(spec, 'adam', 0.01, 64, initial);
    network.inputs.set(data.x);
    network.targets.set(data.y);
    if (data.weights) network.rowWeights.set(data.weights);
    const loss = network.step(data.rows, weighted, false);
    const gradients = network.gradients();
    // Computing gradients alone leaves the weights as they were.
    expect(bytesOf(network.weights()).equals(bytesOf(initial))).toBe(true);

    const shapes = weightShapes(spec);
    const expected = tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...weights: tf.Tensor[]) => referenceLoss(spec, weights, data))(initial.map((values, k) => tf.tensor(values, shapes[k])));
      return { loss: value.dataSync()[0]!, grads: grads.map((grad) => grad.dataSync() as Float32Array) };
    });
    expect(Math.abs(loss - expected.loss) / expected.loss).toBeLessThan(GRADIENT_TOLERANCE);
    gradients.forEach((gradient, k) => expect(relativeError(gradient, expected.grads[k]!), `gradient of weight tensor ${k}`).toBeLessThan(GRADIENT_TOLERANCE));
  });
});

const trainOptions = (spec: MlpSpec, overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  spec,
  optimizer: 'adam',
  learningRate: 0.01,
  epochs: 2,
  batchSize: 32,
  patience: 0,
  seed: 1,
  signal: new AbortController().signal,
  ...overrides,
});

describe('fused path: weights after 20 steps equal the TF.js path’s', () => {
  const cases = OPTIMIZERS.flatMap((optimizer) => CASES.map((settings) => ({ optimizer, ...settings })));
  it.each(cases)('$optimizer, $activation, $output output, row weights: $weighted', async ({ optimizer, activation, output, weighted }) => {
    const spec = specOf(activation, output);
    const task = output === 'softmax' ? 'classes' : 'values';
    const train = dataset(320, spec.inputDim, 11, task, weighted);
    const validation = dataset(90, spec.inputDim, 12, task);
    const options = trainOptions(spec, { optimizer, learningRate: optimizer === 'sgd' ? 0.1 : 0.01 });
    const reference = await trainMlp(train, validation, { ...options, path: 'tfjs', updatesOnHost: true });
    const fused = await trainMlp(train, validation, { ...options, path: 'fused' });
    fused.weights.forEach((weights, k) => expect(relativeError(weights, reference.weights[k]!), `weight tensor ${k}`).toBeLessThan(WEIGHTS_TOLERANCE));
    fused.history.forEach((stats, k) => {
      const expected = reference.history[k]!;
      expect(Math.abs(stats.loss - expected.loss) / expected.loss, `epoch ${k + 1} loss`).toBeLessThan(WEIGHTS_TOLERANCE);
      expect(Math.abs(stats.valLoss! - expected.valLoss!) / expected.valLoss!, `epoch ${k + 1} validation loss`).toBeLessThan(WEIGHTS_TOLERANCE);
      expect(stats.valAccuracy).toBe(expected.valAccuracy);
    });
    // The weights moved: the comparison is not between two copies of the initial weights.
    expect(relativeError(fused.weights[0]!, initialWeights(spec, 1)[0]!)).toBeGreaterThan(0.01);
  });
});

describe('fused path: training', () => {
  const spec = specOf('relu', 'softmax', [32, 16]);
  const train = dataset(600, spec.inputDim, 21, 'classes');
  const validation = dataset(200, spec.inputDim, 22, 'classes');

  it('gives bit-identical weights for the same seed and different ones for another seed, and learns', async () => {
    const options = trainOptions(spec, { epochs: 12, path: 'fused' });
    const a = await trainMlp(train, validation, options);
    const b = await trainMlp(train, validation, options);
    expect(bytesOf(b.weights).equals(bytesOf(a.weights))).toBe(true);
    expect(b.history).toEqual(a.history);
    const c = await trainMlp(train, validation, { ...options, seed: 2 });
    expect(bytesOf(c.weights).equals(bytesOf(a.weights))).toBe(false);
    expect(a.history.at(-1)!.valLoss!).toBeLessThan(a.history[0]!.valLoss!);
    expect(a.history.at(-1)!.valAccuracy!).toBeGreaterThan(0.85);
  });

  it('stops early on the same epoch as TF.js and keeps that epoch’s weights', async () => {
    const noisy = dataset(200, spec.inputDim, 31, 'classes');
    for (let row = 0; row < noisy.rows; row += 3) noisy.y.copyWithin(row * 3, ((row + 1) % noisy.rows) * 3, ((row + 1) % noisy.rows) * 3 + 3);
    const held = dataset(100, spec.inputDim, 32, 'classes');
    const options = trainOptions(specOf('relu', 'softmax', [64, 64]), { learningRate: 0.02, epochs: 60, patience: 3, batchSize: 16 });
    const fused = await trainMlp(noisy, held, { ...options, path: 'fused' });
    const reference = await trainMlp(noisy, held, { ...options, path: 'tfjs', updatesOnHost: true });
    expect(fused.stoppedEarly).toBe(true);
    expect(fused.bestEpoch).toBe(reference.bestEpoch);
    expect(fused.history).toHaveLength(reference.history.length);
    const cut = await trainMlp(noisy, held, { ...options, path: 'fused', epochs: fused.bestEpoch, patience: 0 });
    expect(bytesOf(cut.weights).equals(bytesOf(fused.weights))).toBe(true);
  });

  it('validates in chunks when the validation rows outnumber its buffers', async () => {
    const many = dataset(2500, spec.inputDim, 41, 'classes');
    const options = trainOptions(spec, { epochs: 1 });
    const fused = await trainMlp(train, many, { ...options, path: 'fused' });
    const reference = await trainMlp(train, many, { ...options, path: 'tfjs', updatesOnHost: true });
    expect(Math.abs(fused.history[0]!.valLoss! - reference.history[0]!.valLoss!)).toBeLessThan(1e-5);
    expect(fused.history[0]!.valAccuracy).toBe(reference.history[0]!.valAccuracy);
  });
});

describe('choosing the training path', () => {
  const spec = specOf('relu', 'softmax');

  it('trains fused on the CPU backends, with TF.js elsewhere, and says why', () => {
    expect(chooseTrainPath(spec, 'wasm', undefined)).toEqual({ path: 'fused' });
    expect(chooseTrainPath(spec, 'cpu', '')).toEqual({ path: 'fused' });
    expect(chooseTrainPath(spec, 'webgpu', undefined)).toEqual({ path: 'tfjs', reason: 'the webgpu backend is faster than the fused CPU kernel' });
    expect(chooseTrainPath(spec, 'tensorflow', 'auto').path).toBe('tfjs');
  });

  it('falls back to TF.js for dropout, with the reason', () => {
    const withDropout = { ...spec, dropout: 0.2 };
    expect(fusedUnsupported(withDropout)).toMatch(/dropout/);
    expect(chooseTrainPath(withDropout, 'wasm', undefined)).toEqual({ path: 'tfjs', reason: fusedUnsupported(withDropout) });
  });

  it('follows TENSORLOOM_TRAIN_PATH, and names a wrong value or a forced path that cannot train', () => {
    expect(chooseTrainPath(spec, 'wasm', 'tfjs')).toEqual({ path: 'tfjs', reason: 'TENSORLOOM_TRAIN_PATH=tfjs' });
    expect(chooseTrainPath(spec, 'webgpu', 'fused')).toEqual({ path: 'fused' });
    expect(() => chooseTrainPath(spec, 'wasm', 'fast')).toThrow(NodeError);
    expect(() => chooseTrainPath(spec, 'wasm', 'fast')).toThrow(/TENSORLOOM_TRAIN_PATH='fast'.*auto, fused or tfjs/);
    expect(() => chooseTrainPath({ ...spec, dropout: 0.1 }, 'wasm', 'fused')).toThrow(/TENSORLOOM_TRAIN_PATH=fused.*dropout/);
  });
});
