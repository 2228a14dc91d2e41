import {
  CLASSIFICATION_METRICS,
  defineNode,
  float64Column,
  isRange,
  metricTask,
  port,
  REGRESSION_METRICS,
  spaceProblems,
  stringColumn,
  tableFromColumns,
  TUNE_METRICS,
  TUNE_STRATEGIES,
  tuneDense,
  z,
  type Json,
  type SearchSpace,
  type TrialSummary,
  type TuneResult,
} from '../../core/sdk/index.js';
import dense from './dense.js';

const VERSION = 1;
/** The numbers the metrics output may carry (a registry gate downstream is checked against them). */
const METRICS_KEYS = [
  ...[...CLASSIFICATION_METRICS, ...REGRESSION_METRICS].flatMap((name) => [name, `${name}_std`]),
  ...['bestTrial', 'trials', 'trialsFailed', 'threads', 'epochs', 'bestEpoch', 'trainRows', 'validationRows'],
];
const denseParams = dense.params.shape;

/** train.dense's verdict on one value of its param, as a phrase ("must be at least 1 (got 0)"). */
function denseVerdict(param: string, value: unknown): string | undefined {
  const schema = denseParams[param as keyof typeof denseParams];
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0]!;
  const got = ` (got ${JSON.stringify(value) ?? String(value)})`;
  const item = issue.path.length > 0 ? 'has an item that ' : '';
  switch (issue.code) {
    case 'too_small':
      return `${item}must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}${got}`;
    case 'too_big':
      return `${item}must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}${got}`;
    case 'invalid_type':
      return `${item}must be ${issue.expected === 'int' ? 'a whole number' : `a${/^[aeiou]/.test(issue.expected) ? 'n' : ''} ${issue.expected}`}${got}`;
    case 'invalid_value':
      return `${item}must be one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}${got}`;
    default:
      return `is not a valid ${param}${got}`;
  }
}

const space = z
  .record(z.string(), z.unknown())
  .superRefine((value, issues) => {
    for (const problem of spaceProblems(value, denseVerdict)) issues.addIssue({ code: 'custom', path: problem.param === '' ? [] : [problem.param], message: problem.message });
  })
  .default({ learningRate: { min: 0.0001, max: 0.01, log: true }, hiddenLayers: [[32], [64, 32], [128, 64]] })
  .describe(
    'train.dense params to search: a list of values to try ({ "hiddenLayers": [[32], [64, 32]] }), or a range to draw from ({ "learningRate": { "min": 0.0001, "max": 0.01, "log": true } }; "integer": true for whole numbers). Params left out of the space keep the value this node sets for them',
  );

export default defineNode({
  type: 'train.tune',
  version: VERSION,
  category: 'train',
  title: 'Hyperparameter search',
  description:
    'Searches train.dense’s params (random, grid, TPE or successive halving), scoring each trial by k-fold cross-validation on the train rows or on the split’s validation rows; every trial is kept as a child run, and the best params are trained on all the train rows into the model.',
  // Dozens of trainings: a worker thread keeps the app responsive and cancel immediate.
  worker: true,
  module: import.meta.url,
  inputs: { table: port('table', { description: 'Rows to learn from, as train.dense takes them: the split column picks the train rows (cross-validated) and validation rows (early stopping; scoring with folds 0).' }) },
  outputs: {
    model: port('model', { description: 'The best params trained on all the train rows: the same bundle train.dense writes.' }),
    params: port('metrics', { description: 'The best trial’s full train.dense params (paste them into a train.dense node).' }),
    metrics: port('metrics', {
      description: 'The best cross-validated score (mean and std over the folds) and the others of its trial, the best trial, trials run and failed, and the final training’s summary.',
      keys: METRICS_KEYS,
    }),
    trials: port('table', { description: 'One row per trial: its number, status, each searched param, the metric (mean and std over folds), epochs trained, seconds, and the error of a failed one.' }),
  },
  params: z
    .object({
      ...denseParams,
      epochs: denseParams.epochs.describe('Most passes over the training rows of each trial (halving: the budget of its last round)'),
      seed: denseParams.seed.describe('Random seed of the trials drawn, the folds and every trial’s training: the same seed, data and backend give the same trials'),
      space,
      strategy: z
        .enum(TUNE_STRATEGIES)
        .default('random')
        .describe('random: draws from the space; grid: every combination of the lists; tpe: a model of the good trials proposes the next (Tree-structured Parzen Estimator); halving: every trial with few epochs, then the best third with three times as many, up to epochs'),
      trials: z.number().int().min(1).max(1000).default(16).describe('Trials to run (grid: at most this many of its combinations; halving: configurations in the first round)'),
      metric: z.enum(TUNE_METRICS).default('auto').describe('Score to optimise on the held-out rows (auto: accuracy for classes, r2 for values)'),
      direction: z.enum(['auto', 'max', 'min']).default('auto').describe('Whether a higher or lower metric is better (auto: lower for logLoss, rmse and mae)'),
      folds: z
        .number()
        .int()
        .min(0)
        .max(20)
        .refine((value) => value !== 1, { message: "must be 0 (score on the split's validation rows) or 2 and up (got 1)" })
        .default(5)
        .describe('k-fold cross-validation on the train rows, stratified for classes (0: score on the split’s validation rows instead)'),
      parallel: z.number().int().min(1).max(256).default(1).describe('Folds trained at once, each in a worker thread (at most the cores; tpe proposes this many trials per round)'),
    })
    .superRefine((params, issues) => {
      const searched = params.space as Record<string, unknown>;
      for (const [name, spec] of Object.entries(searched)) {
        if (params.strategy === 'grid' && isRange(spec)) {
          issues.addIssue({ code: 'custom', path: ['space', name], message: 'is a range, but the grid strategy tries lists: list the values to try (or use strategy random or tpe)' });
        }
      }
      if (params.strategy === 'halving' && 'epochs' in searched) {
        issues.addIssue({ code: 'custom', path: ['space', 'epochs'], message: 'cannot be searched with halving, which sets each round’s epochs itself (up to the node’s epochs)' });
      }
      if (params.metric !== 'auto' && params.task !== 'auto' && metricTask(params.metric) !== params.task) {
        issues.addIssue({ code: 'custom', path: ['metric'], message: `scores ${metricTask(params.metric)}, but task is '${params.task}'` });
      }
    }),
  async run({ inputs, params }, ctx) {
    const { space: searchSpace, strategy, trials, metric, direction, folds, parallel, ...base } = params;
    const dir = ctx.artifacts.tempPath('model');
    const result = await tuneDense(
      inputs.table,
      { base, space: searchSpace as SearchSpace, strategy, trials, metric, direction, folds, parallel },
      {
        signal: ctx.signal,
        nodeId: ctx.nodeId,
        nodeType: ctx.nodeType,
        nodeVersion: VERSION,
        log: (message, level) => ctx.log(message, level),
        metric: (name, value, step) => ctx.metric(name, value, step),
        progress: (fraction, message) => ctx.progress(fraction, message),
        usedBackend: (name) => ctx.usedBackend(name),
        recordTrial: (trial) => ctx.trials.record(trial),
      },
      dir,
    );
    const failed = result.trials.filter((trial) => trial.status === 'failed').length;
    ctx.metric(`best_${result.metric}`, result.best.score);
    ctx.metric('trials', result.trials.length);
    ctx.metric('trials_failed', failed);
    return {
      model: { dir },
      params: { ...(result.bestParams as unknown as Record<string, Json>) },
      metrics: summary(result, strategy, failed),
      trials: { table: trialsTable(result), recipe: [] },
    };
  },
});

function summary(result: TuneResult, strategy: string, failed: number): Record<string, Json> {
  const { best, metric } = result;
  const final = result.model.summary;
  return {
    ...best.scores,
    [metric]: best.score,
    [`${metric}_std`]: best.std,
    metric,
    direction: result.direction,
    strategy,
    scoredOn: result.folds > 1 ? `${result.folds}-fold cross-validation on the train rows` : "the split's validation rows",
    bestTrial: best.trial,
    bestParams: best.params,
    trials: result.trials.length,
    trialsFailed: failed,
    threads: result.threads,
    task: result.task,
    // The model trained with the best params on all the train rows.
    epochs: final.epochs ?? null,
    bestEpoch: final.bestEpoch ?? null,
    trainRows: final.trainRows ?? null,
    validationRows: final.validationRows ?? null,
    backend: final.backend ?? null,
  };
}

function trialsTable(result: TuneResult) {
  const rows = result.trials;
  const columns: Record<string, ReturnType<typeof float64Column> | ReturnType<typeof stringColumn>> = {
    trial: float64Column(rows.map((trial) => trial.trial)),
    status: stringColumn(rows.map((trial) => trial.status)),
  };
  if (rows.some((trial) => trial.rung !== undefined)) {
    columns.rung = float64Column(rows.map((trial) => trial.rung ?? NaN));
    columns.epochs = float64Column(rows.map((trial) => trial.budget ?? NaN));
  }
  for (const name of result.searched) {
    const values = rows.map((trial) => trial.params[name]);
    columns[name] = values.every((value) => typeof value === 'number')
      ? float64Column(values as number[])
      : stringColumn(values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))));
  }
  const column = (pick: (trial: TrialSummary) => number) => float64Column(rows.map(pick));
  columns[result.metric] = column((trial) => trial.score);
  columns[`${result.metric}_std`] = column((trial) => trial.std);
  columns.epochs_trained = column((trial) => trial.epochs);
  columns.seconds = column((trial) => trial.seconds);
  columns.error = stringColumn(rows.map((trial) => trial.error ?? null));
  return tableFromColumns(columns);
}
