import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_CHAIN, BUNDLE_FILE, columnNames, columnValues, loadBackend, readCsv, type DataTable, type ModelBundle, type ModelValue } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import encodeNode from '../feature/encode.js';
import scaleNode from '../feature/scale.js';
import denseNode from './dense.js';
import { cars, csvText, evaluate, load, penguinLines, PENGUINS, plant, split, train, WEATHER } from './test-support/ml.js';

const context = (nodeId = 'train') => createTestContext({ nodeId, nodeType: 'train.dense' });
const bundleOf = (model: ModelValue) => JSON.parse(readFileSync(join(model.dir, BUNDLE_FILE), 'utf8')) as ModelBundle;
const fileBytes = (model: ModelValue, name: string) => readFileSync(join(model.dir, name));
const warnings = (ctx: TestContext) => ctx.logs.filter((log) => log.level === 'warn').map((log) => log.message);
/** Small and quick, where the accuracy bar is not the point. */
const QUICK = { hiddenLayers: [16], epochs: 30 };

let penguins: DataTable;
let penguinsSplit: DataTable;
let carsSplit: DataTable;
beforeAll(async () => {
  penguins = await load(PENGUINS);
  penguinsSplit = await split(penguins, createTestContext(), { stratifyBy: 'species', seed: 1 });
  carsSplit = await split(await cars(createTestContext()), createTestContext(), { seed: 2 });
});

describe('train.dense node', () => {
  it('declares a worker node with described params and defaults', () => {
    expect(denseNode.type).toBe('train.dense');
    expect(denseNode.worker).toBe(true);
    expect(denseNode.inputs.table.type).toBe('table');
    expect(denseNode.outputs.model.type).toBe('model');
    expect(denseNode.outputs.metrics.type).toBe('metrics');
    expect(denseNode.params.parse({ target: 'y' })).toEqual({
      target: 'y', task: 'auto', hiddenLayers: [64, 32], activation: 'relu', dropout: 0, optimizer: 'adam',
      learningRate: 0.001, epochs: 200, batchSize: 32, earlyStopping: 10, classWeight: 'none', seed: 0,
    });
    expect(denseNode.params.safeParse({}).success).toBe(false);
    expect(denseNode.params.safeParse({ target: 'y', learningRate: 0 }).success).toBe(false);
    expect(denseNode.params.safeParse({ target: 'y', dropout: 0.95 }).success).toBe(false);
    expect(denseNode.params.safeParse({ target: 'y', activation: 'gelu' }).success).toBe(false);
    for (const [name, field] of Object.entries(denseNode.params.shape)) expect(field.description, name).toBeTruthy();
  });

  it('classifies penguin species: ≥ 95% test accuracy with the defaults, with per-epoch metrics and the backend', async () => {
    const ctx = context();
    const { model, metrics } = await train(penguinsSplit, { target: 'species' }, ctx);
    const evalCtx = createTestContext({ nodeType: 'eval.model' });
    const { metrics: scores } = await evaluate(model, penguinsSplit, evalCtx);
    expect(scores.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(scores.rows).toBe(69);

    // The loss series: one point per epoch, steps 1..n; the split has no validation rows, so no early stopping.
    const epochs = metrics.epochs as number;
    expect(epochs).toBe(200);
    const loss = ctx.metrics.filter((metric) => metric.name === 'loss');
    expect(loss.map((metric) => metric.step)).toEqual(Array.from({ length: epochs }, (_, k) => k + 1));
    expect(loss.every((metric) => Number.isFinite(metric.value) && metric.value > 0)).toBe(true);
    expect(loss.at(-1)!.value).toBeLessThan(loss[0]!.value);
    expect(ctx.metrics.filter((metric) => metric.name === 'val_loss')).toHaveLength(0);
    expect(ctx.metrics.filter((metric) => metric.name === 'val_accuracy')).toHaveLength(0);
    expect(ctx.metrics).toContainEqual({ name: 'epochs', value: epochs, step: undefined });
    expect(ctx.logs).toContainEqual({
      level: 'info',
      message: 'early stopping is off: the split has no validation rows, so all 275 train rows are trained on (give data.split a validation share to stop early)',
    });
    expect(metrics).toMatchObject({ task: 'classification', trainRows: 275, validationRows: 0, validationFrom: 'none', stoppedEarly: false, inputs: 10 });
    expect((metrics.history as unknown[]).length).toBe(epochs);
    expect(ctx.progressReports.at(-1)).toBeCloseTo(epochs / 200, 10);

    // What trained: on the CPU backends without native TensorFlow (wasm on CI; WebGPU hands
    // networks this small to wasm) the fused kernel, recorded as such; elsewhere the backend.
    const loaded = await loadBackend();
    const cpu = loaded.name === 'webgpu' ? 'wasm' : loaded.name;
    expect(ctx.backends).toEqual([cpu === 'wasm' || cpu === 'cpu' ? 'wasm-fused' : cpu]);
    expect([...BACKEND_CHAIN, 'wasm-fused']).toContain(ctx.backends[0]);
    expect(metrics.backend).toBe(ctx.backends[0]);
    expect(ctx.logs.some((log) => log.message.startsWith(ctx.backends[0] === 'wasm-fused' ? 'training with the fused WebAssembly kernel' : `training on the ${cpu} backend`))).toBe(true);

    // The bundle: classes in order, the raw input columns, no recipe, lineage.
    const bundle = bundleOf(model);
    expect(bundle).toMatchObject({ format: 'tensorloom/model@1', task: 'classification', classes: ['Adelie', 'Chinstrap', 'Gentoo'], recipe: [], targetScaling: null });
    expect(bundle.inputs.map((input) => input.name)).toEqual(['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year']);
    expect(bundle.network).toEqual({ inputDim: 10, hiddenLayers: [64, 32], activation: 'relu', dropout: 0, outputUnits: 3, output: 'softmax' });
    expect(bundle.lineage).toMatchObject({ nodeId: 'train', nodeType: 'train.dense', nodeVersion: 2, backend: ctx.backends[0] });
    expect(JSON.parse(fileBytes(model, 'model.json').toString()).format).toBe('layers-model');
  });

  it("task auto: few whole-number labels are classes, many or fractional ones are values", async () => {
    // Cylinders (3, 4, 5, 6, 8) reads as classes, as scikit-learn's classifiers would; Horsepower (≈ 90 values) and MPG (fractions) as values.
    const cylinders = context();
    const { metrics: asClasses, model } = await train(carsSplit, { target: 'Cylinders', ...QUICK }, cylinders);
    expect(asClasses.task).toBe('classification');
    expect(bundleOf(model).classes).toEqual(['3', '4', '5', '6', '8']);
    expect(cylinders.logs.map((log) => log.message)).toContainEqual(expect.stringMatching(/^task auto: 'Cylinders' has 5 distinct whole-number values, so it is treated as classes/));
    const { metrics: power } = await train(carsSplit, { target: 'Horsepower', ...QUICK }, context());
    expect(power.task).toBe('regression');
    const { metrics: forced } = await train(carsSplit, { target: 'Cylinders', task: 'regression', ...QUICK }, context());
    expect(forced.task).toBe('regression');
  });

  it('regresses cars Miles_per_Gallon: R² ≥ 0.75 on test rows, identifier-like names left out', async () => {
    const ctx = context();
    const { model, metrics } = await train(carsSplit, { target: 'Miles_per_Gallon' }, ctx);
    expect(metrics.task).toBe('regression');
    const { metrics: scores } = await evaluate(model, carsSplit, createTestContext());
    expect(scores.r2).toBeGreaterThanOrEqual(0.75);
    expect(scores.rmse).toBeLessThan(5);
    // 8 cars have no MPG; Name has 311 distinct values in 406 rows.
    expect(warnings(ctx).some((message) => /^\d+ training\/validation rows have no 'Miles_per_Gallon' label and are left out$/.test(message))).toBe(true);
    expect(warnings(ctx)).toContainEqual(expect.stringMatching(/^column 'Name' looks like an identifier \(\d+ distinct values in \d+ training rows\); not used as a feature$/));
    const bundle = bundleOf(model);
    expect(bundle.features.columns.map((column) => column.name)).not.toContain('Name');
    expect(bundle.targetScaling!.mean).toBeGreaterThan(15);
    expect(bundle.targetScaling!.mean).toBeLessThan(35);
  });

  it('is deterministic: the same seed gives byte-identical weights.bin and bundle.json; another seed does not', async () => {
    const params = { target: 'species', ...QUICK, dropout: 0.1, seed: 4 };
    const a = (await train(penguinsSplit, params, context())).model;
    const b = (await train(penguinsSplit, params, context())).model;
    for (const name of ['weights.bin', 'model.json', BUNDLE_FILE]) expect(fileBytes(b, name).equals(fileBytes(a, name)), name).toBe(true);
    const c = (await train(penguinsSplit, { ...params, seed: 5 }, context())).model;
    expect(fileBytes(c, 'weights.bin').equals(fileBytes(a, 'weights.bin'))).toBe(false);
  });

  it('uses exactly the split’s rows: its validation rows for early stopping, and none held out when it has none', async () => {
    for (const validation of [0.15, 0]) {
      const splitCtx = createTestContext({ nodeType: 'data.split' });
      const table = await split(penguins, splitCtx, { stratifyBy: 'species', test: 0.2, validation, seed: 3 });
      const ctx = context();
      const { metrics } = await train(table, { target: 'species', ...QUICK }, ctx);
      // train.dense's row counts are the split node's own metrics.
      const splitMetric = (name: string) => splitCtx.metrics.find((metric) => metric.name === name)!.value;
      expect(metrics.trainRows, `validation ${validation}`).toBe(splitMetric('train_rows'));
      expect(metrics.validationRows, `validation ${validation}`).toBe(splitMetric('validation_rows'));
      expect(ctx.metrics).toContainEqual({ name: 'validationRows', value: splitMetric('validation_rows'), step: undefined });
      expect(metrics.validationFrom).toBe(validation > 0 ? 'split' : 'none');
      expect(ctx.metrics.some((metric) => metric.name === 'val_loss')).toBe(validation > 0);
      const messages = ctx.logs.map((log) => log.message);
      expect(messages).not.toContainEqual(expect.stringContaining('held out'));
      expect(messages).toContainEqual(
        expect.stringMatching(validation > 0 ? /training rows, 52 validation rows \(both as the split marks them\)$/ : /training rows, 0 validation rows \(no validation rows, so no early stopping\)$/),
      );
    }
  });

  it('holds out 10% for early stopping only when there is no split', async () => {
    const ctx = context();
    const { metrics } = await train(penguins, { target: 'species', ...QUICK }, ctx);
    expect(metrics).toMatchObject({ trainRows: 310, validationRows: 34, validationFrom: 'held out' });
    expect(ctx.logs.map((log) => log.message)).toContain('early stopping on 34 training rows held out (there is no split; add data.split with a validation share to choose them)');
  });

  it('trains on every row, with a warning, when there is no split', async () => {
    const ctx = context();
    const { metrics } = await train(penguins, { target: 'species', ...QUICK, earlyStopping: 0 }, ctx);
    expect(warnings(ctx)).toContain('no split upstream: training on all 344 rows (add data.split to keep test rows for evaluation)');
    expect(metrics).toMatchObject({ trainRows: 344, validationRows: 0, epochs: 30 });
  });

  describe('bad input', () => {
    it('a target that is not a column: NodeError listing the columns', async () => {
      const error = await expectNodeError(train(penguinsSplit, { target: 'Species' }, context()));
      expect(error.field).toBe('target');
      expect(error.message).toBe("column 'Species' not found (did you mean 'species'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year, __split");
    });

    it('a target with one class', async () => {
      const lines = penguinLines();
      const adelie = await split(await csvText([lines[0], ...lines.filter((line) => line.startsWith('Adelie,'))].join('\n') + '\n'), createTestContext());
      const error = await expectNodeError(train(adelie, { target: 'species' }, context()));
      expect(error.field).toBe('target');
      expect(error.message).toBe("target 'species' has one class ('Adelie') in the training rows; a classifier needs at least two");
    });

    it('an empty table', async () => {
      const empty = await csvText(`${penguinLines()[0]}\n`);
      const error = await expectNodeError(train(empty, { target: 'species' }, context()));
      expect(error.message).toContain('the input table has no rows');
    });

    it('a feature column with no values trains, with a warning naming it', async () => {
      const lines = penguinLines().map((line, k) => `${line},${k === 0 ? 'blank' : 'NaN'}`);
      const table = await split(await csvText(lines.join('\n') + '\n'), createTestContext(), { stratifyBy: 'species' });
      const ctx = context();
      const { model } = await train(table, { target: 'species', ...QUICK }, ctx);
      expect(warnings(ctx)).toContain("column 'blank' has no values in the training rows; not used as a feature");
      expect(bundleOf(model).features.columns.map((column) => column.name)).not.toContain('blank');
      const { metrics } = await evaluate(model, table, createTestContext());
      expect(metrics.accuracy).toBeGreaterThan(0.8);
    });

    it('a feature constant in the training rows is left out, even when rounding leaves it a std of 1e-16', async () => {
      // 0.1 on every train row (their mean is 0.10000000000000034), 7 on the test rows.
      const base = await split(await load(PENGUINS), createTestContext(), { stratifyBy: 'species' });
      const roles = columnValues(base.table, '__split', 'x');
      const lines = penguinLines().map((line, k) => `${line},${k === 0 ? 'constant' : roles[k - 1] === 'train' ? '0.1' : '7'}`);
      const table = await split(await csvText(lines.join('\n') + '\n'), createTestContext(), { stratifyBy: 'species' });
      const ctx = context();
      const { model } = await train(table, { target: 'species', ...QUICK }, ctx);
      expect(ctx.logs).toContainEqual({ level: 'info', message: "column 'constant' is constant in the training rows; not used as a feature" });
      expect(bundleOf(model).features.columns.map((column) => column.name)).not.toContain('constant');
      const { metrics, predictions } = await evaluate(model, table, createTestContext());
      expect(metrics.accuracy).toBeGreaterThan(0.8);
      expect(Number.isFinite(metrics.logLoss)).toBe(true);
      expect((columnValues(predictions.table, 'probability_Adelie', 'x') as number[]).every((p) => p >= 0 && p <= 1)).toBe(true);
    });

    it('a constant regression target, even one whose mean rounds: NodeError naming the target', async () => {
      const lines = penguinLines().map((line, k) => `${line},${k === 0 ? 'y' : '0.1'}`);
      const table = await split(await csvText(lines.join('\n') + '\n'), createTestContext());
      const error = await expectNodeError(train(table, { target: 'y', task: 'regression', ...QUICK }, context()));
      expect(error.field).toBe('target');
      expect(error.message).toMatch(/^target 'y' is constant \(0\.1\d*\) in the training rows; there is nothing to learn$/);
    });

    it('a stray string in a numeric column is a bad row (data.csv); with ≥ 5% text the column is text, and a many-valued one is dropped as identifier-like', async () => {
      // One stray cell: the column stays numeric and the CSV reader refuses the row…
      const lines = penguinLines();
      const stray = plant(lines, 'bill_length_mm', 'unknown', (line) => line === 7);
      await expect(csvText(stray)).rejects.toThrow(/line 8, column 'bill_length_mm': 'unknown' is not a number/);
      // …or, with onBadRow 'skip', drops it.
      const skipped = await readCsv({ bytes: new TextEncoder().encode(stray), name: 't.csv' }, { onBadRow: 'skip' });
      expect(skipped.table.numRows).toBe(343);
      expect(String(skipped.table.schema.fields.find((field) => field.name === 'bill_length_mm')!.type)).toBe('Float64');

      // Text in 10% of the cells: the column is text; 150-odd distinct values look like an identifier.
      const texty = await split(await csvText(plant(lines, 'bill_length_mm', 'unknown', (line) => line % 10 === 0)), createTestContext(), { stratifyBy: 'species' });
      expect(String(texty.table.schema.fields.find((field) => field.name === 'bill_length_mm')!.type)).toBe('Utf8');
      const ctx = context();
      const { model } = await train(texty, { target: 'species', ...QUICK }, ctx);
      expect(warnings(ctx)).toContainEqual(expect.stringMatching(/^column 'bill_length_mm' looks like an identifier \(\d+ distinct values in \d+ training rows\); not used as a feature$/));
      expect(bundleOf(model).features.columns.map((column) => column.name)).toEqual(['island', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year']);

      // A text column with few distinct values is one-hot encoded instead.
      const years = await split(await csvText(plant(lines, 'year', 'unknown', (line) => line % 10 === 0)), createTestContext(), { stratifyBy: 'species' });
      const yearCtx = context();
      const encoded = bundleOf((await train(years, { target: 'species', ...QUICK }, yearCtx)).model);
      expect(encoded.features.columns.find((column) => column.name === 'year')).toEqual({ name: 'year', kind: 'category', categories: ['2007', '2008', '2009', 'unknown'] });
    });

    it('infinite feature values count as missing: the same model as with NA there', async () => {
      const lines = penguinLines();
      const pick = (line: number) => line % 9 === 0;
      const infinite = await split(await csvText(plant(lines, 'bill_length_mm', 'inf', pick)), createTestContext(), { stratifyBy: 'species' });
      const missing = await split(await csvText(plant(lines, 'bill_length_mm', 'NA', pick)), createTestContext(), { stratifyBy: 'species' });
      expect(columnValues(infinite.table, 'bill_length_mm', 'x')).toContain(Infinity);
      const a = (await train(infinite, { target: 'species', ...QUICK }, context())).model;
      const b = (await train(missing, { target: 'species', ...QUICK }, context())).model;
      const encoding = bundleOf(a).features.columns.find((column) => column.name === 'bill_length_mm')!;
      expect(encoding).toEqual(bundleOf(b).features.columns.find((column) => column.name === 'bill_length_mm'));
      expect(encoding.kind === 'number' && Number.isFinite(encoding.mean) && Number.isFinite(encoding.std)).toBe(true);
      expect(fileBytes(a, 'weights.bin').equals(fileBytes(b, 'weights.bin'))).toBe(true);
      const { metrics } = await evaluate(a, infinite, createTestContext());
      expect(metrics.accuracy).toBeGreaterThan(0.8);
    });

    it('an infinite regression target in the training rows: NodeError naming the target', async () => {
      const rows = carsSplit.table.numRows;
      const column = (name: string) => columnValues(carsSplit.table, name, 'x');
      const [mpg, horsepower, weight, roles] = [column('Miles_per_Gallon'), column('Horsepower'), column('Weight_in_lbs'), column('__split')];
      const trainRow = roles.indexOf('train');
      const cell = (value: unknown) => (value === null ? 'NA' : String(value));
      const lines = Array.from({ length: rows }, (_, row) => `${row === trainRow ? 'inf' : cell(mpg[row])},${cell(horsepower[row])},${cell(weight[row])},${cell(roles[row])}`);
      const table = await csvText(['Miles_per_Gallon,Horsepower,Weight_in_lbs,__split', ...lines].join('\n') + '\n');
      expect(columnValues(table.table, 'Miles_per_Gallon', 'x')[trainRow]).toBe(Infinity);
      const error = await expectNodeError(train(table, { target: 'Miles_per_Gallon', ...QUICK }, context()));
      expect(error.field).toBe('target');
      expect(error.message).toContain("target 'Miles_per_Gallon' has infinite values");
    });

    it('a text target with task regression: NodeError naming task', async () => {
      const error = await expectNodeError(train(penguinsSplit, { target: 'species', task: 'regression' }, context()));
      expect(error.field).toBe('task');
      expect(error.message).toBe("target 'species' is not numeric, so it cannot be a regression target; set task to 'classification'");
    });

    it('a learning rate so large that training diverges: NodeError naming learningRate', async () => {
      const error = await expectNodeError(train(carsSplit, { target: 'Miles_per_Gallon', optimizer: 'sgd', learningRate: 10, hiddenLayers: [16], epochs: 20 }, context()));
      expect(error.field).toBe('learningRate');
      expect(error.message).toMatch(/^training diverged at epoch \d+ \(loss is (NaN|Infinity)\); lower learningRate \(now 10\) or scale the features$/);
    });

    it('stops with an AbortError when cancelled', async () => {
      const ctx = context();
      ctx.abort.abort();
      await expect(train(penguinsSplit, { target: 'species' }, ctx)).rejects.toMatchObject({ name: 'AbortError' });
    });
  });

  it('classWeight balanced weighs rare classes up: Seattle weather’s drizzle, fog and snow get found', async () => {
    // 1461 days: sun and rain make up 87%; the date is unique per row.
    const weather = await split(await load(WEATHER), createTestContext(), { stratifyBy: 'weather', seed: 1 });
    const ctx = context();
    const none = await train(weather, { target: 'weather', ...QUICK }, ctx);
    expect(warnings(ctx)).toContain("column 'date' looks like an identifier (1169 distinct values in 1169 training rows); not used as a feature");
    expect(bundleOf(none.model).classes).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    const balanced = await train(weather, { target: 'weather', ...QUICK, classWeight: 'balanced' }, context());
    expect(bundleOf(balanced.model).training).toMatchObject({ options: { classWeight: 'balanced' } });
    const [a, b] = [(await evaluate(none.model, weather, createTestContext())).metrics, (await evaluate(balanced.model, weather, createTestContext())).metrics];
    const recall = (metrics: typeof a, label: string) => (metrics.perClass as Record<string, { recall: number }>)[label]!.recall;
    const rare = (metrics: typeof a) => recall(metrics, 'drizzle') + recall(metrics, 'fog') + recall(metrics, 'snow');
    expect(rare(b)).toBeGreaterThan(rare(a) + 0.3);
    expect(b.recallMacro as number).toBeGreaterThan(a.recallMacro as number);
    // Unweighted, the network mostly answers sun or rain: higher accuracy, lower macro recall.
    expect(a.accuracy as number).toBeGreaterThan(0.7);
  });

  it('reads back a target that an upstream feature.encode one-hot encoded, with a warning', async () => {
    const encodeCtx = createTestContext({ nodeId: 'enc', nodeType: 'feature.encode' });
    // No target param: the encoder turns species into species=Adelie, species=Chinstrap, species=Gentoo.
    const encoded = (await encodeNode.run({ inputs: { table: penguinsSplit }, params: encodeNode.params.parse({}) }, encodeCtx)).table;
    expect(columnNames(encoded.table)).toContain('species=Gentoo');
    expect(columnNames(encoded.table)).not.toContain('species');
    const ctx = context();
    const { model } = await train(encoded, { target: 'species', ...QUICK }, ctx);
    expect(warnings(ctx)).toContain("the target 'species' was encoded by node 'enc'; its labels are read back from that encoding (set that node's target param to leave the label alone)");
    const bundle = bundleOf(model);
    expect(bundle.classes).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    // The one-hot label columns are not features.
    expect(bundle.features.columns.map((column) => column.name).filter((name) => name.startsWith('species'))).toEqual([]);
    const { metrics, predictions } = await evaluate(model, encoded, createTestContext());
    expect(metrics.accuracy).toBeGreaterThan(0.9);
    expect(new Set(columnValues(predictions.table, 'prediction', 'x'))).toEqual(new Set(['Adelie', 'Chinstrap', 'Gentoo']));
    // Raw rows go through the recipe, label included, and score the same.
    const fromRaw = await evaluate(model, penguinsSplit, createTestContext());
    expect(fromRaw.metrics.accuracy).toBe(metrics.accuracy);
    expect(columnValues(fromRaw.predictions.table, 'prediction', 'x')).toEqual(columnValues(predictions.table, 'prediction', 'x'));
  });

  it('predicts in the original units when feature.scale scaled the regression target upstream', async () => {
    const scaleCtx = createTestContext({ nodeId: 'scale', nodeType: 'feature.scale' });
    // No target param: Miles_per_Gallon is standardised with the other numbers.
    const scaled = (await scaleNode.run({ inputs: { table: carsSplit }, params: scaleNode.params.parse({}) }, scaleCtx)).table;
    const scaledMpg = (columnValues(scaled.table, 'Miles_per_Gallon', 'x') as (number | null)[]).filter((value): value is number => value !== null);
    expect(Math.abs(scaledMpg.reduce((a, b) => a + b, 0) / scaledMpg.length)).toBeLessThan(0.2);
    const params = { target: 'Miles_per_Gallon', hiddenLayers: [32], epochs: 100 };
    const plain = await train(carsSplit, params, context());
    const onScaled = await train(scaled, params, context());
    expect(bundleOf(onScaled.model).target.scaled).toHaveLength(1);
    const plainScores = (await evaluate(plain.model, carsSplit, createTestContext())).metrics;
    const { metrics: scaledScores, predictions } = await evaluate(onScaled.model, scaled, createTestContext());
    expect(scaledScores.r2).toBeGreaterThan(0.7);
    expect(Math.abs((scaledScores.r2 as number) - (plainScores.r2 as number))).toBeLessThan(0.1);
    // RMSE in miles per gallon, like the unscaled model's, not in standard deviations.
    expect(scaledScores.rmse as number).toBeGreaterThan((plainScores.rmse as number) / 2);
    expect(scaledScores.rmse as number).toBeLessThan((plainScores.rmse as number) * 2);
    const predicted = columnValues(predictions.table, 'prediction', 'x') as number[];
    const mean = predicted.reduce((a, b) => a + b, 0) / predicted.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThan(35);
    // Raw rows (the recipe scales the label for scoring, and the answer comes back in MPG).
    const fromRaw = await evaluate(onScaled.model, carsSplit, createTestContext());
    expect(fromRaw.metrics.r2).toBeCloseTo(scaledScores.r2 as number, 6);
    expect(columnValues(fromRaw.predictions.table, 'prediction', 'x') as number[]).toEqual(predicted.map((value) => expect.closeTo(value, 6)));
  });
});
