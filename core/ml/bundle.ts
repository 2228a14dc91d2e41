import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Table } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { BUNDLE_FILE, BUNDLE_FORMAT, checkModelRecipe, MODEL_FILE, WEIGHTS_FILE, type ModelBundle, type Predictions } from './bundle-format.js';
import { backendForWork, loadBackend, type BackendName } from './backend.js';
import { encodeFeatures } from './features.js';
import { createInference, stepFlops, toLayersModel, weightShapes } from './mlp.js';
import { isRecipeError } from './recipe/index.js';

// The format half (types, recipe matching) lives apart so reading it never loads TF.js.
export * from './bundle-format.js';

/** Writes model.json + weights.bin (a standard TF.js LayersModel) and bundle.json into `dir`. */
export async function saveBundle(dir: string, bundle: ModelBundle, weights: readonly Float32Array[]): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const model = toLayersModel(bundle.network, weights);
  try {
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData;
        const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : Buffer.concat((weightData ?? []).map((part) => new Uint8Array(part)));
        writeFileSync(join(dir, WEIGHTS_FILE), bytes);
        const manifest = {
          format: 'layers-model',
          generatedBy: artifacts.generatedBy,
          convertedBy: null,
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs }],
        };
        writeFileSync(join(dir, MODEL_FILE), JSON.stringify(manifest));
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }),
    );
  } finally {
    model.dispose();
  }
  writeFileSync(join(dir, BUNDLE_FILE), JSON.stringify(bundle, null, 2) + '\n');
}

export interface LoadedModel {
  readonly dir: string;
  readonly bundle: ModelBundle;
  readonly weights: tf.Tensor[];
  readonly forward: ReturnType<typeof createInference>;
  dispose(): void;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new NodeError(`cannot read the model bundle's ${what} (${path}): ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Loads a bundle folder through TF.js's LayersModel loader (so the saved format is proven). */
export async function loadBundle(dir: string): Promise<LoadedModel> {
  const bundle = readJson(join(dir, BUNDLE_FILE), BUNDLE_FILE) as ModelBundle;
  if (bundle?.format !== BUNDLE_FORMAT) throw new NodeError(`${join(dir, BUNDLE_FILE)} is not a Tensorloom model bundle (format '${String(bundle?.format)}', expected '${BUNDLE_FORMAT}')`);
  if (!Array.isArray(bundle.recipe)) throw new NodeError(`${join(dir, BUNDLE_FILE)} has no recipe list; re-train the model`);
  try {
    checkModelRecipe(bundle);
  } catch (error) {
    // A user error (install the pack), named on the model input; the server's start fails with it.
    if (isRecipeError(error)) throw new NodeError(error.message, { field: 'model' });
    throw error;
  }
  // After the checks: a model that cannot be used does not pay for loading TF.js.
  await loadBackend();
  const manifest = readJson(join(dir, MODEL_FILE), MODEL_FILE) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = new Uint8Array(readFileSync(join(dir, WEIGHTS_FILE)));
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: manifest.weightsManifest.flatMap((group) => group.weights), weightData: weightData.buffer }),
  );
  const shapes = weightShapes(bundle.network);
  const loaded = model.getWeights().map((tensor) => tensor.clone());
  model.dispose();
  if (loaded.length !== shapes.length || loaded.some((tensor, k) => tensor.shape.join('x') !== shapes[k]!.join('x'))) {
    tf.dispose(loaded);
    throw new NodeError(`${join(dir, MODEL_FILE)} does not match the network described in ${BUNDLE_FILE}`);
  }
  return { dir, bundle, weights: loaded, forward: createInference(bundle.network), dispose: () => tf.dispose(loaded) };
}

const PREDICT_CHUNK = 8192;

/** Loads the backend and picks the one that suits predicting `rows` rows with this network. */
export async function backendForPrediction(bundle: ModelBundle, rows: number): Promise<BackendName> {
  // A forward pass is a third of a training step's work.
  return backendForWork(stepFlops(bundle.network, Math.min(rows, PREDICT_CHUNK)) / 3);
}

/** Predictions for every row of a table in model-input form (see modelInputTable). */
export async function predictTable(model: LoadedModel, table: Table): Promise<Predictions> {
  const { bundle } = model;
  const rows = table.numRows;
  const x = encodeFeatures(bundle.features, table);
  const width = bundle.features.width;
  const units = bundle.network.outputUnits;
  const out = new Float32Array(rows * units);
  for (let start = 0; start < rows; start += PREDICT_CHUNK) {
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
