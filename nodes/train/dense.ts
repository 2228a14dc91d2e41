import { defineNode, HIDDEN_ACTIVATIONS, OPTIMIZERS, port, showWhen, trainDense, z } from '../../core/sdk/index.js';

// 2: with a split column, validation rows are exactly the split's (none when its validation share is 0).
const VERSION = 2;

export default defineNode({
  type: 'train.dense',
  version: VERSION,
  category: 'train',
  title: 'Dense neural network',
  description:
    'Trains a multilayer perceptron with TensorFlow.js on the train rows, early-stopping on the split’s validation rows (none: no early stopping). Text columns are one-hot encoded and numbers standardised inside the model, so raw tables work; the model keeps the recipe of the feature nodes before it.',
  // Training is CPU-heavy: a worker thread keeps the app responsive and cancel immediate.
  worker: true,
  module: import.meta.url,
  inputs: { table: port('table', { description: 'Rows to learn from; the split column picks train and validation rows (without one, 10% are held out for early stopping).' }) },
  outputs: {
    model: port('model', { description: 'The model bundle: TF.js LayersModel + recipe + input schema + class labels + lineage.' }),
    metrics: port('metrics', { description: 'Per-epoch loss (and validation loss/accuracy), best epoch, rows used (trainRows, validationRows) and where the validation rows came from (validationFrom).' }),
  },
  params: z.object({
    target: z.string().min(1).describe('The column to predict'),
    task: z.enum(['auto', 'classification', 'regression']).default('auto').describe('auto: text, boolean and whole-number targets with at most 20 values are classes; other numbers are regression'),
    hiddenLayers: z.array(z.number().int().min(1).max(4096)).max(16).default([64, 32]).describe('Units of each hidden layer'),
    activation: z.enum(HIDDEN_ACTIVATIONS).default('relu').describe('Activation of the hidden layers'),
    dropout: z.number().min(0).max(0.9).default(0).describe('Dropout rate after each hidden layer (0 = off)'),
    optimizer: z.enum(OPTIMIZERS).default('adam').describe('Gradient-descent method: adam, sgd or rmsprop'),
    learningRate: z.number().positive().max(10).default(0.001).describe('Step size of the optimizer'),
    epochs: z.number().int().min(1).max(100000).default(200).describe('Most passes over the training rows (early stopping usually ends sooner)'),
    batchSize: z.number().int().min(1).max(65536).default(32).describe('Rows per gradient step'),
    earlyStopping: z
      .number()
      .int()
      .min(0)
      .max(10000)
      .default(10)
      .describe('Patience: stop after this many epochs without a better validation loss and keep the best weights (0 = off; needs validation rows from data.split)'),
    // Only classification weighs classes; with task 'regression' it is hidden and does not apply.
    classWeight: showWhen(z.enum(['none', 'balanced']).default('none').describe('balanced: weigh rare classes up so each class counts the same'), {
      task: ['auto', 'classification'],
    }),
    seed: z.number().int().default(0).describe('Random seed: the same seed, data and backend give the same weights'),
  }),
  async run({ inputs, params }, ctx) {
    const dir = ctx.artifacts.tempPath('model');
    const result = await trainDense(inputs.table, params, { ...ctx, nodeVersion: VERSION, log: (message, level) => ctx.log(message, level) }, dir);
    // The per-epoch series already carry loss and validation figures; add the run's totals.
    for (const name of ['epochs', 'bestEpoch', 'trainRows', 'validationRows', 'inputs', 'secondsPerEpoch'] as const) {
      const value = result.summary[name];
      if (typeof value === 'number') ctx.metric(name, value);
    }
    return {
      model: { dir },
      metrics: {
        ...result.summary,
        history: result.history.map((stats) => ({ ...stats })),
      },
    };
  },
});
