import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTable } from '../data/source-file.js';
import { seededRandom } from '../data/random.js';
import { float64Column, singleData } from '../data/table-ops.js';
import { loadBackend } from './backend.js';
import type { ModelBundle } from './bundle-format.js';
import { choosePredictPath, FUSED_BACKEND, FusedNetwork } from './fused/fused.js';
import { createInference, HIDDEN_ACTIVATIONS, initialWeights, weightShapes, type HiddenActivation, type MlpSpec } from './mlp.js';
import { predictTable, type PredictingModel } from './predict-table.js';

/**
 * Prediction on the CPU backends runs the fused kernel's forward pass (one WebAssembly call
 * per chunk) instead of TF.js ops. Against TF.js, the reference: probabilities and values
 * within 1e-5 (float32 on both sides, sums in different orders); and, what serving's
 * micro-batching relies on, a row's answer is the same bits alone or in any batch.
 */
const TOLERANCE = 1e-5;
const WIDTH = 9; // not a multiple of 4 or 8: the kernel's row and column tails run

function modelOf(activation: HiddenActivation, output: MlpSpec['output'], fused: boolean): PredictingModel {
  const spec: MlpSpec = { inputDim: WIDTH, hiddenLayers: [20, 11], activation, dropout: 0, outputUnits: output === 'softmax' ? 3 : 1, output };
  const values = initialWeights(spec, 7);
  // Non-zero biases, so their addition is exercised too.
  values.forEach((array, k) => k % 2 === 1 && array.forEach((_, j) => (array[j] = 0.1 * Math.sin(j + k))));
  const weights = weightShapes(spec).map((shape, k) => tf.tensor(values[k]!, shape));
  const bundle = {
    task: output === 'softmax' ? 'classification' : 'regression',
    classes: output === 'softmax' ? ['a', 'b', 'c'] : null,
    targetScaling: output === 'softmax' ? null : { mean: 3, std: 2 },
    network: spec,
    features: { columns: Array.from({ length: WIDTH }, (_, k) => ({ name: `x${k}`, kind: 'number', mean: 0, std: 1 })), width: WIDTH },
  } as unknown as ModelBundle;
  const network = new FusedNetwork(spec, 'sgd', 0, 16, values);
  const counted = Object.assign(network, { calls: 0 });
  const predict = network.predict.bind(network);
  counted.predict = (rows: number) => {
    counted.calls++;
    predict(rows);
  };
  return { bundle, weights, forward: createInference(spec), ...(fused ? { fusedOn: () => counted } : {}), kernelCalls: () => counted.calls } as PredictingModel & { kernelCalls(): number };
}

function tableOf(rows: number, seed: number) {
  const next = seededRandom(seed);
  const columns = Array.from({ length: WIDTH }, () => singleData(float64Column(Array.from({ length: rows }, () => (next() - 0.5) * 6))));
  return makeTable(
    columns.map((_, k) => `x${k}`),
    columns,
    rows,
  );
}

beforeAll(async () => {
  await loadBackend();
});

describe('prediction on the fused kernel', () => {
  for (const activation of HIDDEN_ACTIVATIONS) {
    for (const output of ['softmax', 'linear'] as const) {
      it(`${activation} hidden layers, ${output} output: equals TF.js within ${TOLERANCE}, and a row alone equals the row in a batch bit for bit`, async () => {
        // 37 rows: more than the kernel's 16-row chunk, so chunking is exercised.
        const table = tableOf(37, activation.length * 13 + output.length);
        const fusedModel = modelOf(activation, output, true);
        const fused = await predictTable(fusedModel, table);
        expect((fusedModel as PredictingModel & { kernelCalls(): number }).kernelCalls()).toBe(3); // 16 + 16 + 5 rows
        const reference = await predictTable(modelOf(activation, output, false), table);
        const got = fused.probabilities ?? fused.values!;
        const want = reference.probabilities ?? reference.values!;
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs(got[k]! - want[k]!) / Math.max(1, Math.abs(want[k]!)));
        expect(worst).toBeLessThan(TOLERANCE);
        if (fused.classIndex) expect(Array.from(fused.classIndex)).toEqual(Array.from(reference.classIndex!));

        const model = modelOf(activation, output, true);
        const width = got.length / 37;
        for (const row of [0, 15, 16, 36]) {
          const alone = await predictTable(model, table.slice(row, row + 1));
          const single = alone.probabilities ?? alone.values!;
          for (let k = 0; k < width; k++) expect(Object.is(single[k], got[row * width + k])).toBe(true);
        }
      });
    }
  }

  it('is the path on the CPU backends, names its backend, and can be switched off', () => {
    const spec: MlpSpec = { inputDim: 3, hiddenLayers: [4], activation: 'relu', dropout: 0.3, outputUnits: 2, output: 'softmax' };
    // Dropout is off when predicting, so it does not keep the fused path away.
    expect(choosePredictPath(spec, 'wasm', undefined)).toEqual({ path: 'fused' });
    expect(choosePredictPath(spec, 'cpu', undefined)).toEqual({ path: 'fused' });
    expect(choosePredictPath(spec, 'tensorflow', undefined).path).toBe('tfjs');
    expect(choosePredictPath(spec, 'wasm', 'tfjs')).toEqual({ path: 'tfjs', reason: 'TENSORLOOM_PREDICT_PATH=tfjs' });
    expect(() => choosePredictPath(spec, 'wasm', 'gpu')).toThrow(/TENSORLOOM_PREDICT_PATH='gpu' is not a prediction path; use auto, fused or tfjs/);
    expect(FUSED_BACKEND).toBe('wasm-fused');
  });
});
