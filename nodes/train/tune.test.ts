import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, columnNames, columnValues, type DataTable, type ModelBundle, type TrialRecord } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import tuneNode from './tune.js';
import { evaluate, load, PENGUINS, split } from './test-support/ml.js';

const context = (nodeId = 'tune') => createTestContext({ nodeId, nodeType: 'train.tune' });
/** Small and quick: a tiny network, a few epochs, a few trials. */
const QUICK = { target: 'species', hiddenLayers: [8], epochs: 4, batchSize: 64, trials: 3, folds: 3, seed: 3 };
const SPACE = { learningRate: { min: 0.001, max: 0.05, log: true }, hiddenLayers: [[4], [8]] };

let penguins: DataTable;
let withValidation: DataTable;
beforeAll(async () => {
  const table = await load(PENGUINS);
  penguins = await split(table, createTestContext(), { stratifyBy: 'species', seed: 1 });
  withValidation = await split(table, createTestContext(), { stratifyBy: 'species', validation: 0.2, seed: 1 });
});

async function tune(input: DataTable, params: Record<string, unknown>, ctx: TestContext = context()) {
  return tuneNode.run({ inputs: { table: input }, params: tuneNode.params.parse({ ...QUICK, space: SPACE, ...params }) }, ctx);
}

/** A trial record without its clock times, to compare two searches. */
const timeless = ({ startedAt: _s, finishedAt: _f, metrics: { seconds: _seconds, ...metrics }, ...rest }: TrialRecord) => ({ ...rest, metrics });

/** `param 'space.x' …` as the pipeline validator reports it: the path and message of each problem. */
function problems(params: Record<string, unknown>): { path: string; message: string }[] {
  const parsed = tuneNode.params.safeParse({ target: 'species', ...params });
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('train.tune node', () => {
  it('declares a worker node with described params, train.dense’s params among them, and four outputs', () => {
    expect(tuneNode.type).toBe('train.tune');
    expect(tuneNode.worker).toBe(true);
    expect(tuneNode.inputs.table.type).toBe('table');
    expect(Object.fromEntries(Object.entries(tuneNode.outputs).map(([name, spec]) => [name, spec.type]))).toEqual({ model: 'model', params: 'metrics', metrics: 'metrics', trials: 'table' });
    expect(tuneNode.params.parse({ target: 'y' })).toMatchObject({
      target: 'y', hiddenLayers: [64, 32], learningRate: 0.001, epochs: 200, seed: 0,
      strategy: 'random', trials: 16, metric: 'auto', direction: 'auto', folds: 5, parallel: 1,
      space: { learningRate: { min: 0.0001, max: 0.01, log: true }, hiddenLayers: [[32], [64, 32], [128, 64]] },
    });
    for (const [name, field] of Object.entries(tuneNode.params.shape)) expect(field.description, name).toBeTruthy();
  });

  it('refuses a bad search space before the run, naming the param in the space', () => {
    expect(problems({ space: { hiddenLayers: [] } })).toEqual([{ path: 'space.hiddenLayers', message: 'is an empty list; give at least one value to try' }]);
    expect(problems({ space: { learningRate: { min: 0.1, max: 0.01 } } })).toEqual([{ path: 'space.learningRate', message: 'has min 0.1 above max 0.01' }]);
    expect(problems({ space: { learningrate: [0.1] } })).toEqual([
      { path: 'space.learningrate', message: expect.stringMatching(/^is not a param of train\.dense; the params a search can vary: hiddenLayers, activation, dropout, optimizer, learningRate, /) },
    ]);
    // Values train.dense would refuse are refused in the space, with train.dense's limits.
    expect(problems({ space: { dropout: { min: 0, max: 0.95 } } })).toEqual([{ path: 'space.dropout', message: 'max must be at most 0.9 (got 0.95)' }]);
    expect(problems({ space: { activation: ['relu', 'gelu'] } })).toEqual([{ path: 'space.activation', message: 'value 2 of the list must be one of "relu", "tanh", "sigmoid", "elu" (got "gelu")' }]);
    expect(problems({ space: { hiddenLayers: { min: 1, max: 3 } } })).toEqual([{ path: 'space.hiddenLayers', message: 'is a range, but hiddenLayers takes a list of the values to try' }]);
    expect(problems({ space: { learningRate: { min: 0, max: 0.1, log: true } } })).toEqual([{ path: 'space.learningRate', message: 'min must be above 0 (got 0)' }]);
    expect(problems({ space: { hiddenLayers: [[8], [0]] } })).toEqual([{ path: 'space.hiddenLayers', message: 'value 2 of the list has an item that must be at least 1 (got [0])' }]);
    expect(problems({ space: { target: ['x'] } })[0]).toMatchObject({ path: 'space.target', message: expect.stringMatching(/^cannot be searched/) });
    expect(problems({ space: {} })).toEqual([{ path: 'space', message: expect.stringMatching(/^names no param to search/) }]);
    // Rules between params: grid needs lists, halving owns epochs, the metric must fit the task.
    expect(problems({ strategy: 'grid', space: SPACE })).toEqual([{ path: 'space.learningRate', message: expect.stringMatching(/^is a range, but the grid strategy tries lists/) }]);
    expect(problems({ strategy: 'halving', space: { epochs: [5, 10] } })).toEqual([{ path: 'space.epochs', message: expect.stringMatching(/^cannot be searched with halving/) }]);
    expect(problems({ task: 'classification', metric: 'rmse' })).toEqual([{ path: 'metric', message: "scores regression, but task is 'classification'" }]);
    expect(problems({ folds: 1 })[0]!.path).toBe('folds');
    expect(problems({ space: SPACE })).toEqual([]);
  });

  it('random search: every trial recorded with its params and scores, a trials table, the best params trained into a working model', async () => {
    const ctx = context();
    const out = await tune(penguins, {}, ctx);

    // Each trial: a child run with its full train.dense params, the searched ones varied, and its cross-validated scores.
    expect(ctx.trialRecords.map((record) => record.trial).sort()).toEqual([1, 2, 3]);
    for (const record of ctx.trialRecords) {
      expect(record).toMatchObject({ status: 'succeeded', nodeType: 'train.dense', searched: ['hiddenLayers', 'learningRate'] });
      expect(record.params).toMatchObject({ target: 'species', epochs: 4, batchSize: 64, seed: 3, activation: 'relu' });
      expect([[4], [8]]).toContainEqual(record.params.hiddenLayers);
      expect(record.params.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(record.params.learningRate).toBeLessThanOrEqual(0.05);
      expect(record.metrics.accuracy).toBeGreaterThan(0);
      expect(record.metrics.accuracy).toBeLessThanOrEqual(1);
      expect(Object.keys(record.metrics)).toEqual(expect.arrayContaining(['accuracy', 'accuracy_std', 'f1Macro', 'logLoss', 'rocAuc', 'epochs', 'seconds', 'folds']));
      expect(record.metrics.folds).toBe(3);
      expect(record.backend).toBeTruthy();
    }

    // The trials table: one row per trial in trial order, the searched params as columns.
    const table = out.trials.table;
    expect(columnNames(table)).toEqual(['trial', 'status', 'hiddenLayers', 'learningRate', 'accuracy', 'accuracy_std', 'epochs_trained', 'seconds', 'error']);
    expect(columnValues(table, 'trial', 'trial')).toEqual([1, 2, 3]);
    expect(columnValues(table, 'status', 'status')).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const byTrial = new Map(ctx.trialRecords.map((record) => [record.trial, record]));
    expect(columnValues(table, 'accuracy', 'accuracy')).toEqual([1, 2, 3].map((trial) => byTrial.get(trial)!.metrics.accuracy));
    expect(columnValues(table, 'hiddenLayers', 'hiddenLayers')).toEqual([1, 2, 3].map((trial) => JSON.stringify(byTrial.get(trial)!.params.hiddenLayers)));

    // The best: the highest mean accuracy; its params are the model's and the params output.
    const scores = ctx.trialRecords.map((record) => record.metrics.accuracy!);
    const best = ctx.trialRecords.find((record) => record.metrics.accuracy === Math.max(...scores))!;
    expect(out.metrics).toMatchObject({ metric: 'accuracy', direction: 'max', strategy: 'random', accuracy: best.metrics.accuracy, trials: 3, trialsFailed: 0, threads: 1, task: 'classification' });
    expect(out.params).toEqual(best.params);
    // Every number it carries is declared on the port, so a registry gate downstream is checked before the run.
    const numbers = Object.entries(out.metrics).filter(([, value]) => typeof value === 'number').map(([name]) => name);
    expect(tuneNode.outputs.metrics.keys).toEqual(expect.arrayContaining(numbers));
    expect(ctx.metrics).toContainEqual({ name: 'best_accuracy', value: best.metrics.accuracy, step: undefined });
    expect(ctx.metrics).toContainEqual({ name: 'trials', value: 3, step: undefined });
    expect(ctx.metrics.filter((metric) => metric.name === 'trial_accuracy').map((metric) => metric.step).sort()).toEqual([1, 2, 3]);
    const bundle = JSON.parse(readFileSync(join(out.model.dir, BUNDLE_FILE), 'utf8')) as ModelBundle;
    expect(bundle.training.options).toEqual(best.params);
    expect(bundle.lineage).toMatchObject({ nodeId: 'tune', nodeType: 'train.tune', nodeVersion: 1 });
    expect(bundle.network.hiddenLayers).toEqual(best.params.hiddenLayers);
    // The model is a train.dense bundle: eval.model scores it on the test rows.
    const { metrics: test } = await evaluate(out.model, penguins, createTestContext({ nodeType: 'eval.model' }));
    expect(test.rows).toBe(69);
    expect(test.accuracy).toBeGreaterThan(0.3);
    expect(ctx.logs.map((log) => log.message)).toContainEqual(expect.stringMatching(/^3-fold cross-validation \(stratified\) on 275 train rows; metric accuracy \(max\)$/));
  });

  it('the same seed gives the same trials (params and scores); another seed draws others', async () => {
    const a = context();
    const b = context();
    const c = context();
    const outA = await tune(penguins, { trials: 2 }, a);
    const outB = await tune(penguins, { trials: 2 }, b);
    await tune(penguins, { trials: 2, seed: 4 }, c);
    expect(b.trialRecords.map(timeless)).toEqual(a.trialRecords.map(timeless));
    expect(outB.params).toEqual(outA.params);
    expect(readFileSync(join(outB.model.dir, 'weights.bin')).equals(readFileSync(join(outA.model.dir, 'weights.bin')))).toBe(true);
    expect(c.trialRecords.map((record) => record.params.learningRate)).not.toEqual(a.trialRecords.map((record) => record.params.learningRate));
  });

  it('parallel: folds train in worker threads and give exactly the trials one thread gives', async () => {
    const one = context();
    const two = context();
    const params = { trials: 2, folds: 2, space: { learningRate: { min: 0.001, max: 0.05, log: true } } };
    const outOne = await tune(penguins, params, one);
    const outTwo = await tune(penguins, { ...params, parallel: 2 }, two);
    expect(outTwo.metrics.threads).toBe(Math.min(2, availableParallelism()));
    const byTrial = (records: TrialRecord[]) => [...records].sort((a, b) => a.trial - b.trial).map(timeless);
    expect(byTrial(two.trialRecords)).toEqual(byTrial(one.trialRecords));
    expect(outTwo.params).toEqual(outOne.params);
  }, 60_000);

  it('grid tries every combination once; tpe and halving run their rounds within the space', async () => {
    const grid = context();
    const out = await tune(penguins, { strategy: 'grid', trials: 10, folds: 2, space: { hiddenLayers: [[4], [8]], activation: ['relu', 'tanh'] } }, grid);
    // Params in name order, the last varying fastest.
    expect(columnValues(out.trials.table, 'activation', 'activation')).toEqual(['relu', 'relu', 'tanh', 'tanh']);
    expect(columnValues(out.trials.table, 'hiddenLayers', 'hiddenLayers')).toEqual(['[4]', '[8]', '[4]', '[8]']);
    expect(grid.logs.map((log) => log.message)).toContainEqual('grid: 4 combinations');

    const tpe = context();
    await tune(penguins, { strategy: 'tpe', trials: 5, folds: 2, space: { learningRate: { min: 0.001, max: 0.05, log: true } } }, tpe);
    const rates = tpe.trialRecords.map((record) => record.params.learningRate as number);
    expect(rates).toHaveLength(5);
    for (const rate of rates) expect(rate >= 0.001 && rate <= 0.05).toBe(true);
    expect(new Set(rates).size).toBe(5);

    // Halving: 4 configurations with 4/3 → 1 epoch, then the best one with all 4 epochs.
    const halving = context();
    const halved = await tune(penguins, { strategy: 'halving', trials: 4, folds: 2 }, halving);
    expect(columnValues(halved.trials.table, 'rung', 'rung')).toEqual([0, 0, 0, 0, 1]);
    expect(columnValues(halved.trials.table, 'epochs', 'epochs')).toEqual([1, 1, 1, 1, 4]);
    const firstRound = halving.trialRecords.filter((record) => record.metrics.rung === 0);
    const winner = [...firstRound].sort((x, y) => y.metrics.accuracy! - x.metrics.accuracy! || x.trial - y.trial)[0]!;
    const last = halving.trialRecords.find((record) => record.metrics.rung === 1)!;
    expect({ ...last.params, epochs: 1 }).toEqual(winner.params);
    expect(halved.metrics).toMatchObject({ bestTrial: 5, epochs: 4 });
  });

  it('folds 0 scores each trial on the split’s validation rows, and needs them', async () => {
    const ctx = context();
    const out = await tune(withValidation, { folds: 0, trials: 2 }, ctx);
    expect(out.metrics.scoredOn).toBe("the split's validation rows");
    expect(ctx.trialRecords.every((record) => record.metrics.folds === 1 && record.metrics.accuracy_std === 0)).toBe(true);
    expect(ctx.logs.map((log) => log.message)).toContainEqual(expect.stringMatching(/^each trial trains on \d+ train rows and is scored on the split's \d+ validation rows/));
    const error = await expectNodeError(tune(penguins, { folds: 0 }));
    expect(error.field).toBe('folds');
    expect(error.message).toMatch(/^folds 0 scores each trial on the split's validation rows, and there are none/);
  });

  it('reports bad input as errors naming the field: a missing target, a metric for the other task, too many folds', async () => {
    expect((await expectNodeError(tune(penguins, { target: 'nope' }))).field).toBe('target');
    const metric = await expectNodeError(tune(penguins, { metric: 'rmse' }));
    expect(metric.field).toBe('metric');
    expect(metric.message).toBe("metric 'rmse' scores regression, but 'species' is a classification target; pick one of the classification metrics or leave metric on auto");
    const tiny = { table: penguins.table.slice(0, 30), recipe: [] };
    const folds = await expectNodeError(tune(tiny, { folds: 20 }));
    expect(folds.field).toBe('folds');
  });

  it('a trial that fails is kept as failed and the search goes on (a regression, scored by r2)', async () => {
    const ctx = context();
    // A learning rate of 10 with SGD diverges; 0.01 trains.
    const out = await tune(penguins, { target: 'body_mass_g', strategy: 'grid', optimizer: 'sgd', epochs: 5, space: { learningRate: [10, 0.01] } }, ctx);
    expect(out.metrics).toMatchObject({ metric: 'r2', direction: 'max', task: 'regression' });
    expect(Object.keys(ctx.trialRecords.find((record) => record.trial === 2)!.metrics)).toEqual(expect.arrayContaining(['r2', 'r2_std', 'rmse', 'mae']));
    expect(columnValues(out.trials.table, 'status', 'status')).toEqual(['failed', 'succeeded']);
    expect(columnValues(out.trials.table, 'error', 'error')[0]).toMatch(/^training diverged/);
    expect(ctx.trialRecords.find((record) => record.trial === 1)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^training diverged/) });
    expect(out.metrics).toMatchObject({ bestTrial: 2, trialsFailed: 1 });
  });

  it('cancel stops the remaining trials and keeps the finished ones', async () => {
    const ctx = context();
    const record = ctx.trials.record;
    // Cancel as soon as the first trial is recorded.
    (ctx.trials as { record: typeof record }).record = async (trial) => {
      const id = await record(trial);
      ctx.abort.abort(new Error('cancelled'));
      return id;
    };
    await expect(tune(penguins, { trials: 3 }, ctx)).rejects.toThrow('cancelled');
    expect(ctx.trialRecords.map((trial) => trial.trial)).toEqual([1]);
    expect(ctx.trialRecords[0]!.status).toBe('succeeded');
  });
});
