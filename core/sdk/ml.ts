/**
 * Machine learning as nodes see it: TensorFlow.js backend loading, dense-network training,
 * model bundles, prediction and metrics (core/ml). Re-exported from the SDK index.
 */
export { loadBackend, backendForWork, backendHint, BACKEND_CHAIN } from '../ml/backend.js';
export type { BackendName, LoadedBackend } from '../ml/backend.js';
export { HIDDEN_ACTIVATIONS } from '../ml/mlp.js';
export { OPTIMIZERS } from '../ml/train.js';
export { trainDense } from '../ml/trainer.js';
export type { DenseOptions, DenseResult, TrainingHooks } from '../ml/trainer.js';
export { loadBundle, modelInputTable, predictTable, backendForPrediction, classValue, BUNDLE_FILE } from '../ml/bundle.js';
export type { ModelBundle, LoadedModel, Predictions, Task, InputColumn } from '../ml/bundle.js';
export { targetLabels, targetValues } from '../ml/features.js';
export { classificationMetrics, regressionMetrics } from '../ml/metrics.js';
export type { ClassificationReport, RegressionReport } from '../ml/metrics.js';
export { withPredictions, probabilityColumn, PREDICTION_COLUMN } from '../ml/predictions.js';
