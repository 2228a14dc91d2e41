/**
 * The runs page, compare view and models page (issue 12): two seeded runs that differ in one
 * param are listed with their metrics and that param, filtered, sorted and compared (the
 * difference, the best metric marked, curves overlaid); the registered versions show with
 * their aliases, an alias moved here enters its history, and a version leads back to the
 * run that trained it.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { APIRequestContext, Page } from '@playwright/test';
import { expect, openApp, openSavedPipeline, SCREENSHOT_DIR, selectNode, server, test } from './fixtures.js';

const auth = { authorization: `Bearer ${server.token}` };
const suffix = Date.now().toString(36);
const model = `penguins-ui-${suffix}`;
const experiment = `tracking-ui-${suffix}`;

function pipeline(epochs: number) {
  return {
    format: 'tensorloom/pipeline@1',
    name: experiment,
    nodes: [
      { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' } },
      { id: 'split', type: 'data.split', params: { seed: 4 } },
      { id: 'train', type: 'train.dense', params: { target: 'species', epochs, seed: 4 } },
      { id: 'evaluate', type: 'eval.model', params: {} },
      { id: 'register', type: 'registry.register', params: { name: model, alias: 'champion' } },
    ],
    edges: [
      { from: 'csv.table', to: 'split.table' },
      { from: 'split.table', to: 'train.table' },
      { from: 'train.model', to: 'evaluate.model' },
      { from: 'split.table', to: 'evaluate.table' },
      { from: 'train.model', to: 'register.model' },
      { from: 'evaluate.metrics', to: 'register.metrics' },
    ],
  };
}

async function runToEnd(request: APIRequestContext, epochs: number): Promise<string> {
  const started = await request.post(`${server.url}/api/runs`, { headers: auth, data: { document: pipeline(epochs) } });
  expect(started.status(), await started.text()).toBe(202);
  const { runId } = (await started.json()) as { runId: string };
  await expect
    .poll(async () => ((await (await request.get(`${server.url}/api/runs/${runId}`, { headers: auth })).json()) as { status: string }).status, { timeout: 120_000 })
    .toBe('succeeded');
  return runId;
}

async function noSeriousViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.nodes[0]?.target.join(' ')}`)).toEqual([]);
}

test.describe('runs, compare and models pages (issue 12)', () => {
  test('runs are listed, filtered, sorted and compared; models show versions, aliases and lineage', async ({ page, request }) => {
    const first = await runToEnd(request, 2);
    const second = await runToEnd(request, 6);

    await openApp(page);
    await page.getByTestId('view-runs').click();
    await page.getByTestId('runs-experiment').selectOption(experiment);
    const table = page.getByTestId('runs-table');
    await expect(table.locator('tbody tr')).toHaveCount(2);
    // The param that differs is a column; a metric column shows each run's value.
    await expect(page.getByTestId(`cell-${first}-params.train.epochs`)).toHaveText('2');
    await expect(page.getByTestId(`cell-${second}-params.train.epochs`)).toHaveText('6');
    await expect(table.locator('thead')).toContainText('accuracy');
    await noSeriousViolations(page);
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1280, height: 720 },
    ]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/runs-page-${size.width}x${size.height}.png` });
    }

    // Sorting by a column puts the other run first; a filter keeps one run.
    await page.getByTestId('sort-params.train.epochs').click();
    await expect(table.locator('tbody tr').first()).toHaveAttribute('data-testid', `runs-row-${second}`);
    await page.getByTestId('sort-params.train.epochs').click();
    await expect(table.locator('tbody tr').first()).toHaveAttribute('data-testid', `runs-row-${first}`);
    await page.getByTestId('runs-where').fill('params.train.epochs = 6');
    await page.getByTestId('runs-apply').click();
    await expect(table.locator('tbody tr')).toHaveCount(1);
    // A filter that does not parse says where.
    await page.getByTestId('runs-where').fill('metrics.accuracy >');
    await page.getByTestId('runs-apply').click();
    await expect(page.getByTestId('runs-problem')).toContainText('column');
    await expect(page.getByTestId('runs-problem').locator('pre')).toContainText('^');
    await page.getByTestId('runs-where').fill('');
    await page.getByTestId('runs-apply').click();
    await expect(table.locator('tbody tr')).toHaveCount(2);

    await page.getByTestId(`select-${first}`).check();
    await page.getByTestId(`select-${second}`).check();
    await page.getByTestId('compare-button').click();
    const compare = page.getByTestId('compare-view');
    await expect(compare.getByTestId('compare-param-train.epochs')).toContainText('2');
    await expect(compare.getByTestId('compare-param-train.epochs')).toContainText('6');
    // Only the param that differs is listed.
    await expect(compare.getByTestId('compare-params').locator('tr')).toHaveCount(1);
    await expect(compare.locator('[data-best="true"]').first()).toBeVisible();
    await expect(compare.getByTestId('compare-curves').locator('[data-testid^="compare-curve-train."]').first()).toBeVisible();
    await noSeriousViolations(page);
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1280, height: 720 },
    ]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/compare-${size.width}x${size.height}.png`, fullPage: true });
    }

    // Models: both runs registered a version; champion points at the newer one.
    await page.getByTestId('view-models').click();
    await page.getByTestId(`model-${model}`).click();
    const detail = page.getByTestId('model-detail');
    await expect(detail.getByTestId('model-versions').locator('tbody tr')).toHaveCount(2);
    await expect(detail.getByTestId('alias-champion')).toContainText('→ v2');
    await page.getByTestId('alias-name').fill('champion');
    await page.getByTestId('alias-version').selectOption('1');
    await page.getByTestId('alias-set').click();
    await expect(detail.getByTestId('alias-champion')).toContainText('→ v1');
    await expect(detail.getByTestId('alias-champion')).toContainText('v2 → v1 by POST /api/models');
    await expect(page.getByTestId(`model-${model}`)).toContainText('@champion→v1');
    await noSeriousViolations(page);
    for (const size of [
      { width: 1440, height: 900 },
      { width: 1280, height: 720 },
    ]) {
      await page.setViewportSize(size);
      await page.screenshot({ path: `${SCREENSHOT_DIR}/models-${size.width}x${size.height}.png` });
    }

    // A version leads back to the run that trained it, shown in the builder.
    await detail.getByTestId('version-1').getByRole('button', { name: 'v1' }).click();
    await expect(page.getByTestId('version-lineage')).toContainText(`run ${first}`);
    await expect(page.getByTestId('version-lineage')).toContainText('data/penguins.csv');
    await page.getByTestId('lineage-run').click();
    await expect(page.getByTestId('canvas')).toBeVisible();
    await expect(page.getByTestId('run-summary').locator('code')).toHaveText(first);
  });

  test('a tune node shows each searched param against the metric, the best trial marked', async ({ page, request }) => {
    await openSavedPipeline(page, request, {
      format: 'tensorloom/pipeline@1',
      name: `tune-ui-${suffix}`,
      nodes: [
        { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
        { id: 'split', type: 'data.split', params: { seed: 5 }, position: { x: 320, y: 0 } },
        {
          id: 'tune',
          type: 'train.tune',
          params: { target: 'species', hiddenLayers: [8], epochs: 3, batchSize: 64, trials: 4, folds: 2, seed: 5, metric: 'accuracy', direction: 'max', space: { learningRate: { min: 0.001, max: 0.1, log: true }, activation: ['relu', 'tanh'] } },
          position: { x: 640, y: 0 },
        },
      ],
      edges: [
        { from: 'csv.table', to: 'split.table' },
        { from: 'split.table', to: 'tune.table' },
      ],
    } as { name: string; nodes: unknown[] });
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded', { timeout: 150_000 });
    await selectNode(page, 'tune');
    const trials = page.getByTestId('trials-view');
    await expect(trials).toContainText('Trials (4)');
    for (const param of ['learningRate', 'activation']) {
      const chart = trials.getByTestId(`trials-${param}`);
      await expect(chart.locator('circle')).toHaveCount(4);
      await expect(chart.locator('circle[data-best="true"]')).toHaveCount(1);
    }
    await page.screenshot({ path: `${SCREENSHOT_DIR}/tune-trials.png` });
  });
});
