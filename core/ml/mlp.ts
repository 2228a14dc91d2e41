import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededRandom } from '../data/random.js';
import type { HiddenActivation } from './options.js';

/**
 * A multilayer perceptron as plain weight tensors plus one forward function. Training uses
 * dense ops with a hand-written gradient (see `dense`), and the saved format is a standard
 * TF.js LayersModel built from the same weights.
 */

export { HIDDEN_ACTIVATIONS, type HiddenActivation } from './options.js';

export interface MlpSpec {
  readonly inputDim: number;
  readonly hiddenLayers: readonly number[];
  readonly activation: HiddenActivation;
  readonly dropout: number;
  /** Classes (softmax) or 1 (a linear output for regression). */
  readonly outputUnits: number;
  readonly output: 'softmax' | 'linear';
}

/** Kernel and bias of each layer, in order: [k0, b0, k1, b1, …]. */
export type MlpWeights = tf.Tensor[];

function layerSizes(spec: MlpSpec): number[] {
  return [spec.inputDim, ...spec.hiddenLayers, spec.outputUnits];
}

/**
 * Glorot-uniform kernels and zero biases drawn from a seeded PRNG in JavaScript, so the
 * initial weights are the same on every backend and machine.
 */
export function initialWeights(spec: MlpSpec, seed: number): Float32Array[] {
  const sizes = layerSizes(spec);
  const next = seededRandom(seed);
  const values: Float32Array[] = [];
  for (let layer = 0; layer + 1 < sizes.length; layer++) {
    const fanIn = sizes[layer]!;
    const fanOut = sizes[layer + 1]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const kernel = new Float32Array(fanIn * fanOut);
    for (let k = 0; k < kernel.length; k++) kernel[k] = (next() * 2 - 1) * limit;
    values.push(kernel, new Float32Array(fanOut));
  }
  return values;
}

export function weightShapes(spec: MlpSpec): number[][] {
  const sizes = layerSizes(spec);
  const shapes: number[][] = [];
  for (let layer = 0; layer + 1 < sizes.length; layer++) shapes.push([sizes[layer]!, sizes[layer + 1]!], [sizes[layer + 1]!]);
  return shapes;
}

type FusedActivation = 'relu' | 'elu' | 'sigmoid' | 'linear';

/** d(activation)/d(input), written from the activation's output. */
function activationGrad(activation: HiddenActivation | 'linear', out: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.mul(dy, tf.step(out));
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(out)));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(out, tf.sub(1, out)));
    case 'elu':
      // elu'(z) = 1 for z > 0, else elu(z) + 1.
      return tf.mul(dy, tf.where(tf.greater(out, 0), tf.onesLike(out), tf.add(out, 1)));
    case 'linear':
      return dy;
  }
}

/**
 * One dense layer, `activation(x·W + b)`, with a gradient that only uses untransposed
 * matrix products: the WebAssembly backend multiplies transposed operands about 7× slower
 * than plain ones, and materialising the transpose first is far cheaper (BENCHMARKS.md).
 * `inputGrad: false` skips d/dx for the first layer, whose input is data.
 */
function dense(activation: HiddenActivation | 'linear', inputGrad: boolean) {
  return tf.customGrad((...args: (tf.Tensor | ((tensors: tf.Tensor[]) => void))[]) => {
    const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, (tensors: tf.Tensor[]) => void];
    const fusable = activation !== 'tanh';
    const linear = tf.fused.matMul({ a: x, b: kernel, bias, activation: (fusable ? activation : 'linear') as FusedActivation });
    const out = fusable ? linear : tf.tanh(linear);
    save([x, kernel, out]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedX, savedKernel, savedOut] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = activationGrad(activation, savedOut, dy as tf.Tensor) as tf.Tensor2D;
        return [
          inputGrad ? tf.matMul(dz, tf.transpose(savedKernel)) : tf.zerosLike(savedX),
          tf.matMul(tf.transpose(savedX), dz),
          tf.sum(dz, 0),
        ];
      },
    };
  });
}

/** The network's forward pass; returns logits (softmax models) or values (regression). */
export function createForward(spec: MlpSpec): (x: tf.Tensor2D, weights: readonly tf.Tensor[], dropoutSeed?: number) => tf.Tensor2D {
  const layers = spec.hiddenLayers.length + 1;
  const ops = Array.from({ length: layers }, (_, layer) => dense(layer + 1 < layers ? spec.activation : 'linear', layer > 0));
  return (x, weights, dropoutSeed) => {
    let h: tf.Tensor2D = x;
    for (let layer = 0; layer < layers; layer++) {
      h = ops[layer]!(h, weights[2 * layer]!, weights[2 * layer + 1]!) as tf.Tensor2D;
      if (dropoutSeed !== undefined && spec.dropout > 0 && layer + 1 < layers) h = tf.dropout(h, spec.dropout, undefined, dropoutSeed + layer) as tf.Tensor2D;
    }
    return h;
  };
}

/**
 * The forward pass for prediction: the same fused kernels as `createForward`, so the same
 * numbers, without the gradient bookkeeping of customGrad (a sizeable share of a one-row
 * request's time in the model server).
 */
export function createInference(spec: MlpSpec): (x: tf.Tensor2D, weights: readonly tf.Tensor[]) => tf.Tensor2D {
  const layers = spec.hiddenLayers.length + 1;
  return (x, weights) => {
    let h: tf.Tensor2D = x;
    for (let layer = 0; layer < layers; layer++) {
      const activation = layer + 1 < layers ? spec.activation : 'linear';
      const fusable = activation !== 'tanh';
      const linear = tf.fused.matMul({ a: h, b: weights[2 * layer] as tf.Tensor2D, bias: weights[2 * layer + 1], activation: (fusable ? activation : 'linear') as FusedActivation });
      h = (fusable ? linear : tf.tanh(linear)) as tf.Tensor2D;
    }
    return h;
  };
}

/** The same network as a TF.js LayersModel (the saved, portable format). */
export function toLayersModel(spec: MlpSpec, weights: readonly Float32Array[]): tfl.Sequential {
  // A fixed name: an automatic one ('sequential_<n>') counts models made in this thread, so
  // model.json, and the bundle's hash, would differ between identical trainings.
  const model = tfl.sequential({ name: 'mlp' });
  spec.hiddenLayers.forEach((units, layer) => {
    model.add(tfl.layers.dense({ units, activation: spec.activation, ...(layer === 0 ? { inputShape: [spec.inputDim] } : {}), name: `dense_${layer}` }));
    if (spec.dropout > 0) model.add(tfl.layers.dropout({ rate: spec.dropout, name: `dropout_${layer}` }));
  });
  model.add(
    tfl.layers.dense({
      units: spec.outputUnits,
      activation: spec.output,
      ...(spec.hiddenLayers.length === 0 ? { inputShape: [spec.inputDim] } : {}),
      name: 'output',
    }),
  );
  const shapes = weightShapes(spec);
  tf.tidy(() => model.setWeights(weights.map((values, k) => tf.tensor(values, shapes[k]))));
  return model;
}

/** Floating-point operations of one training step: forward and backward, 2 per multiply-add each. */
export function stepFlops(network: MlpSpec, batch: number): number {
  const sizes = [network.inputDim, ...network.hiddenLayers, network.outputUnits];
  let weights = 0;
  for (let k = 0; k + 1 < sizes.length; k++) weights += sizes[k]! * sizes[k + 1]!;
  return 6 * batch * weights;
}
