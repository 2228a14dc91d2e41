/**
 * The ES module package (`export-web --format esm`, index.js): `predict(rows)` for web and
 * Node apps, the model and TF.js's wasm binaries inside the module (web-export.ts defines
 * them at bundling), nothing fetched. Types: the generated index.d.ts.
 */
import { createPredictor, PredictError, type EmbeddedModel, type EmbeddedWasm, type Predictor, type RowPrediction } from './predictor.js';

declare const __TENSORLOOM_MODEL__: EmbeddedModel;
declare const __TENSORLOOM_WASM__: EmbeddedWasm;

const model = __TENSORLOOM_MODEL__;
let predictor: Promise<Predictor> | undefined;

/** The model's name, task, label and raw inputs, as bundle.json has them. */
export const name = model.name;
export const digest = model.digest;
export const task = model.bundle.task;
export const target = model.bundle.target.name;
export const inputs = model.bundle.inputs;
export const classes = model.bundle.classes;

/**
 * One answer per row, in order: `prediction` (the class in the label's own type, or the
 * value) and, for classifiers, `probabilities` per class. A row with a missing or unknown
 * column, or a value of the wrong type, rejects with a PredictError naming the row and column.
 */
export async function predict(rows: readonly Record<string, unknown>[]): Promise<RowPrediction[]> {
  predictor ??= createPredictor(model, __TENSORLOOM_WASM__);
  return (await predictor).predict(rows);
}

export { PredictError };
