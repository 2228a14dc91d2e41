/**
 * Machine learning loaded on demand: TensorFlow.js backend loading, dense-network training,
 * model bundles and prediction, behind functions that import core/ml on first call.
 *
 * Everything that needs TensorFlow.js is loaded on first use: the SDK is imported by every
 * node, the CLI and each worker thread, and loading TF.js costs ~250 ms that a CSV read, a
 * `tensorloom validate` or the API server should not pay.
 */
import type { LoadedBackend } from './backend.js';
import type { LoadedModel, ModelBundle, Predictions } from './bundle.js';
import type { DataTable } from '../base/table.js';
import type { DenseOptions, DenseResult, TrainingHooks } from './trainer.js';
import type { TuneHooks, TuneOptions, TuneResult } from './tune/search.js';

/** Loads the fastest TensorFlow.js backend that works (once per thread); see core/ml/backend.ts. */
export async function loadBackend(forced?: string): Promise<LoadedBackend> {
  const backend = await import('./backend.js');
  return forced === undefined ? backend.loadBackend() : backend.loadBackend(forced);
}

/** The backend that suits steps of `stepFlops` work (small ones leave WebGPU for the CPU). */
export async function backendForWork(stepFlops: number): Promise<string> {
  return (await import('./backend.js')).backendForWork(stepFlops);
}

/** Trains a dense network on the table's train rows and writes its bundle into `dir`. */
export async function trainDense(input: DataTable, options: DenseOptions, hooks: TrainingHooks, dir: string): Promise<DenseResult> {
  return (await import('./trainer.js')).trainDense(input, options, hooks, dir);
}

/** Searches train.dense's params and trains the best into `dir` (the train.tune node; core/ml/tune/search.ts). */
export async function tuneDense(input: DataTable, options: TuneOptions, hooks: TuneHooks, dir: string): Promise<TuneResult> {
  return (await import('./tune/search.js')).tuneDense(input, options, hooks, dir);
}

/** Loads a model bundle folder (through TF.js's LayersModel loader). */
export async function loadBundle(dir: string): Promise<LoadedModel> {
  return (await import('./bundle.js')).loadBundle(dir);
}

/** Picks the backend for predicting `rows` rows with this network. */
export async function backendForPrediction(bundle: ModelBundle, rows: number): Promise<string> {
  return (await import('./bundle.js')).backendForPrediction(bundle, rows);
}

/** Predictions for every row of a table in model-input form (see modelInputTable). */
export async function predictTable(model: LoadedModel, table: DataTable['table']): Promise<Predictions> {
  return (await import('./bundle.js')).predictTable(model, table);
}
