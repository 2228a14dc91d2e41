import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Table } from 'apache-arrow';
import { canonicalJson } from '../graph/canonical.js';
import type { DataTable, RecipeStep } from '../data/table.js';
import { NodeError } from '../sdk/errors.js';
import { encodeFeatures, labelValue, type FeaturePlan, type TargetInfo } from './features.js';
import { createForward, stepFlops, toLayersModel, weightShapes, type MlpSpec } from './mlp.js';
import { backendForWork, loadBackend, type BackendName } from './backend.js';
import { applyRecipe, RecipeError } from './recipe/index.js';

export const BUNDLE_FORMAT = 'tensorloom/model@1';
export const BUNDLE_FILE = 'bundle.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export type Task = 'classification' | 'regression';

/** A raw column a prediction request must (or may) carry. */
export interface InputColumn {
  readonly name: string;
  readonly type: 'number' | 'string' | 'boolean' | 'any';
}

/**
 * bundle.json: everything besides the weights that serving needs to reproduce training's
 * predictions exactly, plus lineage. Deterministic: no clock or run id, so retraining with
 * the same data, params and backend yields the same bytes (and a cache hit downstream).
 */
export interface ModelBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly task: Task;
  readonly target: TargetInfo;
  /** Class labels in output order (classification), as text. */
  readonly classes: readonly string[] | null;
  /** The steps the training table went through; raw input rows get them applied. */
  readonly recipe: readonly RecipeStep[];
  /** The model's own input encoding, applied after the recipe. */
  readonly features: FeaturePlan;
  /** Raw columns a request provides. */
  readonly inputs: readonly InputColumn[];
  /** Regression: the network predicts (y - mean) / std. */
  readonly targetScaling: { readonly mean: number; readonly std: number } | null;
  readonly network: MlpSpec;
  readonly training: Readonly<Record<string, unknown>>;
  readonly lineage: Readonly<Record<string, unknown>>;
}

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
  readonly forward: ReturnType<typeof createForward>;
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
  await loadBackend();
  const bundle = readJson(join(dir, BUNDLE_FILE), BUNDLE_FILE) as ModelBundle;
  if (bundle?.format !== BUNDLE_FORMAT) throw new NodeError(`${join(dir, BUNDLE_FILE)} is not a Tensorloom model bundle (format '${String(bundle?.format)}', expected '${BUNDLE_FORMAT}')`);
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
  return { dir, bundle, weights: loaded, forward: createForward(bundle.network), dispose: () => tf.dispose(loaded) };
}

function sameRecipe(a: readonly RecipeStep[], b: readonly RecipeStep[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * The table the model reads, from either a table that went through the same feature
 * nodes (used as is) or raw rows (the bundle's recipe is applied). Anything else is a
 * NodeError that names the difference (ARCHITECTURE.md section 4).
 */
export function modelInputTable(bundle: ModelBundle, input: DataTable): Table {
  if (input.recipe.length > 0 && sameRecipe(input.recipe, bundle.recipe)) return input.table;
  if (input.recipe.length === 0) {
    try {
      return applyRecipe(input.table, bundle.recipe, { absentOk: new Set([bundle.target.name]) });
    } catch (error) {
      if (error instanceof RecipeError) throw new NodeError(error.message, { field: 'table' });
      throw error;
    }
  }
  const theirs = input.recipe.map((step) => `${step.nodeId} (${step.kind})`).join(' → ');
  const ours = bundle.recipe.map((step) => `${step.nodeId} (${step.kind})`).join(' → ') || 'no feature steps';
  throw new NodeError(
    `the table went through feature steps ${theirs}, but the model was trained after ${ours}; connect raw rows (the model applies its own recipe) or the output of the same feature nodes`,
    { field: 'table' },
  );
}

export interface Predictions {
  /** Classification: rows × classes probabilities. */
  readonly probabilities: Float32Array | null;
  /** Classification: index of the most probable class per row. */
  readonly classIndex: Int32Array | null;
  /** Regression: predicted values in the target's units. */
  readonly values: Float64Array | null;
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

/** A class label in the target's original type (number, boolean or text). */
export function classValue(bundle: ModelBundle, index: number): string | number | boolean {
  return labelValue(bundle.target, bundle.classes?.[index] ?? '');
}
