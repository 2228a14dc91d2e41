import { expect, openSavedPipeline, SCREENSHOT_DIR, selectNode, test } from './fixtures.js';

/** Train, then package: deploy.container writes the image's build context and manifests (build off: no engine needed here). */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-deploy',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
    { id: 'train', type: 'train.dense', params: { target: 'species', epochs: 10, hiddenLayers: [16] } },
    { id: 'image', type: 'deploy.container', params: { tag: 'penguins:e2e', name: 'penguins', build: false } },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'train.table' },
    { from: 'train.model', to: 'image.model' },
  ],
};

test('a container node shows the image it packaged and the commands to run and ship it', async ({ page, request }) => {
  await openSavedPipeline(page, request, pipeline);

  // The tag is checked while typing: Docker's reference grammar, with the reason under the field.
  await selectNode(page, 'image');
  const tag = page.getByTestId('param-tag');
  await tag.fill('Penguins:e2e');
  await expect(page.getByTestId('inspector')).toContainText('lowercase');
  await tag.fill('penguins:e2e');

  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('node-image')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });
  const card = page.getByTestId('outputs-panel').getByTestId('container-image');
  await expect(card).toContainText('penguins:e2e');
  await expect(card).toContainText('not built: the build context is in deploy/penguins');
  await expect(card).toContainText('docker run --rm -p 8080:8080 penguins:e2e');
  await expect(card).toContainText('curl -s localhost:8080/v2/models/penguins');
  await expect(card).toContainText('kubectl apply -f deploy/penguins/k8s/deployment.yaml');
  await page.screenshot({ path: `${SCREENSHOT_DIR}/deploy-container.png` });
});
