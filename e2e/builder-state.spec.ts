/**
 * Builder state that must not mislead (issue 15): runs made before the first save stay the
 * pipeline's (1), the name follows the file it is saved as (2), results go out of date when
 * a param changes upstream (4), and a past run shows the params it used (5).
 */
import type { Page } from '@playwright/test';
import { clickEmptyCanvas, dropNode, expect, openApp, openSavedPipeline, selectNode, server, test } from './fixtures.js';

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;

/** csv → split, saved through the API under `name`. */
function splitPipeline(name: string, seed: number) {
  return {
    format: 'tensorloom/pipeline@1',
    name,
    nodes: [
      { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
      { id: 'split', type: 'data.split', params: { seed }, position: { x: 380, y: 0 } },
    ],
    edges: [{ from: 'csv.table', to: 'split.table' }],
  };
}

async function run(page: Page): Promise<string> {
  await page.getByTestId('run-button').click();
  const summary = page.getByTestId('run-summary');
  await expect(summary).toHaveAttribute('data-phase', 'succeeded');
  return (await summary.locator('code').textContent())!;
}

/** A new pipeline of one CSV node with its path set (not saved). */
async function unsavedCsv(page: Page): Promise<void> {
  await openApp(page);
  await dropNode(page, 'data.csv', { x: 240, y: 160 });
  await selectNode(page, 'csv');
  await page.getByTestId('param-path').fill('data/penguins.csv');
}

async function saveAs(page: Page, file: string): Promise<void> {
  await clickEmptyCanvas(page);
  await page.getByTestId('save-button').click();
  await page.getByTestId('save-path').fill(file);
  await page.getByTestId('save-confirm').click();
  await expect(page.getByTestId('save-dialog')).toHaveCount(0);
  await expect(page.getByTestId('dirty-indicator')).toHaveCount(0);
}

async function runsOf(page: Page, file: string): Promise<{ runId: string; pipeline: string }[]> {
  const answer = await page.request.get(`${server.url}/api/runs?path=${encodeURIComponent(file)}`, { headers: { authorization: `Bearer ${server.token}` } });
  expect(answer.status()).toBe(200);
  return (await answer.json()) as { runId: string; pipeline: string }[];
}

test.describe('builder state (issue 15)', () => {
  test('runs made before the first save stay in the pipeline runs list once it is saved', async ({ page }) => {
    await unsavedCsv(page);
    const runId = await run(page);
    await expect(page.getByTestId(`run-item-${runId}`)).toBeVisible();

    // The unsaved document survives a reload, and so does what its first save must link.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.reload();
    await expect(page.getByTestId('node-csv')).toBeVisible();

    const file = `early-${unique()}.pipeline.json`;
    await saveAs(page, file);
    const runs = page.getByTestId('runs-panel');
    await expect(runs).toContainText('of this pipeline');
    await expect(page.getByTestId(`run-item-${runId}`)).toBeVisible();
    await expect(runs).not.toContainText('No runs yet.');
    expect((await runsOf(page, file)).map((item) => item.runId)).toEqual([runId]);
  });

  test('after Save as, the name follows the file and later runs are recorded under it', async ({ page }) => {
    await unsavedCsv(page);
    await expect(page.getByTestId('doc-name')).toHaveText('untitled');
    const base = `wine-${unique()}`;
    await saveAs(page, `${base}.pipeline.json`);
    await expect(page.getByTestId('doc-name')).toHaveText(base);

    const runId = await run(page);
    const [latest] = await runsOf(page, `${base}.pipeline.json`);
    expect(latest).toMatchObject({ runId, pipeline: base });
    // The file holds the name too, so the CLI lists its runs under it.
    const file = await page.request.get(`${server.url}/api/pipelines/file?path=${base}.pipeline.json`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(((await file.json()) as { document: { name: string } }).document.name).toBe(base);
  });

  test('a changed param marks that node and everything downstream out of date until they run again', async ({ page, request }) => {
    await openSavedPipeline(page, request, splitPipeline(`stale-${unique()}`, 1));
    await run(page);
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', /succeeded|cached/);
    await expect(page.getByTestId('node-status-split')).not.toHaveText('outdated');

    // Downstream only: the CSV node's result still holds.
    await selectNode(page, 'split');
    await page.getByTestId('param-seed').fill('2');
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-outdated', 'true');
    await expect(page.getByTestId('node-status-split')).toHaveText('outdated');
    await expect(page.getByTestId('node-split')).not.toContainText('reused from cache');
    await expect(page.getByTestId('node-csv')).not.toHaveAttribute('data-outdated', 'true');
    await expect(page.getByTestId('node-status-csv')).not.toHaveText('outdated');

    // A change at the source reaches everything after it.
    await selectNode(page, 'csv');
    await page.getByTestId('param-path').fill('./data/penguins.csv');
    await expect(page.getByTestId('node-csv')).toHaveAttribute('data-outdated', 'true');
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-outdated', 'true');

    // Running again brings both up to date.
    await run(page);
    await expect(page.getByTestId('node-csv')).not.toHaveAttribute('data-outdated', 'true');
    await expect(page.getByTestId('node-split')).not.toHaveAttribute('data-outdated', 'true');
    await expect(page.getByTestId('node-status-split')).toHaveText(/done|cached|succeeded/i);
  });

  test('a past run shows the params it used, read-only, not today’s', async ({ page, request }) => {
    await openSavedPipeline(page, request, splitPipeline(`history-${unique()}`, 1));
    const first = await run(page);
    await selectNode(page, 'split');
    await page.getByTestId('param-seed').fill('2');
    const second = await run(page);
    expect(second).not.toBe(first);

    await page.getByTestId(`run-item-${first}`).click();
    await expect(page.getByTestId(`run-item-${first}`)).toHaveClass(/is-current/);
    const used = page.getByTestId('run-params');
    await expect(used).toContainText(`Params used by run ${first}`);
    await expect(used).toContainText('read-only');
    await expect(used.getByTestId('run-param-seed')).toContainText('1');
    await expect(used.getByTestId('run-param-seed')).toHaveAttribute('data-differs', 'true');
    await expect(used.getByTestId('run-param-seed')).toContainText('now 2');
    await expect(used.locator('input, select, textarea')).toHaveCount(0);
    // Today's params are still there to edit, and the old result is out of date against them.
    await expect(page.getByTestId('param-seed')).toHaveValue('2');
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-outdated', 'true');

    await page.getByTestId(`run-item-${second}`).click();
    await expect(used).toContainText(`Params used by run ${second}`);
    await expect(used.getByTestId('run-param-seed')).toContainText('2');
    await expect(used.getByTestId('run-param-seed')).not.toHaveAttribute('data-differs', 'true');
    await expect(page.getByTestId('node-split')).not.toHaveAttribute('data-outdated', 'true');
  });
});
