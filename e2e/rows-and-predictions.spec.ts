import { expect, openSavedPipeline, selectNode, test } from './fixtures.js';

/** issue 15, items 10 and 11: a split without validation rows, featured rows into the evaluation. */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-rows',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, validation: 0, stratifyBy: 'species', seed: 1 } },
    { id: 'impute', type: 'feature.impute', params: { target: 'species' } },
    { id: 'encode', type: 'feature.encode', params: { target: 'species' } },
    { id: 'scale', type: 'feature.scale', params: { target: 'species' } },
    { id: 'train', type: 'train.dense', params: { target: 'species', hiddenLayers: [16], epochs: 20, seed: 1 } },
    { id: 'evaluate', type: 'eval.model', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'impute.table' },
    { from: 'impute.table', to: 'encode.table' },
    { from: 'encode.table', to: 'scale.table' },
    { from: 'scale.table', to: 'train.table' },
    { from: 'train.model', to: 'evaluate.model' },
    { from: 'scale.table', to: 'evaluate.table' },
  ],
};

test('the split and the trainer show the same row counts; the evaluation shows original values beside its predictions', async ({ page, request }) => {
  await openSavedPipeline(page, request, pipeline);
  await page.getByTestId('run-button').click();
  for (const node of pipeline.nodes) {
    await expect(page.getByTestId(`node-${node.id}`)).toHaveAttribute('data-status', /succeeded|cached/, { timeout: 60_000 });
  }

  // validation: 0 on the split: the trainer holds none out either (it used to take 27 of the train rows).
  await expect(page.getByTestId('node-rows-split')).toHaveText('rows: 275 train · 0 validation · 69 test');
  await expect(page.getByTestId('node-rows-train')).toHaveText('rows: 275 train · 0 validation');

  // The predictions table: islands and millimetres as read, not onehot columns and z-scores.
  await selectNode(page, 'evaluate');
  const predictions = page.getByTestId('outputs-panel').getByTestId('output-predictions');
  await expect(predictions.getByTestId('output-predictions-rowcount')).toHaveText('69');
  const columns = predictions.locator('.table-preview__name');
  await expect(columns.first()).toHaveText('species');
  const names = await columns.allTextContents();
  expect(names.slice(0, 8)).toEqual(['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year']);
  expect(names.some((name) => name.includes('='))).toBe(false);
  await expect(predictions.locator('.table-preview__cell').filter({ hasText: /^(Biscoe|Dream|Torgersen)$/ }).first()).toBeVisible();
});
