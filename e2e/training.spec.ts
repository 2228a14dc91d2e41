import { expect, openSavedPipeline, SCREENSHOT_DIR, selectNode, test } from './fixtures.js';

/** A whole pipeline with no positions (so opening it lays it out): validate, split, impute, train, evaluate. */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-train',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    {
      id: 'check',
      type: 'data.validate',
      params: {
        rules: [
          { column: 'species', check: 'notNull' },
          { column: 'bill_length_mm', check: 'range', min: 35, max: 60 },
          { column: 'island', check: 'oneOf', values: ['Biscoe', 'Dream', 'Torgersen'] },
        ],
        onFail: 'warn',
      },
    },
    { id: 'split', type: 'data.split', params: { test: 0.2, validation: 0.1, stratifyBy: 'species', seed: 1 } },
    { id: 'impute', type: 'feature.impute', params: {} },
    { id: 'train', type: 'train.dense', params: { target: 'species', epochs: 25, hiddenLayers: [16] } },
    { id: 'eval', type: 'eval.model', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'check.table' },
    { from: 'check.table', to: 'split.table' },
    { from: 'split.table', to: 'impute.table' },
    { from: 'impute.table', to: 'train.table' },
    { from: 'train.model', to: 'eval.model' },
    { from: 'impute.table', to: 'eval.table' },
  ],
};

test('a training pipeline shows its curves, confusion matrix, ROC and validation report', async ({ page, request }) => {
  await openSavedPipeline(page, request, pipeline);
  // Laid out on open (the file has no positions) in reading order: left to right, a chain too
  // long for the canvas wrapped into rows below (issue 15, item 6).
  const box = async (id: string) => (await page.getByTestId(`node-${id}`).boundingBox())!;
  const readsBefore = async (first: string, second: string) => {
    const [a, b] = [await box(first), await box(second)];
    const sameRow = Math.abs(a.y - b.y) < a.height / 2;
    return sameRow ? a.x < b.x : a.y < b.y;
  };
  expect(await readsBefore('load', 'split')).toBe(true);
  expect(await readsBefore('train', 'eval')).toBe(true);

  // The validation rules (a list of objects) are a form, not JSON.
  await selectNode(page, 'check');
  await expect(page.getByTestId('param-rules[0].column')).toHaveValue('species');
  await expect(page.getByTestId('param-rules[2].values[1]')).toHaveValue('Dream');

  await page.getByTestId('run-button').click();
  for (const id of ['load', 'check', 'split', 'impute', 'train', 'eval']) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-status', /succeeded|cached/, { timeout: 60_000 });
  }

  const panel = page.getByTestId('outputs-panel');
  await selectNode(page, 'check');
  await expect(panel.getByTestId('validation-report')).toContainText('1 of 3 rules failed');

  await selectNode(page, 'train');
  await expect(panel.getByTestId('curve-loss')).toBeVisible();
  await expect(panel.getByTestId('curve-loss').locator('polyline')).toHaveCount(2);
  await expect(panel.getByTestId('curve-loss')).toContainText('val_loss');
  await page.screenshot({ path: `${SCREENSHOT_DIR}/training-curves.png` });

  await selectNode(page, 'eval');
  await expect(panel.getByTestId('confusion-matrix')).toBeVisible();
  await expect(panel.getByTestId('confusion-matrix')).toContainText('Gentoo');
  await expect(panel.getByTestId('roc-chart').locator('polyline')).toHaveCount(3);
  const accuracy = Number(await panel.getByTestId('metric-value-accuracy').textContent());
  expect(accuracy).toBeGreaterThan(0.5);
  await panel.getByTestId('confusion-matrix').scrollIntoViewIfNeeded();
});
