/**
 * Issue 14, item 4 (feature store half): a pipeline with a feature.store.write node, run
 * from the builder, writes a feature view; the Features view lists it with its schema,
 * freshness and row counts, and the toolbar still fits at 1280×720.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, openSavedPipeline, SCREENSHOT_DIR, test } from './fixtures.js';

test('a feature view written by a pipeline is listed with its schema, freshness and row counts', async ({ page, request }) => {
  const view = `customers_${Date.now().toString(36)}`;
  const csv = `features-${view}.csv`;
  // Three customers, one measured twice.
  writeFileSync(join(process.env.E2E_WORKSPACE_DIR!, 'data', csv), 'customer,at,spend,tier\n1,2024-01-01,10,gold\n2,2024-01-02,20,silver\n1,2024-01-05,15,gold\n3,2024-01-06,7,bronze\n');
  const pipeline = {
    name: `write-${view}`,
    nodes: [
      { id: 'load', type: 'data.csv', params: { path: `data/${csv}` }, position: { x: 0, y: 0 } },
      { id: 'save', type: 'feature.store.write', params: { name: view, entity: ['customer'], timestamp: 'at', ttl: '30d' }, position: { x: 300, y: 0 } },
    ],
    edges: [{ from: 'load.table', to: 'save.table' }],
  };
  await openSavedPipeline(page, request, pipeline);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('node-save')).toHaveAttribute('data-status', 'succeeded', { timeout: 60_000 });

  await page.getByTestId('view-features').click();
  const listed = page.getByTestId(`feature-view-${view}`);
  await expect(listed).toBeVisible();
  await expect(listed).toContainText('4 rows · 3 entities online');
  await listed.click();
  const detail = page.getByTestId('feature-view-detail');
  await expect(detail.getByRole('heading', { name: view })).toBeVisible();
  await expect(detail.getByTestId('feature-view-facts')).toContainText('4 offline in 1 partition · 3 entities online');
  await expect(detail.getByTestId('feature-view-facts')).toContainText('30d');
  const schema = detail.getByTestId('feature-view-schema');
  await expect(schema.locator('tbody tr')).toHaveText([/customer\s*entity key\s*number/, /at\s*timestamp\s*time/, /spend\s*feature\s*number/, /tier\s*feature\s*string/]);

  // The five view tabs and the builder's controls keep to one row at 1280×720 (the backend badge shrinks to its dot).
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: `${SCREENSHOT_DIR}/features-page-1280x720.png` });
  const toolbar = await page.getByTestId('toolbar').boundingBox();
  const tab = await page.getByTestId('view-features').boundingBox();
  expect(tab!.y + tab!.height).toBeLessThanOrEqual(toolbar!.y + toolbar!.height);
  await page.getByTestId('view-builder').click();
  await page.screenshot({ path: `${SCREENSHOT_DIR}/features-builder-toolbar-1280x720.png` });
  const runButton = await page.getByTestId('run-button').boundingBox();
  const toolbarAgain = await page.getByTestId('toolbar').boundingBox();
  expect(runButton!.x + runButton!.width).toBeLessThanOrEqual(1280);
  expect(runButton!.y + runButton!.height).toBeLessThanOrEqual(toolbarAgain!.y + toolbarAgain!.height);
  for (const id of ['cancel-button', 'socket-status', 'backend-badge']) {
    const box = await page.getByTestId(id).boundingBox();
    expect(box!.x + box!.width, `${id} inside the window`).toBeLessThanOrEqual(1280);
  }
});
