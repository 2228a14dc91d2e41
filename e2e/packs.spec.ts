/**
 * The example node pack (examples/packs/tensorloom-pack-skew, loaded by e2e/serve.ts as
 * TENSORLOOM_PLUGINS would load its folder): its node types sit in the palette under the
 * pack's name, its pipeline runs in the UI (training and batch prediction replay its recipe
 * step), and a node added from the pack records the pack in the saved file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../cli/test-support/run-cli.js';
import { dropNode, expect, openSavedPipeline, selectNode, test } from './fixtures.js';

const example = JSON.parse(readFileSync(join(REPO, 'examples', 'packs', 'credit-workspace', 'credit.pipeline.json'), 'utf8')) as { name: string; nodes: { id: string; type: string }[] };
const document = { ...example, name: 'pack-credit' };

test("a node pack's types are grouped under its name in the palette, and its pipeline runs in the UI", async ({ page, request }) => {
  await openSavedPipeline(page, request, document);

  const group = page.getByTestId('palette-group-pack-tensorloom-pack-skew');
  await expect(group).toBeVisible();
  await expect(group.locator('.palette__group-title')).toContainText('tensorloom-pack-skew');
  await expect(group.getByTestId('palette-item-skew.generate')).toBeVisible();
  await expect(group.getByTestId('palette-item-skew.log')).toBeVisible();
  // Not also among the built-in categories.
  await expect(page.getByTestId('palette-group-data').getByTestId('palette-item-skew.generate')).toHaveCount(0);
  await expect(page.getByTestId('palette-group-feature').getByTestId('palette-item-skew.log')).toHaveCount(0);
  // Searching finds pack nodes like any other.
  await page.getByTestId('palette-search').fill('skewed');
  await expect(page.getByTestId('palette-item-skew.generate')).toBeVisible();
  await expect(page.getByTestId('palette-item-data.csv')).toHaveCount(0);
  await page.getByTestId('palette-search').fill('');

  await page.getByTestId('run-button').click();
  for (const { id } of document.nodes) {
    await expect(page.getByTestId(`node-${id}`)).toHaveAttribute('data-status', /succeeded|cached/, { timeout: 120_000 });
  }
  await selectNode(page, 'evaluate');
  await expect(page.getByTestId('outputs-panel')).toContainText('accuracy');

  // A node dropped from the pack's group records the pack, so a workspace without it names the pack to install.
  await dropNode(page, 'skew.generate', { x: 120, y: 40 });
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Saved pack-credit.pipeline.json' })).toBeVisible();
  const saved = JSON.parse(readFileSync(join(process.env.E2E_WORKSPACE_DIR!, 'pack-credit.pipeline.json'), 'utf8')) as { nodes: { id: string; type: string; pack?: string; typeVersion?: number }[] };
  const added = saved.nodes.find((node) => node.type === 'skew.generate' && !example.nodes.some((known) => known.id === node.id));
  expect(added).toMatchObject({ type: 'skew.generate', typeVersion: 1, pack: 'tensorloom-pack-skew' });
  expect(saved.nodes.find((node) => node.id === 'log')).toMatchObject({ pack: 'tensorloom-pack-skew' });
});
