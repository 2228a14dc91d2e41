/**
 * A pipeline saved when `test.offset` was at version 1 (its param was `plus`; version 2 calls
 * it `amount`, see core/graph/test-support/versioned-node.ts, registered in e2e/serve.ts).
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tensorloom } from '../cli/test-support/run-cli.js';
import { expect, openApp, selectNode, server, test } from './fixtures.js';

const OLD = {
  format: 'tensorloom/pipeline@1',
  name: 'old-offsets',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
    { id: 'off', type: 'test.offset', label: 'Shift', params: { plus: 3 }, position: { x: 320, y: 0 } },
  ],
  edges: [],
};

test('an old pipeline opens migrated and unsaved; saving writes typeVersion exactly as tensorloom migrate does', async ({ page, request }) => {
  const workspace = process.env.E2E_WORKSPACE_DIR!;
  const file = 'old-offsets.pipeline.json';
  const saved = await request.put(`${server.url}/api/pipelines/file?path=${file}`, { headers: { authorization: `Bearer ${server.token}` }, data: { document: OLD } });
  expect(saved.status()).toBe(200);
  const before = readFileSync(join(workspace, file), 'utf8');
  // The same file for the CLI to migrate, to compare with what the UI saves.
  copyFileSync(join(workspace, file), join(workspace, 'old-offsets-cli.pipeline.json'));

  await openApp(page);
  await page.getByTestId('open-button').click();
  await page.getByTestId(`open-pipeline-${file}`).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(2);

  // Migrated on open: unsaved, with a notice naming the node and versions, the param under its new name.
  await expect(page.getByTestId('dirty-indicator')).toBeVisible();
  await expect(page.getByTestId('toast').filter({ hasText: 'off (test.offset 1 → 2)' })).toBeVisible();
  await selectNode(page, 'off');
  await expect(page.getByTestId('param-amount')).toHaveValue('3');
  // Opening alone never writes the file.
  expect(readFileSync(join(workspace, file), 'utf8')).toBe(before);

  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('toast').filter({ hasText: `Saved ${file}` })).toBeVisible();
  await expect(page.getByTestId('dirty-indicator')).toHaveCount(0);

  const written = readFileSync(join(workspace, file), 'utf8');
  expect(JSON.parse(written)).toEqual({
    format: 'tensorloom/pipeline@1',
    name: 'old-offsets',
    nodes: [
      { id: 'load', type: 'data.csv', typeVersion: 1, params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
      { id: 'off', type: 'test.offset', typeVersion: 2, label: 'Shift', params: { amount: 3 }, position: { x: 320, y: 0 } },
    ],
    edges: [],
  });

  // `tensorloom migrate` on the untouched copy writes the same bytes: no diff between the two.
  const env = { TENSORLOOM_PLUGINS: join(REPO, 'cli', 'test-support', 'versioned-plugin.ts') };
  const migrated = tensorloom(['migrate', 'old-offsets-cli.pipeline.json'], { cwd: workspace, env });
  expect(migrated.status, migrated.stderr).toBe(0);
  expect(readFileSync(join(workspace, 'old-offsets-cli.pipeline.json'), 'utf8')).toBe(written);
  expect(tensorloom(['migrate', file, '--check'], { cwd: workspace, env }).status).toBe(0);
});
