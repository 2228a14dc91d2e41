import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { NodeError } from '../base/errors.js';
import { BUNDLE_FILE, BUNDLE_FORMAT, checkModelRecipe, MODEL_FILE, WEIGHTS_FILE, type ModelBundle } from './bundle-format.js';
import { backendForWork, loadBackend, type BackendName } from './backend.js';
import { createInference, stepFlops, toLayersModel, weightShapes } from './mlp.js';
import { choosePredictPath, FUSED_BACKEND, FusedNetwork } from './fused/fused.js';
import { PREDICT_CHUNK, type FusedForward } from './predict-table.js';
import { isRecipeError } from './recipe/index.js';

// The format half (types, recipe matching) lives apart so reading it never loads TF.js.
export * from './bundle-format.js';
// Prediction itself needs TF.js ops only (no files, no backend loading): the browser bundle uses it too.
export { predictMatrix, predictTable } from './predict-table.js';

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
  readonly fusedOn: (backend: string) => FusedForward | undefined;
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
  return { dir, bundle, weights: loaded, forward: createInference(bundle.network), fusedOn: fusedForwardOf(bundle, loaded), dispose: () => tf.dispose(loaded) };
}

/** Rows per fused-kernel call when predicting: the buffers stay in cache. */
const FUSED_PREDICT_ROWS = 512;

/** The fused kernel's forward pass for this model, built on first use, where choosePredictPath picks it. */
function fusedForwardOf(bundle: ModelBundle, weights: readonly tf.Tensor[]): (backend: string) => FusedForward | undefined {
  const setting = process.env.TENSORLOOM_PREDICT_PATH;
  const paths = new Map<string, boolean>();
  let network: FusedNetwork | undefined;
  return (backend) => {
    let fused = paths.get(backend);
    if (fused === undefined) paths.set(backend, (fused = choosePredictPath(bundle.network, backend, setting).path === 'fused'));
    if (!fused) return undefined;
    network ??= new FusedNetwork(bundle.network, 'sgd', 0, FUSED_PREDICT_ROWS, weights.map((tensor) => tensor.dataSync() as Float32Array));
    return network;
  };
}

/**
 * Loads the backend and picks the one that suits predicting `rows` rows with this network;
 * `wasm-fused` where the fused kernel predicts on it (predictTable follows the same rule).
 */
export async function backendForPrediction(bundle: ModelBundle, rows: number): Promise<BackendName | typeof FUSED_BACKEND> {
  // A forward pass is a third of a training step's work.
  const backend = await backendForWork(stepFlops(bundle.network, Math.min(rows, PREDICT_CHUNK)) / 3);
  return choosePredictPath(bundle.network, backend).path === 'fused' ? FUSED_BACKEND : backend;
}
