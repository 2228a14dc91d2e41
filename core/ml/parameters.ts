import * as tf from '@tensorflow/tfjs-core';

import type { OptimizerName } from './options.js';

export { OPTIMIZERS, type OptimizerName } from './options.js';

/** TensorFlow.js's defaults, so both update paths follow the same formulas. */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const RMSPROP_DECAY = 0.9;
const EPSILON = 1e-7;

/**
 * A network's weights and their optimiser. Two implementations with the same arithmetic:
 * on the device (tf variables and a tf optimiser; for GPUs, where reading gradients back
 * each step would stall) and on the host (weights in Float32Arrays, updated in plain
 * JavaScript; for CPU backends, where the optimiser's ~10 tiny kernels per weight tensor
 * cost more than the arithmetic itself; see BENCHMARKS.md).
 */
export interface Parameters {
  /** The weights as tensors, for a forward pass; valid until the next step. */
  tensors(): tf.Tensor[];
  /** One optimisation step on `loss`; returns the loss before the step (caller disposes it). */
  step(loss: (weights: tf.Tensor[]) => tf.Scalar): tf.Scalar;
  snapshot(): Promise<Float32Array[]>;
  dispose(): void;
}

export function createParameters(initial: readonly Float32Array[], shapes: readonly number[][], optimizer: OptimizerName, learningRate: number, onHost: boolean): Parameters {
  return onHost ? new HostParameters(initial, shapes, optimizer, learningRate) : new DeviceParameters(initial, shapes, optimizer, learningRate);
}

class DeviceParameters implements Parameters {
  private readonly variables: tf.Variable[];
  private readonly optimizer: tf.Optimizer;

  constructor(initial: readonly Float32Array[], shapes: readonly number[][], optimizer: OptimizerName, learningRate: number) {
    // Unnamed variables (tf names them uniquely), so trainings can share a thread.
    this.variables = initial.map((values, k) => tf.tidy(() => tf.variable(tf.tensor(values, shapes[k]), true)));
    this.optimizer =
      optimizer === 'adam' ? tf.train.adam(learningRate, ADAM_BETA1, ADAM_BETA2, EPSILON) : optimizer === 'sgd' ? tf.train.sgd(learningRate) : tf.train.rmsprop(learningRate, RMSPROP_DECAY, 0, EPSILON);
  }

  tensors(): tf.Tensor[] {
    return this.variables;
  }

  step(loss: (weights: tf.Tensor[]) => tf.Scalar): tf.Scalar {
    return this.optimizer.minimize(() => loss(this.variables), true, this.variables)!;
  }

  snapshot(): Promise<Float32Array[]> {
    return Promise.all(this.variables.map(async (variable) => ((await variable.data()) as Float32Array).slice()));
  }

  dispose(): void {
    this.optimizer.dispose();
    tf.dispose(this.variables);
  }
}

class HostParameters implements Parameters {
  private readonly weights: Float32Array[];
  /** Adam's first moments; unused by SGD. */
  private readonly first: Float32Array[];
  /** Adam's second moments, or RMSprop's mean squares. */
  private readonly second: Float32Array[];
  private current: tf.Tensor[] | null = null;
  private steps = 0;

  constructor(
    initial: readonly Float32Array[],
    private readonly shapes: readonly number[][],
    private readonly optimizer: OptimizerName,
    private readonly learningRate: number,
  ) {
    this.weights = initial.map((values) => values.slice());
    this.first = initial.map((values) => new Float32Array(values.length));
    this.second = initial.map((values) => new Float32Array(values.length));
  }

  tensors(): tf.Tensor[] {
    this.current ??= this.weights.map((values, k) => tf.tensor(values, this.shapes[k]));
    return this.current;
  }

  step(loss: (weights: tf.Tensor[]) => tf.Scalar): tf.Scalar {
    const { value, grads } = tf.valueAndGrads((...weights: tf.Tensor[]) => loss(weights))(this.tensors());
    this.steps++;
    grads.forEach((gradient, k) => this.update(k, gradient.dataSync() as Float32Array));
    tf.dispose(grads);
    tf.dispose(this.current!);
    this.current = null;
    return value as tf.Scalar;
  }

  private update(k: number, gradient: Float32Array): void {
    const weights = this.weights[k]!;
    const first = this.first[k]!;
    const second = this.second[k]!;
    const rate = this.learningRate;
    switch (this.optimizer) {
      case 'sgd':
        for (let i = 0; i < weights.length; i++) weights[i]! -= rate * gradient[i]!;
        return;
      case 'rmsprop':
        for (let i = 0; i < weights.length; i++) {
          const g = gradient[i]!;
          const meanSquare = (second[i] = RMSPROP_DECAY * second[i]! + (1 - RMSPROP_DECAY) * g * g);
          weights[i]! -= (rate * g) / Math.sqrt(meanSquare + EPSILON);
        }
        return;
      case 'adam': {
        const correction1 = 1 - ADAM_BETA1 ** this.steps;
        const correction2 = 1 - ADAM_BETA2 ** this.steps;
        for (let i = 0; i < weights.length; i++) {
          const g = gradient[i]!;
          const m = (first[i] = ADAM_BETA1 * first[i]! + (1 - ADAM_BETA1) * g);
          const v = (second[i] = ADAM_BETA2 * second[i]! + (1 - ADAM_BETA2) * g * g);
          weights[i]! -= (rate * (m / correction1)) / (Math.sqrt(v / correction2) + EPSILON);
        }
        return;
      }
    }
  }

  async snapshot(): Promise<Float32Array[]> {
    return this.weights.map((values) => values.slice());
  }

  dispose(): void {
    if (this.current) tf.dispose(this.current);
    this.current = null;
  }
}
