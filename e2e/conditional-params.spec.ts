/**
 * Conditional params (showWhen): feature.impute's `value` is shown only while `strategy` is
 * `constant`. Hidden, it keeps its value in the document and comes back as it was.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openSavedPipeline, selectNode, test } from './fixtures.js';

const DOC = {
  format: 'tensorloom/pipeline@1',
  name: 'conditional-fill',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
    { id: 'impute', type: 'feature.impute', params: { strategy: 'mean', value: 5 }, position: { x: 360, y: 0 } },
  ],
  edges: [{ from: 'load.table', to: 'impute.table' }],
};

test('the inspector shows value only while strategy is constant, and keeps it while hidden', async ({ page, request }) => {
  await openSavedPipeline(page, request, DOC);
  const card = page.getByTestId('node-impute');
  await selectNode(page, 'impute');

  // strategy is mean: value (5 in the file) is neither in the form nor on the node card.
  await expect(page.getByTestId('field-strategy')).toBeVisible();
  await expect(page.getByTestId('field-value')).toHaveCount(0);
  await expect(card.locator('.tl-node__param')).toHaveCount(1);
  await expect(card.locator('.tl-node__param').first()).toContainText('strategy');

  // constant: value appears with the value it kept, on the card too.
  await page.getByTestId('param-strategy').selectOption({ label: 'constant' });
  await expect(page.getByTestId('param-value')).toBeVisible();
  await expect(page.getByTestId('param-value')).toHaveValue('5');
  await expect(card.locator('.tl-node__param')).toHaveCount(2);
  await expect(card.locator('.tl-node__param').nth(1)).toContainText('value');

  // Shown, it is checked: constant needs a value (the server's validator says so on the field).
  // (number | string is edited as JSON text, committed when the field loses focus.)
  await page.getByTestId('param-value').fill('');
  await page.getByTestId('param-value').blur();
  await expect(page.getByTestId('field-error-value').first()).toContainText("required when strategy is 'constant'");
  await page.getByTestId('param-value').fill('7');
  await page.getByTestId('param-value').blur();
  await expect(page.getByTestId('field-error-value')).toHaveCount(0);

  // Back to a computed strategy: hidden again, no problem reported, the value kept in the document.
  await page.getByTestId('param-strategy').selectOption({ label: 'median' });
  await expect(page.getByTestId('field-value')).toHaveCount(0);
  await expect(card.locator('.tl-node__param')).toHaveCount(1);
  await expect(page.getByTestId('node-issues-impute')).toHaveCount(0);

  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved conditional-fill.pipeline.json' })).toBeVisible();
  const saved = JSON.parse(readFileSync(join(process.env.E2E_WORKSPACE_DIR!, 'conditional-fill.pipeline.json'), 'utf8')) as typeof DOC;
  expect(saved.nodes[1]!.params).toEqual({ strategy: 'median', value: 7 });

  await page.getByTestId('param-strategy').selectOption({ label: 'constant' });
  await expect(page.getByTestId('param-value')).toHaveValue('7');
});
