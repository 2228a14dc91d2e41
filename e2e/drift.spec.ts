import { expect, openSavedPipeline, selectNode, server, test } from './fixtures.js';

/** issue 13, items 2 and 7: a drift report between two CSVs, drifted columns first with their histograms. */
function csv(rows: number, shift: number): string {
  const lines = ['age,income,city'];
  for (let i = 0; i < rows; i++) {
    const u = (i + 0.5) / rows;
    const age = 20 + Math.round(40 * ((i * 7919) % rows) / rows);
    const income = (30 + 40 * u + shift).toFixed(2);
    const city = ['oslo', 'rome', 'lima'][(i * 31) % 3]!;
    lines.push(`${age},${income},${city}`);
  }
  return `${lines.join('\n')}\n`;
}

const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'drift-check',
  nodes: [
    { id: 'reference', type: 'data.csv', params: { path: 'data/drift-reference.csv' }, position: { x: 0, y: 0 } },
    { id: 'current', type: 'data.csv', params: { path: 'data/drift-current.csv' }, position: { x: 0, y: 200 } },
    { id: 'drift', type: 'monitor.drift', params: {}, position: { x: 320, y: 100 } },
  ],
  edges: [
    { from: 'reference.table', to: 'drift.reference' },
    { from: 'current.table', to: 'drift.current' },
  ],
};

test('the drift report lists the drifted column first with both histograms', async ({ page, request }) => {
  const headers = { authorization: `Bearer ${server.token}` };
  for (const [path, body] of [['data/drift-reference.csv', csv(400, 0)], ['data/drift-current.csv', csv(300, 15)]] as const) {
    const answer = await request.put(`${server.url}/api/files?path=${path}`, { headers, data: body });
    expect(answer.ok(), await answer.text()).toBe(true);
  }
  await openSavedPipeline(page, request, pipeline);
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('node-drift')).toHaveAttribute('data-status', /succeeded|cached/, { timeout: 60_000 });

  await selectNode(page, 'drift');
  const report = page.getByTestId('outputs-panel').getByTestId('drift-report');
  await expect(report).toBeVisible();
  await expect(report.getByTestId('drift-summary')).toContainText('1 of 3 columns drifted');
  const columns = report.locator('.drift-column');
  await expect(columns).toHaveCount(3);
  await expect(columns.first()).toHaveAttribute('data-testid', 'drift-column-income');
  await expect(columns.first()).toHaveAttribute('data-drifted', 'true');
  await expect(report.getByTestId('drift-statistic-income')).toContainText(/^p = .* < 0\.05/);
  const histogram = report.getByTestId('drift-histogram-income');
  await expect(histogram).toBeVisible();
  await expect(histogram.locator('.drift-histogram__reference').first()).toBeAttached();
  await expect(histogram.locator('.drift-histogram__current').first()).toBeAttached();
  await expect(report.getByTestId('drift-column-age')).toHaveAttribute('data-drifted', 'false');
  await expect(report.getByTestId('drift-histogram-city')).toBeVisible();
});
