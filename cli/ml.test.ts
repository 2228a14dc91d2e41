/** The ML catalog end to end through the real CLI: CSV → split → features → train → eval → predict → file. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUSED_TRAINING } from '../core/ml/backend-names.js';
import { BACKEND_CHAIN, columnNames, columnValues, readCsv } from '../core/sdk/index.js';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

interface RunJson {
  status: string;
  backend: string;
  nodes: Record<string, { status: string; cached: boolean }>;
  metrics: Record<string, Record<string, number>>;
  outputs: Record<string, Record<string, string>>;
}

const PIPELINE = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-ml',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
    { id: 'impute', type: 'feature.impute', params: { target: 'species' } },
    { id: 'encode', type: 'feature.encode', params: { target: 'species' } },
    { id: 'scale', type: 'feature.scale', params: { target: 'species' } },
    { id: 'train', type: 'train.dense', params: { target: 'species', hiddenLayers: [32], epochs: 80, seed: 1 } },
    { id: 'evaluate', type: 'eval.model', params: {} },
    { id: 'predict', type: 'predict.batch', params: {} },
    { id: 'write', type: 'data.write', params: { path: 'out/penguin-predictions.csv', format: 'csv' } },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'impute.table' },
    { from: 'impute.table', to: 'encode.table' },
    { from: 'encode.table', to: 'scale.table' },
    { from: 'scale.table', to: 'train.table' },
    { from: 'train.model', to: 'evaluate.model' },
    { from: 'scale.table', to: 'evaluate.table' },
    { from: 'train.model', to: 'predict.model' },
    // Raw rows: the model applies its own recipe.
    { from: 'load.table', to: 'predict.table' },
    { from: 'predict.predictions', to: 'write.table' },
  ],
};

/** issue 15: a split without validation rows, and the evaluation's predictions written out. */
const NO_VALIDATION = {
  ...PIPELINE,
  name: 'penguins-no-validation',
  nodes: [
    ...PIPELINE.nodes.filter((node) => !['split', 'train', 'predict', 'write'].includes(node.id)),
    { id: 'split', type: 'data.split', params: { test: 0.2, validation: 0, stratifyBy: 'species', seed: 1 } },
    { id: 'train', type: 'train.dense', params: { target: 'species', hiddenLayers: [16], epochs: 20, seed: 1 } },
    { id: 'write', type: 'data.write', params: { path: 'out/evaluated.csv', format: 'csv' } },
  ],
  edges: [...PIPELINE.edges.filter((edge) => !edge.from.startsWith('predict.') && !edge.to.startsWith('predict.')), { from: 'evaluate.predictions', to: 'write.table' }],
};

function run(dir: string, file = 'penguins-ml.pipeline.json'): RunJson & { exit: number | null; stderr: string } {
  const result = tensorloom(['run', file, '--json'], { cwd: dir });
  return { ...(JSON.parse(result.stdout) as RunJson), exit: result.status, stderr: result.stderr };
}

describe('an ML pipeline through the CLI', () => {
  it('trains, evaluates, predicts and writes; a re-run takes everything from the cache', async () => {
    const dir = copyExamples();
    writeFileSync(join(dir, 'penguins-ml.pipeline.json'), JSON.stringify(PIPELINE, null, 2));

    const first = run(dir);
    expect(first.stderr).toBe('');
    expect(first.exit).toBe(0);
    expect(first.status).toBe('succeeded');
    expect(first.backend).not.toBe('none');
    // Each backend the run's nodes used, training first: the fused kernel or a TF.js backend.
    for (const backend of first.backend.split(',')) expect([...BACKEND_CHAIN, FUSED_TRAINING]).toContain(backend);
    for (const [id, node] of Object.entries(first.nodes)) expect(node, id).toMatchObject({ status: 'succeeded', cached: false });
    expect(first.metrics.evaluate!.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const name of ['precisionMacro', 'recallMacro', 'f1Macro', 'rocAuc', 'logLoss']) expect(Number.isFinite(first.metrics.evaluate![name]), name).toBe(true);
    expect(first.metrics.train!.epochs).toBeGreaterThan(0);
    expect(first.metrics.train!.epochs).toBeLessThanOrEqual(80);
    expect(first.metrics.predict!.rows).toBe(344);

    const path = join(dir, 'out', 'penguin-predictions.csv');
    expect(existsSync(path)).toBe(true);
    const written = (await readCsv({ path })).table;
    expect(written.numRows).toBe(344);
    expect(columnNames(written)).toEqual([
      'species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year',
      'prediction', 'probability_Adelie', 'probability_Chinstrap', 'probability_Gentoo',
    ]);
    const species = columnValues(written, 'species', 'x');
    const predicted = columnValues(written, 'prediction', 'x');
    expect(predicted.filter((label, row) => label === species[row]).length / 344).toBeGreaterThan(0.95);

    // Again: every node but the file writer (which always runs) is a cache hit, so no
    // TensorFlow.js backend is even loaded, and the model is the same artifact.
    const second = run(dir);
    expect(second.exit).toBe(0);
    for (const [id, node] of Object.entries(second.nodes)) {
      if (id === 'write') expect(node).toMatchObject({ status: 'succeeded', cached: false });
      else expect(node, id).toMatchObject({ status: 'cached', cached: true });
    }
    expect(second.backend).toBe('none');
    expect(second.outputs.train).toEqual(first.outputs.train);
    expect(second.outputs.predict).toEqual(first.outputs.predict);
    expect(second.metrics.evaluate!.accuracy).toBe(first.metrics.evaluate!.accuracy);
  }, 180_000);

  it("trains on exactly the split's rows (no validation: none held out) and evaluates with the original values beside the predictions", async () => {
    const dir = copyExamples();
    writeFileSync(join(dir, 'no-validation.pipeline.json'), JSON.stringify(NO_VALIDATION, null, 2));
    const result = run(dir, 'no-validation.pipeline.json');
    expect(result.stderr).toBe('');
    expect(result.exit).toBe(0);
    expect(result.metrics.split).toMatchObject({ train_rows: 275, validation_rows: 0, test_rows: 69 });
    expect(result.metrics.train).toMatchObject({ trainRows: 275, validationRows: 0, epochs: 20 });

    const raw = (await readCsv({ path: join(dir, 'data', 'penguins.csv') })).table;
    const written = (await readCsv({ path: join(dir, 'out', 'evaluated.csv') })).table;
    expect(written.numRows).toBe(69);
    expect(columnNames(written).slice(0, 8)).toEqual(columnNames(raw));
    expect(columnNames(written).some((name) => name.includes('='))).toBe(false);
    // The measurements and islands as the CSV has them, not scaled or one-hot; only a penguin
    // measured nowhere shows the value feature.impute filled in.
    const lengths = columnValues(raw, 'bill_length_mm', 'x');
    const inCsv = new Set(lengths);
    const filled = columnValues(written, 'bill_length_mm', 'x').filter((value) => !inCsv.has(value));
    expect(filled.length).toBeLessThanOrEqual(lengths.filter((value) => value === null).length);
    expect(columnValues(written, 'bill_length_mm', 'x').filter((value) => inCsv.has(value)).length).toBeGreaterThanOrEqual(67);
    expect(new Set(columnValues(written, 'island', 'x'))).toEqual(new Set(['Biscoe', 'Dream', 'Torgersen']));
  }, 180_000);
});
