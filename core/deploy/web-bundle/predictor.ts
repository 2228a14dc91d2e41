/**
 * The browser bundle's predictor (bundled for the browser and for Node by web-export.ts):
 * TF.js on its WebAssembly backend, the model and the wasm binaries embedded (nothing is
 * fetched), and the same code the model server runs per request: the request rows checked
 * against the model's inputs (core/serve/inputs.ts: every refusal names the column), the
 * bundle's recipe replayed (core/ml/bundle-format.ts), the network's forward pass
 * (core/ml/predict-table.ts). So a row gets the answer predict.batch and the server give.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { checkModelRecipe, classValue, modelInputTable, type InputColumn, type ModelBundle } from '../../ml/bundle-format.js';
import { createInference, weightShapes } from '../../ml/mlp.js';
import { predictTable, type PredictingModel } from '../../ml/predict-table.js';
import { InputSchema } from '../../serve/inputs.js';

/** The model as the bundle embeds it: bundle.json, model.json, weights.bin (base64). */
export interface EmbeddedModel {
  readonly name: string;
  readonly digest: string;
  readonly bundle: ModelBundle;
  readonly modelJson: { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  readonly weights: string;
}

/** The TF.js wasm binaries, file name → base64. */
export type EmbeddedWasm = Readonly<Record<string, string>>;

export type Cell = string | number | boolean | null;

/** One row's answer: the class (in the target's own type) or the value; per-class probabilities for classifiers. */
export interface RowPrediction {
  prediction: string | number | boolean;
  probabilities?: Record<string, number>;
}

export interface Predictor {
  readonly name: string;
  readonly task: ModelBundle['task'];
  readonly target: string;
  readonly inputs: readonly InputColumn[];
  /** Class labels in output order (classification), as text. */
  readonly classes: readonly string[] | null;
  /** Categories seen in training, per text input (for the form's suggestions). */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** Resolves to one answer per row; rejects with a PredictError naming the row and column of a bad value. */
  predict(rows: readonly Record<string, unknown>[]): Promise<RowPrediction[]>;
}

/** A row the model cannot take (a missing, extra or mistyped column), or a value the recipe refuses. */
export class PredictError extends Error {
  override readonly name = 'PredictError';
}

/** Most rows one predict() call takes. */
export const MAX_ROWS = 1_000_000;

function decodeBase64(text: string): Uint8Array {
  if (typeof atob === 'function') {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let k = 0; k < binary.length; k++) bytes[k] = binary.charCodeAt(k);
    return bytes;
  }
  throw new Error('no base64 decoder (atob) in this JavaScript environment');
}

let backend: Promise<void> | undefined;

/**
 * TF.js's wasm backend from the embedded binaries: wasm paths point at names that the
 * platform's fetch answers from memory, so nothing is fetched (file:// pages cannot fetch).
 * Threads are off: they need cross-origin isolation, and the server computes without them.
 */
function startBackend(wasm: EmbeddedWasm): Promise<void> {
  backend ??= (async () => {
    const files = new Map(Object.entries(wasm).map(([name, base64]) => [`embedded:${name}`, base64]));
    const platform = tf.env().platform as { fetch(path: string, init?: RequestInit): Promise<Response> };
    const fetchBefore = platform.fetch.bind(platform);
    platform.fetch = (path: string, init?: RequestInit) => {
      const base64 = files.get(path);
      if (base64 === undefined) return fetchBefore(path, init);
      return Promise.resolve(new Response(decodeBase64(base64) as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/wasm' } }));
    };
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    // TF.js wants a path for all three binaries; the threaded one is never chosen with threads off.
    setWasmPaths({ 'tfjs-backend-wasm-threaded-simd.wasm': 'embedded:tfjs-backend-wasm-simd.wasm', ...Object.fromEntries(Object.keys(wasm).map((name) => [name, `embedded:${name}`])) }, true);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WebAssembly backend did not start');
    await tf.ready();
  })();
  return backend;
}

/** Loads the model through TF.js's LayersModel loader, as the server does (core/ml/bundle.ts loadBundle). */
async function loadModel(model: EmbeddedModel): Promise<PredictingModel> {
  const { bundle } = model;
  checkModelRecipe(bundle);
  const weightData = decodeBase64(model.weights);
  const layers = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: model.modelJson.modelTopology, weightSpecs: model.modelJson.weightsManifest.flatMap((group) => group.weights), weightData: weightData.buffer as ArrayBuffer }),
  );
  const shapes = weightShapes(bundle.network);
  const weights = layers.getWeights().map((tensor) => tensor.clone());
  layers.dispose();
  if (weights.length !== shapes.length || weights.some((tensor, k) => tensor.shape.join('x') !== shapes[k]!.join('x'))) {
    tf.dispose(weights);
    throw new Error(`the embedded model.json of '${model.name}' does not match the network its bundle.json describes`);
  }
  return { bundle, weights, forward: createInference(bundle.network) };
}

function categoriesOf(bundle: ModelBundle): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const column of bundle.features.columns) if (column.kind === 'category') found[column.name] = [...column.categories];
  for (const step of bundle.recipe) {
    const fitted = step.fitted as { columns?: { name?: unknown; categories?: unknown }[] } | undefined;
    if (step.kind !== 'feature.encode' || !Array.isArray(fitted?.columns)) continue;
    for (const column of fitted.columns) {
      if (typeof column.name === 'string' && Array.isArray(column.categories)) found[column.name] = column.categories.map(String);
    }
  }
  return found;
}

export async function createPredictor(model: EmbeddedModel, wasm: EmbeddedWasm): Promise<Predictor> {
  await startBackend(wasm);
  const loaded = await loadModel(model);
  const { bundle } = loaded;
  const schema = new InputSchema(bundle, MAX_ROWS);
  const labels = bundle.task === 'classification' ? bundle.classes!.map((_, k) => classValue(bundle, k)) : [];
  const categories = categoriesOf(bundle);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    name: model.name,
    task: bundle.task,
    target: bundle.target.name,
    inputs: bundle.inputs,
    classes: bundle.classes,
    categories: Object.fromEntries(bundle.inputs.filter((input) => categories[input.name]).map((input) => [input.name, categories[input.name]!])),
    predict(rows) {
      // One prediction at a time: TF.js's backend is shared.
      const run = queue.then(async () => {
        let batch;
        let prepared;
        try {
          batch = schema.fromRecords(rows, 'rows');
          prepared = modelInputTable(bundle, { table: schema.toTable(batch), recipe: [] });
        } catch (error) {
          throw new PredictError(error instanceof Error ? error.message : String(error));
        }
        const out = await predictTable(loaded, prepared);
        if (bundle.task === 'regression') return Array.from(out.values!, (value): RowPrediction => ({ prediction: value }));
        const classes = bundle.classes!;
        return Array.from(out.classIndex!, (index, row): RowPrediction => ({
          prediction: labels[index]!,
          probabilities: Object.fromEntries(classes.map((label, k) => [label, out.probabilities![row * classes.length + k]!])),
        }));
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
