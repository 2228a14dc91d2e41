import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  columnNames,
  columnValues,
  loadBackend,
  loadBundle,
  modelInputTable,
  predictTable,
  probabilityColumn,
  readCsv,
  type DataTable,
  type ModelValue,
  type Table,
} from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import scaleNode from '../feature/scale.js';
import selectNode from '../feature/select.js';
import { cars, csvText, evaluate, featurize, load, penguinLines, PENGUINS, plant, predict, split, train } from '../train/test-support/ml.js';
import predictNode from './predict.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..', '..');
// tsx's loader by absolute URL, as cli/test-support/run-cli.ts does.
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CHILD = join(HERE, 'test-support', 'predict-in-child.ts');

const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];
const predictContext = () => createTestContext({ nodeId: 'predict', nodeType: 'predict.batch' });
const numbers = (table: Table, name: string) => columnValues(table, name, name) as number[];
const probabilities = (table: Table) => CLASSES.map((label) => numbers(table, probabilityColumn(label)));

/** penguins.csv without the species column. */
async function unlabelled(lines = penguinLines()): Promise<DataTable> {
  return csvText(lines.map((line) => line.slice(line.indexOf(',') + 1)).join('\n') + '\n');
}

let raw: DataTable;
let featured: DataTable;
let classifier: ModelValue; // trained after impute → encode → scale
let plainClassifier: ModelValue; // trained on raw rows, no recipe
beforeAll(async () => {
  raw = await split(await load(PENGUINS), createTestContext(), { stratifyBy: 'species', seed: 1 });
  featured = await featurize(raw, 'species', createTestContext());
  classifier = (await train(featured, { target: 'species', hiddenLayers: [32], epochs: 60, seed: 1 }, createTestContext())).model;
  plainClassifier = (await train(raw, { target: 'species', hiddenLayers: [16], epochs: 30, seed: 1 }, createTestContext())).model;
});

describe('predict.batch node', () => {
  it('declares a model and a table in, a predictions table out, no params', () => {
    expect(predictNode.type).toBe('predict.batch');
    expect(predictNode.inputs.model.type).toBe('model');
    expect(predictNode.inputs.table.type).toBe('table');
    expect(predictNode.outputs.predictions.type).toBe('table');
    expect(predictNode.params.parse({})).toEqual({});
  });

  it('predicts rows without the target: a prediction and probabilities summing to 1, the same as for the featured table', async () => {
    const ctx = predictContext();
    const rows = await unlabelled();
    expect(columnNames(rows.table)).not.toContain('species');
    const output = await predict(classifier, rows, ctx);
    expect(output.table.numRows).toBe(344);
    expect(columnNames(output.table)).toEqual([...columnNames(rows.table), 'prediction', ...CLASSES.map(probabilityColumn)]);
    expect(output.recipe).toEqual([]);
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 344, step: undefined });
    expect(ctx.logs).toContainEqual({ level: 'info', message: 'predicted 344 rows' });
    expect(ctx.backends).toHaveLength(1);

    const p = probabilities(output.table);
    const predicted = columnValues(output.table, 'prediction', 'x');
    for (let row = 0; row < 344; row++) {
      const values = p.map((column) => column[row]!);
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(predicted[row]).toBe(CLASSES[values.indexOf(Math.max(...values))]);
    }
    // The featured table (with labels and the split) gets the same answers.
    const fromFeatured = await predict(classifier, featured, predictContext());
    expect(fromFeatured.recipe).toEqual(featured.recipe);
    expect(columnValues(fromFeatured.table, 'prediction', 'x')).toEqual(predicted);
    probabilities(fromFeatured.table).forEach((column, c) => column.forEach((value, row) => expect(value).toBeCloseTo(p[c]![row]!, 6)));
    // And they are good: the labels are in the file.
    const species = columnValues(raw.table, 'species', 'x');
    expect(predicted.filter((label, row) => label === species[row]).length / 344).toBeGreaterThan(0.95);
  });

  it('predicts rows without the columns a later select dropped, though feature steps were fitted on them', async () => {
    // impute, encode and scale were fitted on body_mass_g and island; select drops them
    // before training, so the model does not need them and requests need not carry them.
    const picked = (await selectNode.run({ inputs: { table: featured }, params: selectNode.params.parse({ drop: ['body_mass_g', 'island=Biscoe', 'island=Dream', 'island=Torgersen'] }) }, createTestContext({ nodeId: 'pick', nodeType: 'feature.select' }))).table;
    const model = (await train(picked, { target: 'species', hiddenLayers: [16], epochs: 20, seed: 1 }, createTestContext())).model;
    const bundle = await loadBundle(model.dir);
    expect(bundle.bundle.inputs.map((input) => input.name)).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'year', 'sex']);

    const lines = penguinLines();
    const header = lines[0]!.split(',');
    const keep = header.map((name, k) => (['species', 'island', 'body_mass_g'].includes(name) ? -1 : k)).filter((k) => k >= 0);
    const narrow = await csvText(lines.map((line) => keep.map((k) => line.split(',')[k]).join(',')).join('\n') + '\n');
    const fromNarrow = await predict(model, narrow, predictContext());
    const fromFull = await predict(model, await unlabelled(), predictContext());
    expect(fromNarrow.table.numRows).toBe(lines.length - 1);
    expect(columnValues(fromNarrow.table, 'prediction', 'prediction')).toEqual(columnValues(fromFull.table, 'prediction', 'prediction'));
    // A column the model does need is still refused, by name.
    const noSex = await csvText(lines.map((line) => keep.filter((k) => header[k] !== 'sex').map((k) => line.split(',')[k]).join(',')).join('\n') + '\n');
    expect((await expectNodeError(predict(model, noSex, predictContext()))).message).toContain("column 'sex' is missing");
  });

  it('predicts an unseen category (island Atlantis) without error: it encodes as zeros', async () => {
    const lines = penguinLines();
    const atlantis = (line: number) => line === 1 || line === 200;
    const rows = await unlabelled(plant(lines, 'island', 'Atlantis', atlantis).trimEnd().split('\n'));
    expect(columnValues(rows.table, 'island', 'x')[0]).toBe('Atlantis');
    const original = await predict(classifier, await unlabelled(), predictContext());
    for (const model of [classifier, plainClassifier]) {
      const output = await predict(model, rows, predictContext());
      const p = probabilities(output.table);
      for (const row of [0, 199]) expect(p.reduce((sum, column) => sum + column[row]!, 0)).toBeCloseTo(1, 5);
      expect(CLASSES).toContain(columnValues(output.table, 'prediction', 'x')[0]);
    }
    // Other rows are unaffected (the model predicts row by row).
    const output = await predict(classifier, rows, predictContext());
    const [p, q] = [probabilities(output.table), probabilities(original.table)];
    expect(p[0]![5]).toBe(q[0]![5]);
    expect(p[2]![300]).toBe(q[2]![300]);
  });

  it('predicts regression values in the target’s units', async () => {
    const carsRaw = await split(await cars(createTestContext()), createTestContext(), { seed: 2 });
    const regressor = (await train(await featurize(carsRaw, 'Miles_per_Gallon', createTestContext()), { target: 'Miles_per_Gallon', hiddenLayers: [16], epochs: 60 }, createTestContext())).model;
    const output = await predict(regressor, carsRaw, predictContext());
    expect(columnNames(output.table)).toEqual([...columnNames(carsRaw.table), 'prediction']);
    const predicted = numbers(output.table, 'prediction');
    expect(predicted.every(Number.isFinite)).toBe(true);
    expect(Math.min(...predicted)).toBeGreaterThan(0);
    expect(Math.max(...predicted)).toBeLessThan(60);
    // eval.model shows the same values for its test rows.
    const { predictions } = await evaluate(regressor, carsRaw, createTestContext());
    const roles = columnValues(carsRaw.table, '__split', 'x');
    const mpg = columnValues(carsRaw.table, 'Miles_per_Gallon', 'x');
    const scored = predicted.filter((_, row) => roles[row] === 'test' && mpg[row] !== null);
    expect(numbers(predictions.table, 'prediction')).toEqual(scored);
  });

  it('leaves no tensors behind', async () => {
    const rows = await unlabelled();
    await predict(classifier, rows, predictContext()); // warm-up: the backend's own one-time tensors
    const before = tf.memory().numTensors;
    await predict(classifier, rows, predictContext());
    await evaluate(classifier, featured, createTestContext());
    await expectNodeError(predict(classifier, await csvText('a,b\n1,2\n'), predictContext()));
    expect(tf.memory().numTensors).toBe(before);
  });

  describe('refuses', () => {
    it('a table missing a feature column, naming it', async () => {
      const lines = penguinLines();
      const column = lines[0]!.split(',').indexOf('body_mass_g');
      const without = await csvText(lines.map((line) => line.split(',').filter((_, k) => k !== column).join(',')).join('\n') + '\n');
      const withRecipe = await expectNodeError(predict(classifier, without, predictContext()));
      expect(withRecipe.field).toBe('table');
      expect(withRecipe.message).toContain("column 'body_mass_g' is missing");
      const plain = await expectNodeError(predict(plainClassifier, without, predictContext()));
      expect(plain.field).toBe('body_mass_g');
      expect(plain.message).toBe(
        "column 'body_mass_g' is missing; the model was trained with it (columns here: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, sex, year)",
      );
    });

    it('text where the model was trained on numbers', async () => {
      const texty = await csvText(plant(penguinLines(), 'body_mass_g', 'heavy', (line) => line % 5 === 0));
      const error = await expectNodeError(predict(plainClassifier, texty, predictContext()));
      expect(error.field).toBe('body_mass_g');
      expect(error.message).toBe("column 'body_mass_g' is text, but the model was trained on numbers there");
    });

    it('a table that went through different feature steps: a recipe mismatch', async () => {
      const ctx = createTestContext({ nodeId: 'rescale', nodeType: 'feature.scale' });
      const other = (await scaleNode.run({ inputs: { table: raw }, params: scaleNode.params.parse({ target: 'species' }) }, ctx)).table;
      const error = await expectNodeError(predict(classifier, other, predictContext()));
      expect(error.field).toBe('table');
      expect(error.message).toContain('the table went through feature steps rescale (feature.scale), but the model was trained after impute (feature.impute) → encode (feature.encode) → scale (feature.scale)');
      // A model without a recipe takes only raw rows.
      const onPlain = await expectNodeError(predict(plainClassifier, featured, predictContext()));
      expect(onPlain.message).toContain('but the model was trained after no feature steps');
    });
  });

  it('reloads in a fresh Node process and predicts exactly the same probabilities', async () => {
    const saved = mkdtempSync(join(tmpdir(), 'tensorloom-bundle-'));
    cpSync(classifier.dir, saved, { recursive: true });
    const child = spawnSync(process.execPath, ['--import', TSX, CHILD, saved, PENGUINS], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const there = JSON.parse(child.stdout) as { backend: string; probabilities: number[]; classIndex: number[] };

    const model = await loadBundle(saved);
    try {
      const { table } = await readCsv({ path: PENGUINS });
      const here = await predictTable(model, modelInputTable(model.bundle, { table, recipe: [] }));
      expect(there.backend).toBe((await loadBackend()).name);
      expect(there.probabilities).toHaveLength(344 * 3);
      expect(there.probabilities).toEqual(Array.from(here.probabilities!));
      expect(there.classIndex).toEqual(Array.from(here.classIndex!));
    } finally {
      model.dispose();
    }
    // The node, on the featured rows in this process, agrees.
    const output = await predict(classifier, featured, predictContext());
    const p = probabilities(output.table);
    there.probabilities.forEach((value, k) => expect(p[k % 3]![Math.floor(k / 3)]).toBeCloseTo(value, 6));
  });
});
