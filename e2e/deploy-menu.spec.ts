import { expect, openSavedPipeline, SCREENSHOT_DIR, test } from './fixtures.js';

/** A trained model to export: the deploy menu fills each target's commands with it and the saved file. */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-exports',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
    { id: 'train', type: 'train.dense', params: { target: 'species', epochs: 5, hiddenLayers: [8] } },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'train.table' },
  ],
};

test('the deploy menu offers an image, an Argo workflow and a browser bundle, each with what to run next', async ({ page, request }) => {
  await openSavedPipeline(page, request, pipeline);
  // Before a run there is no model: the dialog says so and shows placeholders.
  await page.getByTestId('deploy-menu-button').click();
  await expect(page.getByTestId('deploy-menu').getByRole('menuitem')).toHaveText([/^Container image/, /^Argo workflow/, /^Browser bundle/]);
  await page.getByTestId('deploy-target-web').click();
  await expect(page.getByTestId('deploy-first')).toContainText('Run the pipeline first');
  await page.keyboard.press('Escape');

  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('node-train')).toHaveAttribute('data-status', /succeeded|cached/, { timeout: 60_000 });
  await page.getByTestId('deploy-menu-button').click();
  await page.getByTestId('deploy-target-web').click();
  const commands = page.getByTestId('deploy-commands');
  await expect(commands).toContainText(/npx tensorloom export-web sha256:[0-9a-f]{64} --out penguins-exports-web/);
  await expect(page.getByTestId('deploy-model')).toContainText('Model of node train');
  await expect(page.getByTestId('deploy-first')).toHaveCount(0);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/deploy-menu-web.png` });
  await page.keyboard.press('Escape');

  await page.getByTestId('deploy-menu-button').click();
  await page.getByTestId('deploy-target-argo').click();
  await expect(commands).toContainText('npx tensorloom export-pipeline penguins-exports.pipeline.json --target argo --image registry.example.com/penguins-exports-batch:1 --volume-claim tensorloom-store');
  await expect(commands).toContainText('argo submit penguins-exports.workflow.yaml --watch');
  await page.keyboard.press('Escape');

  await page.getByTestId('deploy-menu-button').click();
  await page.getByTestId('deploy-target-image').click();
  await expect(commands).toContainText('docker run --rm -p 8080:8080 penguins-exports:1');
});
