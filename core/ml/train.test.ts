import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../data/random.js';
import { loadBackend } from './backend.js';
import { createForward, HIDDEN_ACTIVATIONS, initialWeights, weightShapes, type HiddenActivation, type MlpSpec } from './mlp.js';
import { trainMlp, TrainingDiverged, type Matrix, type TrainOptions } from './train.js';

/** A seeded standard normal. */
function normal(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/**
 * `rows` points in `dim` dimensions; the class is which of three sectors of the first two
 * coordinates the point lies in (a nonlinear boundary), with `noise` of the labels flipped.
 */
function sectors(rows: number, dim: number, seed: number, noise = 0): Matrix {
  const draw = normal(seededRandom(seed));
  const flip = seededRandom(seed + 1);
  const x = new Float32Array(rows * dim);
  const y = new Float32Array(rows * 3);
  for (let row = 0; row < rows; row++) {
    for (let d = 0; d < dim; d++) x[row * dim + d] = draw();
    const angle = Math.atan2(x[row * dim + 1]!, x[row * dim]!) + Math.PI;
    let label = Math.min(2, Math.floor(angle / ((2 * Math.PI) / 3)));
    if (flip() < noise) label = (label + 1 + Math.floor(flip() * 2)) % 3;
    y[row * 3 + label] = 1;
  }
  return { x, rows, y };
}

const spec = (overrides: Partial<MlpSpec> = {}): MlpSpec => ({
  inputDim: 4,
  hiddenLayers: [16, 8],
  activation: 'relu',
  dropout: 0,
  outputUnits: 3,
  output: 'softmax',
  ...overrides,
});

const baseOptions = (overrides: Partial<TrainOptions> = {}): TrainOptions => ({
  spec: spec(),
  optimizer: 'adam',
  learningRate: 0.01,
  epochs: 8,
  batchSize: 32,
  patience: 0,
  seed: 1,
  signal: new AbortController().signal,
  ...overrides,
});

const bytesOf = (weights: readonly Float32Array[]) => Buffer.concat(weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)));

beforeAll(async () => {
  await loadBackend();
});

const train = sectors(300, 4, 11);
const validation = sectors(100, 4, 12);

describe('trainMlp: weights updated on the host (CPU backends) and on the device (GPUs), the same arithmetic', () => {
  for (const optimizer of ['adam', 'sgd', 'rmsprop'] as const) {
    it(optimizer, async () => {
      const settings = baseOptions({ optimizer, learningRate: optimizer === 'sgd' ? 0.1 : 0.01, epochs: 3 });
      const host = await trainMlp(train, validation, { ...settings, updatesOnHost: true });
      const device = await trainMlp(train, validation, { ...settings, updatesOnHost: false });
      // The default: on the host for the CPU backends (wasm, cpu), on the device otherwise.
      const byDefault = await trainMlp(train, validation, settings);
      const expected = ['wasm', 'cpu'].includes(tf.getBackend()) ? host : device;
      expect(bytesOf(byDefault.weights).equals(bytesOf(expected.weights))).toBe(true);
      host.weights.forEach((weights, k) => expect(relativeError(weights, device.weights[k]!), `weight tensor ${k}`).toBeLessThan(1e-4));
      host.history.forEach((stats, k) => expect(stats.loss).toBeCloseTo(device.history[k]!.loss, 4));
      // And they moved away from the initial weights.
      expect(relativeError(host.weights[0]!, initialWeights(settings.spec, 1)[0]!)).toBeGreaterThan(0.05);
    });
  }
});

describe.each([
  { path: 'on the host', updatesOnHost: true },
  { path: 'on the device', updatesOnHost: false },
])('trainMlp, weights updated $path', ({ updatesOnHost }) => {
  const options = (overrides: Partial<TrainOptions> = {}): TrainOptions => baseOptions({ updatesOnHost, ...overrides });

  it('gives bit-identical weights for the same seed (dropout included), different ones for another seed', async () => {
    const withDropout = options({ spec: spec({ dropout: 0.2 }) });
    const a = await trainMlp(train, validation, withDropout);
    const b = await trainMlp(train, validation, withDropout);
    expect(bytesOf(b.weights).equals(bytesOf(a.weights))).toBe(true);
    expect(b.history).toEqual(a.history);
    const c = await trainMlp(train, validation, { ...withDropout, seed: 2 });
    expect(bytesOf(c.weights).equals(bytesOf(a.weights))).toBe(false);
    // It learned: the validation loss fell from the first epoch, and the sectors are easy.
    expect(a.history).toHaveLength(8);
    expect(a.history.at(-1)!.valLoss!).toBeLessThan(a.history[0]!.valLoss!);
    expect(a.history.at(-1)!.valAccuracy!).toBeGreaterThan(0.8);
    expect(a.weights.map((w) => w.length)).toEqual(weightShapes(withDropout.spec).map((shape) => shape.reduce((p, n) => p * n, 1)));
  });

  it('stops early and keeps the weights of the best epoch, not the last', async () => {
    // Noisy labels and a wide network: validation loss soon rises.
    const noisy = sectors(200, 4, 21, 0.4);
    const held = sectors(200, 4, 22, 0.4);
    const settings = options({ spec: spec({ hiddenLayers: [64, 64] }), learningRate: 0.02, epochs: 200, patience: 4, batchSize: 16 });
    const stopped = await trainMlp(noisy, held, settings);
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.history.length).toBeLessThan(200);
    expect(stopped.history.length).toBeGreaterThan(stopped.bestEpoch);
    expect(stopped.history.length).toBe(stopped.bestEpoch + 4);
    const losses = stopped.history.map((stats) => stats.valLoss!);
    expect(stopped.history[stopped.bestEpoch - 1]!.valLoss).toBe(Math.min(...losses));
    expect(stopped.history.map((stats) => stats.epoch)).toEqual(Array.from({ length: stopped.history.length }, (_, k) => k + 1));
    // The same run cut at the best epoch, without early stopping, ends on the same weights.
    const cut = await trainMlp(noisy, held, { ...settings, epochs: stopped.bestEpoch, patience: 0 });
    expect(cut.stoppedEarly).toBe(false);
    expect(cut.bestEpoch).toBe(stopped.bestEpoch);
    expect(bytesOf(stopped.weights).equals(bytesOf(cut.weights))).toBe(true);
    const last = await trainMlp(noisy, held, { ...settings, epochs: stopped.history.length, patience: 0 });
    expect(bytesOf(stopped.weights).equals(bytesOf(last.weights))).toBe(false);
  });

  it('without validation rows, trains every epoch and keeps the last weights', async () => {
    const result = await trainMlp(train, null, options({ epochs: 3, patience: 5 }));
    expect(result).toMatchObject({ bestEpoch: 3, stoppedEarly: false });
    expect(result.history.map((stats) => Object.keys(stats).sort())).toEqual([['epoch', 'loss'], ['epoch', 'loss'], ['epoch', 'loss']]);
  });

  it('reports every epoch through onEpoch', async () => {
    const seen: number[] = [];
    const result = await trainMlp(train, validation, options({ epochs: 4, onEpoch: (stats) => seen.push(stats.epoch) }));
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(result.history.every((stats) => Number.isFinite(stats.loss) && stats.valAccuracy! >= 0 && stats.valAccuracy! <= 1)).toBe(true);
  });

  it('rejects at once on an aborted signal, and promptly when aborted mid-training', async () => {
    const aborted = new AbortController();
    aborted.abort();
    let epochs = 0;
    const started = performance.now();
    await expect(trainMlp(train, validation, options({ signal: aborted.signal, onEpoch: () => epochs++ }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(epochs).toBe(0);
    expect(performance.now() - started).toBeLessThan(500);

    // Abort from a timer while a long training runs: the trainer lets the event in and stops.
    const big = sectors(4000, 4, 31);
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 300);
    await expect(trainMlp(big, null, options({ epochs: 100_000, batchSize: 16, signal: controller.signal }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(abortedAt).toBeGreaterThan(0);
    expect(performance.now() - abortedAt).toBeLessThan(1000);

    // Aborted after the second epoch: no third epoch runs.
    const late = new AbortController();
    const reported: number[] = [];
    const onEpoch = (stats: { epoch: number }) => {
      reported.push(stats.epoch);
      if (stats.epoch === 2) late.abort();
    };
    await expect(trainMlp(train, validation, options({ epochs: 50, signal: late.signal, onEpoch }))).rejects.toMatchObject({ name: 'AbortError' });
    expect(reported).toEqual([1, 2]);
  });

  it('leaves no tensors behind: after a training, an early stop, an abort or a divergence', async () => {
    const before = tf.memory().numTensors;
    await trainMlp(train, validation, options({ epochs: 3 }));
    expect(tf.memory().numTensors).toBe(before);
    await trainMlp(sectors(200, 4, 21, 0.4), sectors(200, 4, 22, 0.4), options({ spec: spec({ hiddenLayers: [64, 64] }), learningRate: 0.02, epochs: 200, patience: 2, batchSize: 16 }));
    expect(tf.memory().numTensors).toBe(before);
    const late = new AbortController();
    await expect(trainMlp(train, validation, options({ signal: late.signal, onEpoch: () => late.abort() }))).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainMlp(unscaled(), null, unscaledOptions(updatesOnHost))).rejects.toBeInstanceOf(TrainingDiverged);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs two trainings at once in one thread (as the engine does with inProcessOnly), each as if alone', async () => {
    const alone = await trainMlp(train, validation, options({ epochs: 3 }));
    const other = await trainMlp(train, validation, options({ epochs: 3, seed: 5 }));
    const [a, b] = await Promise.all([trainMlp(train, validation, options({ epochs: 3 })), trainMlp(train, validation, options({ epochs: 3, seed: 5 }))]);
    expect(bytesOf(a.weights).equals(bytesOf(alone.weights))).toBe(true);
    expect(bytesOf(b.weights).equals(bytesOf(other.weights))).toBe(true);
  });

  it('throws TrainingDiverged, naming learningRate, when a huge step size meets unscaled data', async () => {
    const error = await trainMlp(unscaled(), null, unscaledOptions(updatesOnHost)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingDiverged);
    expect((error as Error).message).toMatch(/^training diverged at epoch \d+ \(loss is (NaN|Infinity)\); lower learningRate \(now 1\) or scale the features$/);
  });

  it('computes the weighted softmax cross-entropy and its hand-written gradient like autodiff', async () => {
    // One full-batch SGD step of a linear softmax model: w1 = w0 - lr · ∇loss(w0).
    const data = sectors(64, 4, 41);
    const weights = Float32Array.from({ length: 64 }, (_, row) => 0.5 + (row % 4) * 0.5);
    const linear = spec({ hiddenLayers: [] });
    const learningRate = 0.5;
    const result = await trainMlp({ ...data, weights }, null, options({ spec: linear, optimizer: 'sgd', learningRate, epochs: 1, batchSize: 64 }));
    const [k0, b0] = initialWeights(linear, 1).map((values, k) => tf.tensor(values, weightShapes(linear)[k]));
    const x = tf.tensor2d(data.x, [64, 4]);
    const labels = tf.tensor2d(data.y, [64, 3]);
    const w = tf.tensor1d(weights);
    const loss = (kernel: tf.Tensor, bias: tf.Tensor) => {
      const logits = tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias);
      const perRow = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));
      return tf.div(tf.sum(tf.mul(perRow, w)), 64) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => loss(args[0]!, args[1]!))([k0!, b0!]);
    expect(result.history[0]!.loss).toBeCloseTo((await value.data())[0]!, 5);
    const expected = await Promise.all([tf.sub(k0!, tf.mul(grads[0]!, learningRate)).data(), tf.sub(b0!, tf.mul(grads[1]!, learningRate)).data()]);
    expect(relativeError(result.weights[0]!, expected[0] as Float32Array)).toBeLessThan(1e-5);
    expect(relativeError(result.weights[1]!, expected[1] as Float32Array)).toBeLessThan(1e-5);
    tf.dispose([k0!, b0!, x, labels, w, value, ...grads]);
  });
});

/** Regression rows with features in the tens of thousands, as raw data often is. */
function unscaled(): Matrix {
  const next = seededRandom(51);
  const rows = 128;
  const x = Float32Array.from({ length: rows * 3 }, () => 10_000 + next() * 90_000);
  const y = Float32Array.from({ length: rows }, (_, row) => (x[row * 3]! - 55_000) / 26_000);
  return { x, rows, y };
}

const unscaledOptions = (updatesOnHost: boolean) => baseOptions({ spec: spec({ inputDim: 3, outputUnits: 1, output: 'linear' }), optimizer: 'sgd', learningRate: 1, epochs: 20, updatesOnHost });

function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let difference = 0;
  let size = 0;
  for (let k = 0; k < expected.length; k++) {
    difference += (actual[k]! - expected[k]!) ** 2;
    size += expected[k]! ** 2;
  }
  expect(actual.length).toBe(expected.length);
  expect(size).toBeGreaterThan(0);
  return Math.sqrt(difference / size);
}

const ACTIVATIONS: Record<HiddenActivation, (x: tf.Tensor) => tf.Tensor> = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu };

describe('the dense layer’s hand-written gradient', () => {
  for (const activation of HIDDEN_ACTIVATIONS) {
    it(`matches tf.grads of plain matMul/add/${activation} layers`, async () => {
      const network = spec({ inputDim: 5, hiddenLayers: [7, 6], activation, outputUnits: 3 });
      const draw = normal(seededRandom(61 + activation.length));
      const shapes = weightShapes(network);
      // Random weights and biases of order 1, so every activation works in its curved part.
      const weights = shapes.map((shape) => tf.tensor(Float32Array.from({ length: shape.reduce((p, n) => p * n, 1) }, () => draw() * 0.8), shape));
      const x = tf.tensor2d(Float32Array.from({ length: 9 * 5 }, draw), [9, 5]);
      const upstream = tf.tensor2d(Float32Array.from({ length: 9 * 3 }, draw), [9, 3]);

      const plain = (w: readonly tf.Tensor[]) => {
        let h: tf.Tensor = x;
        for (let layer = 0; layer < 3; layer++) {
          h = tf.add(tf.matMul(h as tf.Tensor2D, w[2 * layer] as tf.Tensor2D), w[2 * layer + 1]!);
          if (layer < 2) h = ACTIVATIONS[activation](h);
        }
        return h;
      };
      const forward = createForward(network);
      const custom = (w: readonly tf.Tensor[]) => forward(x, w);

      const outCustom = custom(weights);
      const outPlain = plain(weights);
      expect(relativeError(await outCustom.data(), await outPlain.data())).toBeLessThan(1e-6);
      // A loss whose gradient with respect to the outputs is `upstream`.
      const gradsCustom = tf.grads((...w: tf.Tensor[]) => tf.sum(tf.mul(custom(w), upstream)))(weights);
      const gradsPlain = tf.grads((...w: tf.Tensor[]) => tf.sum(tf.mul(plain(w), upstream)))(weights);
      for (let k = 0; k < weights.length; k++) {
        const error = relativeError(await gradsCustom[k]!.data(), await gradsPlain[k]!.data());
        expect(error, `${activation}: ${k % 2 === 0 ? 'kernel' : 'bias'} of layer ${k >> 1}`).toBeLessThan(1e-4);
      }
      tf.dispose([...weights, x, upstream, outCustom, outPlain, ...gradsCustom, ...gradsPlain]);
    });
  }
});
