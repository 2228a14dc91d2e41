import {
  classificationMetrics,
  columnValues,
  defineNode,
  backendForPrediction,
  loadBundle,
  modelInputTable,
  NodeError,
  originalValues,
  port,
  predictTable,
  regressionMetrics,
  SPLIT_COLUMN,
  takeRows,
  targetLabels,
  targetValues,
  withPredictions,
  z,
  type Json,
  type MetricsValue,
} from '../../core/sdk/index.js';

export default defineNode({
  type: 'eval.model',
  // 2: the predictions table shows the rows' original values (the recipe undone), not the model's inputs.
  version: 2,
  category: 'eval',
  title: 'Evaluate model',
  description:
    'Scores a model on the test rows (or another split): accuracy, precision/recall/F1, ROC AUC, log loss and a confusion matrix for classifiers; RMSE, MAE and R² for regressors.',
  worker: { whenInputBytesOver: 16 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {
    model: port('model'),
    table: port('table', { description: 'The same feature nodes’ output, or raw rows (the model applies its recipe).' }),
  },
  outputs: {
    // Every number it may report, for classifiers and regressors: gates downstream are checked against them.
    metrics: port('metrics', { keys: ['accuracy', 'precisionMacro', 'recallMacro', 'f1Macro', 'rocAuc', 'logLoss', 'rmse', 'mae', 'r2', 'rows'] }),
    predictions: port('table', {
      description: 'The evaluated rows with their original values (scaling and encoding undone), the label, and prediction (and probability) columns; no recipe.',
    }),
  },
  params: z.object({
    split: z.enum(['test', 'validation', 'train', 'all']).default('test').describe('Which rows to score'),
  }),
  async run({ inputs, params }, ctx) {
    const model = await loadBundle(inputs.model.dir);
    ctx.usedBackend(await backendForPrediction(model.bundle, inputs.table.table.numRows));
    try {
      const { bundle } = model;
      const prepared = modelInputTable(bundle, inputs.table);
      let rows: number[];
      if (params.split === 'all') rows = Array.from({ length: prepared.numRows }, (_, row) => row);
      else if (!prepared.schema.fields.some((field) => field.name === SPLIT_COLUMN)) {
        ctx.log(`the table has no split column: scoring all ${prepared.numRows} rows (add data.split to keep test rows unseen by training)`, 'warn');
        rows = Array.from({ length: prepared.numRows }, (_, row) => row);
      } else {
        const roles = columnValues(prepared, SPLIT_COLUMN, 'split');
        rows = roles.flatMap((role, row) => (role === params.split ? [row] : []));
        if (rows.length === 0) throw new NodeError(`the table has no '${params.split}' rows; give data.split a ${params.split} share or pick another split`, { field: 'split' });
      }
      if (!prepared.schema.fields.some((field) => field.name === bundle.target.name || field.name.startsWith(`${bundle.target.name}=`))) {
        throw new NodeError(`the table has no '${bundle.target.name}' column, so there is nothing to compare the predictions with (use predict.batch for unlabelled rows)`, { field: 'table' });
      }

      // Rows without a label cannot be scored.
      let subset = takeRows(prepared, rows);
      const labelled = bundle.task === 'classification' ? targetLabels(bundle.target, subset).map((label) => label !== null) : Array.from(targetValues(bundle.target, subset), Number.isFinite);
      const kept = labelled.flatMap((ok, k) => (ok ? [k] : []));
      if (kept.length < labelled.length) ctx.log(`${labelled.length - kept.length} rows have no '${bundle.target.name}' label and are not scored`, 'warn');
      if (kept.length === 0) throw new NodeError(`none of the ${rows.length} '${params.split}' rows has a '${bundle.target.name}' label`, { field: 'split' });
      if (kept.length < labelled.length) {
        subset = takeRows(subset, kept);
        rows = kept.map((k) => rows[k]!);
      }
      const predictions = await predictTable(model, subset);

      let metrics: MetricsValue;
      if (bundle.task === 'classification') {
        const report = classificationMetrics(targetLabels(bundle.target, subset) as string[], bundle.classes ?? [], predictions.probabilities!);
        metrics = { ...report, split: params.split } as unknown as MetricsValue;
        for (const name of ['accuracy', 'precisionMacro', 'recallMacro', 'f1Macro', 'rocAuc', 'logLoss'] as const) {
          const value = report[name];
          if (value !== undefined) ctx.metric(name, value);
        }
        for (const note of report.notes) ctx.log(note, 'warn');
        ctx.log(`accuracy ${(report.accuracy * 100).toFixed(1)}% on ${report.rows} ${params.split} rows`);
      } else {
        const report = regressionMetrics(targetValues(bundle.target, subset), predictions.values!);
        metrics = { ...report, split: params.split } as unknown as MetricsValue;
        for (const name of ['rmse', 'mae', 'r2'] as const) {
          const value = report[name];
          if (value !== undefined) ctx.metric(name, value);
        }
        for (const note of report.notes) ctx.log(note, 'warn');
        ctx.log(`RMSE ${report.rmse.toPrecision(4)}${report.r2 === undefined ? '' : `, R² ${report.r2.toFixed(3)}`} on ${report.rows} ${params.split} rows`);
      }
      // The predictions table shows the rows' original values, as KNIME and Orange do: the
      // recipe undone where it can be (scale, encode), so it carries no recipe (docs/DECISIONS.md).
      const original = originalValues(takeRows(inputs.table.table, rows), inputs.table.recipe);
      if (original.restored.length > 0) ctx.log(`predictions show original values of ${original.restored.length} columns (scaling and encoding undone)`);
      const byReason = new Map<string, string[]>();
      for (const { name, why } of original.asIs) byReason.set(why, [...(byReason.get(why) ?? []), `'${name}'`]);
      for (const [why, names] of byReason) ctx.log(`predictions show ${names.join(', ')} as the recipe left ${names.length === 1 ? 'it' : 'them'}: ${why}`);
      return { metrics: metrics as { [key: string]: Json }, predictions: { table: withPredictions(original.table, bundle, predictions), recipe: [] } };
    } finally {
      model.dispose();
    }
  },
});
