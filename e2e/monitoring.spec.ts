/**
 * Issue 13, item 7: the monitoring view of a served model. A prediction log with feedback is
 * written into the e2e workspace with the model server's own writer (as `tensorloom serve`
 * does under .tensorloom/predictions/<model>/); the view shows throughput, latency and
 * accuracy over time and the totals, for the range picked, and passes axe.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { join } from 'node:path';
import { PredictionLog } from '../core/monitor/prediction-log.js';
import { expect, openApp, test } from './fixtures.js';

const MINUTE = 60_000;

async function writeLog(model: string): Promise<void> {
  const log = new PredictionLog(join(process.env.E2E_WORKSPACE_DIR!, '.tensorloom', 'predictions', model), { flushMs: 60_000 });
  const now = Date.now();
  const classes = ['Adelie', 'Chinstrap', 'Gentoo'];
  // Five requests in the last hour (four with feedback, three right), one three hours ago.
  const traffic: [string, number, string, number, string | undefined][] = [
    ['r1', now - 50 * MINUTE, 'Adelie', 2, 'Adelie'],
    ['r2', now - 40 * MINUTE, 'Gentoo', 4, 'Gentoo'],
    ['r3', now - 30 * MINUTE, 'Adelie', 3, 'Chinstrap'],
    ['r4', now - 20 * MINUTE, 'Chinstrap', 8, 'Chinstrap'],
    ['r5', now - 10 * MINUTE, 'Gentoo', 5, undefined],
    ['r0', now - 180 * MINUTE, 'Adelie', 1, 'Gentoo'],
  ];
  for (const [id, time, prediction, latencyMs] of traffic) {
    log.logPrediction({
      id: `${model}-${id}`,
      time: new Date(time).toISOString(),
      model,
      version: '1',
      latencyMs,
      rows: 1,
      features: { bill_length_mm: [42] },
      predictions: [prediction],
      probabilities: [[0.6, 0.2, 0.2]],
      classes,
    });
  }
  log.logFeedback(traffic.filter(([, , , , label]) => label !== undefined).map(([id, , , , label]) => ({ id: `${model}-${id}`, label })));
  await log.close();
}

test('the monitoring view charts a served model’s throughput, latency and accuracy', async ({ page }) => {
  const model = `monitor-${Date.now().toString(36)}`;
  await writeLog(model);
  await openApp(page);
  await page.getByTestId('view-monitoring').click();
  const pageView = page.getByTestId('monitoring-page');
  await expect(pageView).toBeVisible();
  await pageView.getByTestId(`monitored-${model}`).click();
  const detail = page.getByTestId('monitoring-detail');
  await expect(detail.getByRole('heading', { name: model })).toBeVisible();

  // Last 24 hours (the default): all six requests, five labeled, three of them right.
  await expect(detail.getByTestId('total-requests')).toHaveText('6');
  await expect(detail.getByTestId('total-labeled')).toHaveText('5');
  await expect(detail.getByTestId('total-accuracy')).toHaveText('0.6');
  await expect(detail.getByTestId('total-latency')).toHaveText('p50 3 · p95 8 · p99 8');
  for (const chart of ['chart-throughput', 'chart-latency', 'chart-quality']) {
    await expect(detail.getByTestId(chart)).toBeVisible();
    await expect(detail.getByTestId(chart).locator('polyline').first()).toBeAttached();
  }
  // The x axis is time: each tick is a window's start (local hh:mm, with the day when the range spans two).
  const throughput = detail.getByTestId('chart-throughput');
  await expect(throughput.getByRole('img')).toHaveAttribute('aria-label', /by time$/);
  const ticks = (await throughput.locator('text.chart__tick--x').allTextContents()).filter(Boolean);
  expect(ticks.length).toBeGreaterThan(1);
  for (const tick of ticks) expect(tick).toMatch(/^(\d\d-\d\d )?\d\d:\d\d$/);

  // Last hour: the request three hours ago drops out.
  await detail.getByLabel('Time range').selectOption('1h');
  await expect(detail.getByTestId('total-requests')).toHaveText('5');
  await expect(detail.getByTestId('total-accuracy')).toHaveText('0.75');
  await expect(detail.getByTestId('chart-quality')).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ')}`);
  expect(serious).toEqual([]);
});
