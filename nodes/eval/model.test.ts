import { beforeAll, describe, expect, it } from 'vitest';
import { columnNames, columnValues, probabilityColumn, SPLIT_COLUMN, type DataTable, type ModelValue, type Table } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import scaleNode from '../feature/scale.js';
import { cars, csvText, evaluate, featurize, load, penguinLines, PENGUINS, split, train } from '../train/test-support/ml.js';
import evalNode from './model.js';

const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];
const CLASSIFICATION_METRICS = ['accuracy', 'precisionMacro', 'recallMacro', 'f1Macro', 'rocAuc', 'logLoss'];
const evalContext = () => createTestContext({ nodeId: 'eval', nodeType: 'eval.model' });
const numbers = (table: Table, name: string) => columnValues(table, name, name) as number[];

let raw: DataTable; // penguins with a split column, no recipe
let featured: DataTable; // raw through impute → encode → scale
let classifier: ModelValue;
let carsRaw: DataTable;
let regressor: ModelValue;

beforeAll(async () => {
  raw = await split(await load(PENGUINS), createTestContext(), { stratifyBy: 'species', seed: 1 });
  featured = await featurize(raw, 'species', createTestContext());
  classifier = (await train(featured, { target: 'species', hiddenLayers: [32], epochs: 60, seed: 1 }, createTestContext({ nodeId: 'train' }))).model;
  carsRaw = await split(await cars(createTestContext()), createTestContext(), { seed: 2 });
  regressor = (await train(await featurize(carsRaw, 'Miles_per_Gallon', createTestContext()), { target: 'Miles_per_Gallon', hiddenLayers: [32], epochs: 100, seed: 1 }, createTestContext())).model;
});

describe('eval.model node', () => {
  it('declares its ports and a split param defaulting to test', () => {
    expect(evalNode.type).toBe('eval.model');
    expect(evalNode.inputs.model.type).toBe('model');
    expect(evalNode.inputs.table.type).toBe('table');
    expect(evalNode.outputs.metrics.type).toBe('metrics');
    expect(evalNode.outputs.predictions.type).toBe('table');
    expect(evalNode.params.parse({})).toEqual({ split: 'test' });
    expect(evalNode.params.safeParse({ split: 'holdout' }).success).toBe(false);
    for (const field of Object.values(evalNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('scores a classifier on the test rows: every metric finite, predictions with probabilities summing to 1', async () => {
    const ctx = evalContext();
    const { metrics, predictions } = await evaluate(classifier, featured, ctx);
    expect(ctx.metrics.map((metric) => metric.name)).toEqual(CLASSIFICATION_METRICS);
    for (const metric of ctx.metrics) {
      expect(Number.isFinite(metric.value), metric.name).toBe(true);
      expect(metrics[metric.name]).toBe(metric.value);
    }
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(metrics.rocAuc).toBeGreaterThan(0.95);
    expect(metrics.logLoss).toBeGreaterThan(0);
    expect(metrics).toMatchObject({ split: 'test', rows: 69, confusionMatrix: { labels: CLASSES } });
    expect(ctx.backends).toHaveLength(1);
    expect(ctx.logs).toContainEqual({ level: 'info', message: `accuracy ${((metrics.accuracy as number) * 100).toFixed(1)}% on 69 test rows` });

    // The test rows with their original values (scaling and onehot undone), plus prediction and one probability column per class.
    const table = predictions.table;
    expect(table.numRows).toBe(69);
    expect(columnNames(table)).toEqual([...columnNames(raw.table), 'prediction', ...CLASSES.map(probabilityColumn)]);
    expect(predictions.recipe).toEqual([]);
    expect(new Set(columnValues(table, SPLIT_COLUMN, 'x'))).toEqual(new Set(['test']));
    const probabilities = CLASSES.map((label) => numbers(table, probabilityColumn(label)));
    const predicted = columnValues(table, 'prediction', 'x');
    const truth = columnValues(table, 'species', 'x');
    let correct = 0;
    for (let row = 0; row < table.numRows; row++) {
      const p = probabilities.map((column) => column[row]!);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.every((value) => value >= 0 && value <= 1)).toBe(true);
      expect(predicted[row]).toBe(CLASSES[p.indexOf(Math.max(...p))]);
      if (predicted[row] === truth[row]) correct++;
    }
    expect(correct / 69).toBe(metrics.accuracy);
    // The confusion matrix accounts for every row.
    const matrix = (metrics.confusionMatrix as { matrix: number[][] }).matrix;
    expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(69);
  });

  it('shows the original values of the featured table beside the predictions: scaling and onehot undone, imputed cells named', async () => {
    const ctx = evalContext();
    const { predictions } = await evaluate(classifier, featured, ctx);
    const testRows = (columnValues(raw.table, SPLIT_COLUMN, 'x') as string[]).flatMap((role, row) => (role === 'test' ? [row] : []));
    let compared = 0;
    for (const name of columnNames(raw.table)) {
      const before = columnValues(raw.table, name, name);
      const shown = columnValues(predictions.table, name, name);
      testRows.forEach((row, k) => {
        // A missing cell shows what feature.impute filled in; every other cell is the value read from the CSV.
        if (before[row] === null) return expect(shown[k], `${name} row ${row}`).not.toBeNull();
        expect(shown[k], `${name} row ${row}`).toEqual(before[row]);
        compared++;
      });
    }
    expect(compared).toBeGreaterThan(69 * 8);
    // Not the scaled values the model read: a bill is some 40 mm long, not about 0.
    expect(Math.min(...numbers(predictions.table, 'bill_length_mm'))).toBeGreaterThan(30);
    expect(columnNames(predictions.table).some((name) => name.includes('='))).toBe(false);
    const messages = ctx.logs.map((log) => log.message);
    expect(messages).toContain('predictions show original values of 7 columns (scaling and encoding undone)');
    expect(messages).toContainEqual(expect.stringMatching(/^predictions show .*'sex'.* as the recipe left them: missing values filled in by 'impute'$/));
  });

  it('gives the same scores for raw rows (the model applies its recipe) as for the featured table', async () => {
    const fromFeatured = await evaluate(classifier, featured, evalContext());
    const fromRaw = await evaluate(classifier, raw, evalContext());
    for (const name of CLASSIFICATION_METRICS) expect(fromRaw.metrics[name], name).toBeCloseTo(fromFeatured.metrics[name] as number, 6);
    expect(fromRaw.metrics.confusionMatrix).toEqual(fromFeatured.metrics.confusionMatrix);
    // Raw rows are shown raw: island is still text.
    expect(columnValues(fromRaw.predictions.table, 'island', 'x')).toContain('Biscoe');
    expect(fromRaw.predictions.recipe).toEqual([]);
    for (const label of CLASSES) {
      const a = numbers(fromRaw.predictions.table, probabilityColumn(label));
      const b = numbers(fromFeatured.predictions.table, probabilityColumn(label));
      a.forEach((value, row) => expect(value).toBeCloseTo(b[row]!, 6));
    }
  });

  it('scores the rows of another split, or all of them', async () => {
    const trained = await evaluate(classifier, featured, evalContext(), { split: 'train' });
    expect(trained.metrics).toMatchObject({ split: 'train', rows: 275 });
    expect(trained.metrics.accuracy).toBeGreaterThan(0.95);
    const all = await evaluate(classifier, featured, evalContext(), { split: 'all' });
    expect(all.metrics.rows).toBe(344);
    expect(all.predictions.table.numRows).toBe(344);
  });

  it('scores every row, with a warning, when the table has no split column', async () => {
    const ctx = evalContext();
    const { metrics } = await evaluate(classifier, await load(PENGUINS), ctx);
    expect(metrics.rows).toBe(344);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: 'the table has no split column: scoring all 344 rows (add data.split to keep test rows unseen by training)' });
  });

  it('scores a regressor: rmse, mae and r2 finite and consistent with the predictions; unlabelled rows skipped', async () => {
    const ctx = evalContext();
    const { metrics, predictions } = await evaluate(regressor, carsRaw, ctx);
    expect(ctx.metrics.map((metric) => metric.name)).toEqual(['rmse', 'mae', 'r2']);
    for (const metric of ctx.metrics) expect(Number.isFinite(metric.value), metric.name).toBe(true);
    expect(metrics.r2).toBeGreaterThan(0.75);
    const table = predictions.table;
    expect(columnNames(table)).toEqual([...columnNames(carsRaw.table), 'prediction']);
    const truth = numbers(table, 'Miles_per_Gallon');
    const predicted = numbers(table, 'prediction');
    expect(truth.every(Number.isFinite)).toBe(true);
    const squares = truth.reduce((sum, value, row) => sum + (value - predicted[row]!) ** 2, 0);
    expect(Math.sqrt(squares / truth.length)).toBeCloseTo(metrics.rmse as number, 6);
    expect(truth.reduce((sum, value, row) => sum + Math.abs(value - predicted[row]!), 0) / truth.length).toBeCloseTo(metrics.mae as number, 6);
    // Some test cars have no MPG: they are left out with a warning.
    const roles = columnValues(carsRaw.table, SPLIT_COLUMN, 'x');
    const mpg = columnValues(carsRaw.table, 'Miles_per_Gallon', 'x');
    const unlabelled = roles.filter((role, row) => role === 'test' && mpg[row] === null).length;
    expect(metrics.rows).toBe(roles.filter((role) => role === 'test').length - unlabelled);
    expect(unlabelled).toBeGreaterThan(0);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: `${unlabelled} rows have no 'Miles_per_Gallon' label and are not scored` });
  });

  it('keeps the target’s type: a boolean label predicts booleans, a 0/1 number label numbers', async () => {
    const lines = penguinLines();
    const withLabel = async (name: string, label: (line: string) => string) =>
      split(await csvText(lines.map((line, k) => `${line},${k === 0 ? name : label(line)}`).join('\n') + '\n'), createTestContext(), { stratifyBy: name, seed: 1 });
    const checks: { table: DataTable; type: string; values: (boolean | number)[] }[] = [
      { table: await withLabel('gentoo', (line) => String(line.startsWith('Gentoo'))), type: 'Bool', values: [false, true] },
      { table: await withLabel('gentoo', (line) => (line.startsWith('Gentoo') ? '1' : '0')), type: 'Float64', values: [0, 1] },
    ];
    for (const { table, type, values } of checks) {
      const trained = await train(table, { target: 'gentoo', hiddenLayers: [16], epochs: 30 }, createTestContext());
      expect(trained.metrics.task).toBe('classification');
      const { metrics, predictions } = await evaluate(trained.model, table, evalContext());
      expect(metrics.accuracy).toBeGreaterThan(0.95);
      expect(metrics.rocAuc).toBeGreaterThan(0.95);
      expect(String(predictions.table.schema.fields.find((field) => field.name === 'prediction')!.type)).toBe(type);
      expect(columnNames(predictions.table).slice(-2)).toEqual(values.map((value) => probabilityColumn(String(value))));
      expect(new Set(columnValues(predictions.table, 'prediction', 'x'))).toEqual(new Set<unknown>(values));
    }
  });

  describe('refuses', () => {
    it('a table without the target', async () => {
      const lines = penguinLines().map((line) => line.slice(line.indexOf(',') + 1));
      const unlabelled = await csvText(lines.join('\n') + '\n');
      const error = await expectNodeError(evaluate(classifier, unlabelled, evalContext(), { split: 'all' }));
      expect(error.field).toBe('table');
      expect(error.message).toBe("the table has no 'species' column, so there is nothing to compare the predictions with (use predict.batch for unlabelled rows)");
    });

    it('a split with no rows, naming the split', async () => {
      const error = await expectNodeError(evaluate(classifier, featured, evalContext(), { split: 'validation' }));
      expect(error.field).toBe('split');
      expect(error.message).toBe("the table has no 'validation' rows; give data.split a validation share or pick another split");
      const noTest = await split(await load(PENGUINS), createTestContext(), { test: 0 });
      expect((await expectNodeError(evaluate(classifier, noTest, evalContext()))).message).toContain("no 'test' rows");
    });

    it('a table missing a feature column, naming it', async () => {
      const lines = penguinLines();
      const column = lines[0]!.split(',').indexOf('flipper_length_mm');
      const without = lines.map((line) => line.split(',').filter((_, k) => k !== column).join(','));
      const error = await expectNodeError(evaluate(classifier, await csvText(without.join('\n') + '\n'), evalContext(), { split: 'all' }));
      expect(error.field).toBe('table');
      expect(error.message).toBe("column 'flipper_length_mm' is missing; node 'impute' (feature.impute) was fitted with it");
    });

    it('a table that went through different feature steps: a recipe mismatch', async () => {
      const ctx = createTestContext({ nodeId: 'other-scale', nodeType: 'feature.scale' });
      const other = (await scaleNode.run({ inputs: { table: raw }, params: scaleNode.params.parse({ target: 'species', method: 'minmax' }) }, ctx)).table;
      const error = await expectNodeError(evaluate(classifier, other, evalContext()));
      expect(error.field).toBe('table');
      expect(error.message).toBe(
        'the table went through feature steps other-scale (feature.scale), but the model was trained after impute (feature.impute) → encode (feature.encode) → scale (feature.scale); connect raw rows (the model applies its own recipe) or the output of the same feature nodes',
      );
    });

    it('a folder that is not a model bundle', async () => {
      const error = await expectNodeError(evaluate({ dir: createTestContext().workspace.root }, featured, evalContext()));
      expect(error.message).toContain("cannot read the model bundle's bundle.json");
    });
  });
});
