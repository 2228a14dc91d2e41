/**
 * The recipe runtime as nodes see it: fit a feature step on train rows, replay steps on
 * any rows (core/ml/recipe). Re-exported from the SDK index.
 */
export * from '../ml/recipe/index.js';
