import { backendForPrediction, defineNode, loadBundle, modelInputTable, port, predictTable, withPredictions, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'predict.batch',
  version: 1,
  category: 'deploy',
  title: 'Batch predict',
  description: 'Applies a model to a table of raw rows (its recipe is applied inside) and adds prediction and probability columns.',
  worker: { whenInputBytesOver: 16 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {
    model: port('model'),
    table: port('table', { description: 'Raw rows with the model’s input columns (or the output of the same feature nodes).' }),
  },
  outputs: { predictions: port('table', { description: 'The input rows with prediction (and probability_<class>) columns.' }) },
  params: z.object({}),
  async run({ inputs }, ctx) {
    const model = await loadBundle(inputs.model.dir);
    ctx.usedBackend(await backendForPrediction(model.bundle, inputs.table.table.numRows));
    try {
      const prepared = modelInputTable(model.bundle, inputs.table);
      const predictions = await predictTable(model, prepared);
      ctx.metric('rows', prepared.numRows);
      ctx.log(`predicted ${prepared.numRows} rows`);
      return { predictions: { table: withPredictions(inputs.table.table, model.bundle, predictions), recipe: inputs.table.recipe } };
    } finally {
      model.dispose();
    }
  },
});
