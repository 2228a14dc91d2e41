import { Bool, vectorFromArray, type Table } from 'apache-arrow';
import { float64Column, stringColumn, withColumn } from '../data/table-ops.js';
import { classValue, type ModelBundle, type Predictions } from './bundle-format.js';

export const PREDICTION_COLUMN = 'prediction';

/** Name of the column holding the probability of `label`. */
export function probabilityColumn(label: string): string {
  return `probability_${label}`;
}

/**
 * `table` with the model's answers appended: `prediction` (the class, in the target's own
 * type, or the value) and, for classifiers, one `probability_<class>` column per class.
 */
export function withPredictions(table: Table, bundle: ModelBundle, predictions: Predictions): Table {
  const rows = table.numRows;
  if (bundle.task === 'regression') return withColumn(table, PREDICTION_COLUMN, float64Column(predictions.values!));
  const classes = bundle.classes ?? [];
  const labels = Array.from(predictions.classIndex!, (index) => classValue(bundle, index));
  const column =
    bundle.target.valueType === 'number'
      ? float64Column(labels as number[])
      : bundle.target.valueType === 'boolean'
        ? vectorFromArray(labels as boolean[], new Bool())
        : stringColumn(labels as string[]);
  let out = withColumn(table, PREDICTION_COLUMN, column);
  const probabilities = predictions.probabilities!;
  classes.forEach((label, c) => {
    const values = new Float64Array(rows);
    for (let row = 0; row < rows; row++) values[row] = probabilities[row * classes.length + c]!;
    out = withColumn(out, probabilityColumn(label), float64Column(values));
  });
  return out;
}
