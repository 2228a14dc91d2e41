/**
 * The forward pass over a table in model-input form: the model's feature encoding, the
 * network in chunks, softmax for classifiers, the target's scaling undone for regression.
 * TF.js ops only (no files, no backend choice), so the model server, predict.batch,
 * eval.model and the browser bundle (core/deploy/web-bundle) all predict through it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Table } from 'apache-arrow';
import type { ModelBundle, Predictions } from './bundle-format.js';
import { encodeFeatures } from './features.js';
import type { createInference } from './mlp.js';

export const PREDICT_CHUNK = 8192;

/** The fused CPU kernel's forward pass (core/ml/fused), as prediction uses it. */
export interface FusedForward {
  /** Rows per call. */
  readonly capacity: number;
  readonly inputs: Float32Array;
  readonly outputs: Float32Array;
  predict(rows: number): void;
}

/** What prediction needs of a loaded model (bundle.ts's LoadedModel is one). */
export interface PredictingModel {
  readonly bundle: ModelBundle;
  readonly weights: tf.Tensor[];
  readonly forward: ReturnType<typeof createInference>;
  /**
   * The fused kernel where it predicts on this TF.js backend (bundle.ts decides, with the
   * same rule as training); absent in the browser bundle, which predicts with TF.js only.
   */
  readonly fusedOn?: (backend: string) => FusedForward | undefined;
}

/** Predictions for every row of a table in model-input form (see modelInputTable). */
export async function predictTable(model: PredictingModel, table: Table): Promise<Predictions> {
  return predictMatrix(model, encodeFeatures(model.bundle.features, table), table.numRows);
}

/** Predictions for `rows` rows already encoded as the network's input matrix (rows × features.width, row-major). */
export async function predictMatrix(model: PredictingModel, x: Float32Array, rows: number): Promise<Predictions> {
  const { bundle } = model;
  const width = bundle.features.width;
  const units = bundle.network.outputUnits;
  const out = new Float32Array(rows * units);
  const fused = model.fusedOn?.(tf.getBackend());
  if (fused) {
    // One WebAssembly call per chunk, no tensors: a one-row request costs microseconds.
    for (let start = 0; start < rows; start += fused.capacity) {
      const count = Math.min(fused.capacity, rows - start);
      fused.inputs.set(x.subarray(start * width, (start + count) * width));
      fused.predict(count);
      out.set(fused.outputs.subarray(0, count * units), start * units);
    }
  }
  for (let start = 0; !fused && start < rows; start += PREDICT_CHUNK) {
    const end = Math.min(rows, start + PREDICT_CHUNK);
    const result = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(x.subarray(start * width, end * width), [end - start, width]), model.weights);
      return bundle.task === 'classification' ? tf.softmax(logits) : logits;
    });
    try {
      out.set((await result.data()) as Float32Array, start * units);
    } finally {
      result.dispose();
    }
  }
  if (bundle.task === 'regression') {
    const { mean, std } = bundle.targetScaling ?? { mean: 0, std: 1 };
    const values = new Float64Array(rows);
    for (let row = 0; row < rows; row++) values[row] = out[row]! * std + mean;
    return { probabilities: null, classIndex: null, values };
  }
  const classIndex = new Int32Array(rows);
  for (let row = 0; row < rows; row++) {
    let best = 0;
    for (let k = 1; k < units; k++) if (out[row * units + k]! > out[row * units + best]!) best = k;
    classIndex[row] = best;
  }
  return { probabilities: out, classIndex, values: null };
}
