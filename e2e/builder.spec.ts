import { clearCanvas, clickEmptyCanvas, connect, dragWire, dropNode, expect, handle, openApp, selectNode, server, test } from './fixtures.js';

test.describe('the visual builder', () => {
  test('builds a pipeline from the palette, runs it and shows the metrics', async ({ page }) => {
    await openApp(page);
    await expect(page.getByTestId('empty-canvas')).toBeVisible();

    await dropNode(page, 'data.csv', { x: 240, y: 160 });
    await dropNode(page, 'data.split', { x: 600, y: 200 });
    await expect(page.getByTestId('node-csv')).toHaveAttribute('data-status', 'idle');
    await connect(page, ['csv', 'table'], ['split', 'table']);

    await selectNode(page, 'csv');
    await page.getByTestId('param-path').fill('data/penguins.csv');
    await selectNode(page, 'split');
    // An out-of-range value is flagged at once, then accepted when fixed.
    await page.getByTestId('param-test').fill('2');
    await expect(page.getByTestId('field-error-test').first()).toContainText('at most 0.9');
    await page.getByTestId('param-test').fill('0.2');
    await expect(page.getByTestId('field-error-test')).toHaveCount(0);
    await page.getByTestId('param-stratifyBy').fill('species');
    await expect(page.getByTestId('node-split')).toContainText('species');

    await page.getByTestId('run-button').click();
    // Every spec shares one workspace: another may already have read penguins.csv (or split it
    // the same way), and then this run reuses that result. Either way the node completes.
    await expect(page.getByTestId('node-csv')).toHaveAttribute('data-status', /^(succeeded|cached)$/);
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', /^(succeeded|cached)$/);
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded');

    await selectNode(page, 'split');
    const panel = page.getByTestId('outputs-panel');
    const testRows = Number((await panel.getByTestId('metric-value-test_rows').textContent())?.replace(/,/g, ''));
    const trainRows = Number((await panel.getByTestId('metric-value-train_rows').textContent())?.replace(/,/g, ''));
    expect(testRows).toBeGreaterThan(0);
    expect(testRows + trainRows).toBe(344);
    // The split's table output: all 344 penguins, previewed with per-column histograms.
    await expect(panel.getByTestId('output-table-rowcount')).toHaveText('344');
    await expect(panel.locator('.table-preview__col')).not.toHaveCount(0);
    await expect(panel.locator('.histogram').first()).toBeVisible();
  });

  test('refuses invalid connections and says why', async ({ page, request }) => {
    await openApp(page);
    const catalog = (await (await request.get(`${server.url}/api/nodes`, { headers: { authorization: `Bearer ${server.token}` } })).json()) as {
      type: string;
      inputs: Record<string, { type: string }>;
    }[];
    // A table into a model input once such a node exists; the test-only slow node's metrics input otherwise.
    const taker = catalog.find((entry) => Object.values(entry.inputs).some((input) => input.type === 'model')) ?? catalog.find((entry) => entry.type === 'test.sleep')!;
    const [wrongPort, wrongSpec] = Object.entries(taker.inputs).find(([, input]) => input.type !== 'table')!;

    await dropNode(page, 'data.csv', { x: 180, y: 120 });
    await dropNode(page, taker.type, { x: 560, y: 120 });
    const takerId = (await page.locator('.react-flow__node').nth(1).getAttribute('data-id'))!;

    const wire = await dragWire(page, handle(page, 'csv', 'table', 'out'), handle(page, takerId, wrongPort, 'in'), { hold: true });
    await expect(page.getByTestId('connection-hint')).toContainText(`takes a ${wrongSpec.type}`);
    await wire.release();
    await expect(page.getByTestId('toast').filter({ hasText: 'Not connected: type mismatch' })).toBeVisible();
    await expect(page.getByTestId('connection-hint')).toHaveCount(0);
    await expect(page.locator('.react-flow__edge')).toHaveCount(0);

    // A second wire into an input that is already fed.
    await clearCanvas(page);
    await dropNode(page, 'data.csv', { x: 180, y: 60 });
    await dropNode(page, 'data.csv', { x: 180, y: 300 });
    await dropNode(page, 'data.split', { x: 560, y: 180 });
    await connect(page, ['csv', 'table'], ['split', 'table']);
    await dragWire(page, handle(page, 'csv2', 'table', 'out'), handle(page, 'split', 'table', 'in'));
    await expect(page.getByTestId('toast').filter({ hasText: 'split.table is already fed by csv.table' })).toBeVisible();
    await expect(page.locator('.react-flow__edge')).toHaveCount(1);

    // A cycle: split → split2, then split2 back into split.
    await clearCanvas(page);
    await dropNode(page, 'data.split', { x: 180, y: 150 });
    await dropNode(page, 'data.split', { x: 560, y: 150 });
    await connect(page, ['split', 'table'], ['split2', 'table']);
    await dragWire(page, handle(page, 'split2', 'table', 'out'), handle(page, 'split', 'table', 'in'));
    await expect(page.getByTestId('toast').filter({ hasText: 'this would make a cycle: split2 → split → split2' })).toBeVisible();
    await expect(page.locator('.react-flow__edge')).toHaveCount(1);
  });

  test('undoes and redoes a multi-node paste and delete in one step each', async ({ page }) => {
    await openApp(page);
    await dropNode(page, 'data.csv', { x: 200, y: 150 });
    await dropNode(page, 'data.split', { x: 560, y: 150 });
    await connect(page, ['csv', 'table'], ['split', 'table']);
    const nodes = page.locator('.react-flow__node');
    const edges = page.locator('.react-flow__edge');

    await clickEmptyCanvas(page);
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await expect(nodes).toHaveCount(4);
    await expect(edges).toHaveCount(2);
    await expect(page.getByTestId('node-csv2')).toBeVisible();
    await expect(page.getByTestId('inspector')).toContainText('2 nodes selected');

    await page.keyboard.press('Control+z');
    await expect(nodes).toHaveCount(2);
    await expect(edges).toHaveCount(1);
    await page.keyboard.press('Control+Shift+z');
    await expect(nodes).toHaveCount(4);
    await expect(edges).toHaveCount(2);

    // The pasted pair is selected: Delete removes both (and their wire) as one step.
    await page.getByTestId('node-split2').locator('.tl-node__header').click();
    await page.getByTestId('node-csv2').locator('.tl-node__header').click({ modifiers: ['Control'] });
    await expect(page.getByTestId('inspector')).toContainText('2 nodes selected');
    await page.keyboard.press('Delete');
    await expect(nodes).toHaveCount(2);
    await expect(edges).toHaveCount(1);
    await page.keyboard.press('Control+z');
    await expect(nodes).toHaveCount(4);
    await expect(edges).toHaveCount(2);
    await expect(page.getByTestId('undo-button')).toBeEnabled();
  });

  test('cancels a long run, then runs only up to a node', async ({ page }) => {
    await openApp(page);
    await dropNode(page, 'data.csv', { x: 200, y: 150 });
    await dropNode(page, 'test.sleep', { x: 560, y: 150 });
    await selectNode(page, 'csv');
    await page.getByTestId('param-path').fill('data/penguins.csv');
    await selectNode(page, 'sleep');
    await page.getByTestId('param-ms').fill('120000');

    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('node-sleep')).toHaveAttribute('data-status', 'running');
    await expect(page.getByTestId('node-sleep').locator('.tl-node__progress')).toBeVisible();
    await expect(page.getByTestId('run-button')).toBeDisabled();
    await page.getByTestId('cancel-button').click();
    await expect(page.getByTestId('node-sleep')).toHaveAttribute('data-status', 'cancelled');
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'cancelled');
    await expect(page.getByTestId('node-csv')).toHaveAttribute('data-status', /succeeded|cached/);
    await expect(page.getByTestId('run-button')).toBeEnabled();

    // Run to here: only the selected node and what it needs; the slow node is left out.
    await selectNode(page, 'csv');
    await page.getByTestId('run-to-here-button').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded');
    await expect(page.getByTestId('node-csv')).toHaveAttribute('data-status', 'cached');
    await expect(page.getByTestId('node-sleep')).toHaveAttribute('data-status', 'idle');
  });

  test('keeps the pipeline and the last run across a reload, and lists past runs', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('open-button').click();
    await page.getByTestId('example-seattle-weather').click();
    await expect(page.getByTestId('node-load')).toBeVisible();
    await expect(page.getByTestId('doc-name')).toHaveText('seattle-weather');

    await page.getByTestId('run-button').click();
    // The example may grow (training, export): wait for the whole run.
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded', { timeout: 90_000 });
    await expect(page.getByTestId('node-load')).toHaveAttribute('data-status', /succeeded|cached/);
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', /succeeded|cached/);
    const runItems = page.locator('[data-testid^="run-item-"]');
    await expect(runItems.first()).toBeVisible();

    // An unsaved edit: the reload asks first (beforeunload), and the draft survives it.
    await selectNode(page, 'split');
    await page.getByTestId('param-seed').fill('11');
    await expect(page.getByTestId('dirty-indicator')).toBeVisible();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.reload();
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', /succeeded|cached/);
    await expect(page.getByTestId('node-load')).toHaveAttribute('data-status', /succeeded|cached/);
    await expect(page.getByTestId('dirty-indicator')).toBeVisible();
    await selectNode(page, 'split');
    await expect(page.getByTestId('param-seed')).toHaveValue('11');

    // A past run from the list shows its states on the canvas.
    await page.getByTestId('new-button').click();
    await page.getByTestId('confirm-ok').click();
    await expect(page.getByTestId('empty-canvas')).toBeVisible();
    await page.getByTestId('open-button').click();
    await page.getByTestId('example-seattle-weather').click();
    await expect(page.getByTestId('node-split')).toHaveAttribute('data-status', /succeeded|cached/);
    await page.getByTestId('outputs-panel').getByText('past run').waitFor();
    await runItems.first().click();
    await expect(runItems.first()).toHaveClass(/is-current/);
  });

  test('the API refuses requests without the token', async ({ page, playwright }) => {
    const anonymous = await playwright.request.newContext();
    const refused = await anonymous.get(`${server.url}/api/nodes`);
    expect(refused.status()).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toBeTruthy();
    const wrong = await anonymous.get(`${server.url}/api/nodes`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status()).toBe(401);
    const allowed = await anonymous.get(`${server.url}/api/nodes`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(allowed.status()).toBe(200);
    await anonymous.dispose();

    // The page itself, opened without the launch link, says how to get in.
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(401);
  });
});
