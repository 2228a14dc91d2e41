/**
 * Readable layouts and panels that make room (issue 15, items 6 and 9): auto-layout wraps a
 * long chain instead of shrinking it to an unreadable zoom, Fit keeps small graphs legible,
 * the panels resize (mouse and keyboard) and remember their sizes, palette groups fold.
 */
import type { Page } from '@playwright/test';
import { expect, openApp, openSavedPipeline, SCREENSHOT_DIR, test } from './fixtures.js';

const LEGIBLE_ZOOM = 0.75;

/** A five-node chain without positions, as a hand-written file would be. */
const chain = {
  format: 'tensorloom/pipeline@1',
  name: `layout-chain-${Date.now().toString(36)}`,
  nodes: [
    { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'impute', type: 'feature.impute', params: {} },
    { id: 'scale', type: 'feature.scale', params: {} },
    { id: 'split', type: 'data.split', params: {} },
    { id: 'train', type: 'train.dense', params: { target: 'species' } },
  ],
  edges: [
    { from: 'csv.table', to: 'impute.table' },
    { from: 'impute.table', to: 'scale.table' },
    { from: 'scale.table', to: 'split.table' },
    { from: 'split.table', to: 'train.table' },
  ],
};

async function zoom(page: Page): Promise<number> {
  const transform = await page.locator('.react-flow__viewport').evaluate((element) => (element as HTMLElement).style.transform);
  const match = /scale\(([\d.]+)\)/.exec(transform);
  expect(match, `viewport transform ${transform}`).not.toBeNull();
  return Number(match![1]);
}

async function rowsOfNodes(page: Page): Promise<number> {
  const tops = await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((node) => Math.round(node.getBoundingClientRect().top)));
  return new Set(tops).size;
}

async function widthOf(page: Page, selector: string): Promise<number> {
  return page.locator(selector).evaluate((element) => Math.round(element.getBoundingClientRect().width));
}

test.describe('layout and panels (issue 15)', () => {
  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 1280, height: 720 },
  ]) {
    test(`a five-node chain is laid out readable and Fit keeps it legible at ${viewport.width}x${viewport.height}`, async ({ page, request }) => {
      await page.setViewportSize(viewport);
      await openSavedPipeline(page, request, chain);
      await expect.poll(() => zoom(page)).toBeGreaterThanOrEqual(LEGIBLE_ZOOM);
      expect(await rowsOfNodes(page)).toBeGreaterThan(1);

      await page.getByTestId('layout-button').click();
      await expect.poll(() => zoom(page)).toBeGreaterThanOrEqual(LEGIBLE_ZOOM);

      // Zoomed far out by hand, Fit brings the small graph back to a readable size.
      for (let i = 0; i < 8; i += 1) await page.locator('.react-flow__controls-zoomout').click();
      await expect.poll(() => zoom(page)).toBeLessThan(0.5);
      await page.locator('.react-flow__controls-fitview').click();
      await expect.poll(() => zoom(page)).toBeGreaterThanOrEqual(LEGIBLE_ZOOM);
      // Every node still shows on the canvas after Fit.
      const canvas = (await page.getByTestId('canvas').boundingBox())!;
      for (const box of await page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect))) {
        expect(box.left).toBeGreaterThanOrEqual(canvas.x - 1);
        expect(box.right).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
      }
      await page.screenshot({ path: `${SCREENSHOT_DIR}/builder-${viewport.width}x${viewport.height}.png` });
    });
  }

  test('panels resize by mouse and keyboard, fold palette groups, and remember both after a reload', async ({ page }) => {
    await openApp(page);
    // The outputs panel starts tall enough for a confusion matrix and a curve.
    expect(await page.getByTestId('outputs-panel').evaluate((element) => element.getBoundingClientRect().height)).toBeGreaterThanOrEqual(400);

    const sidebarBefore = await widthOf(page, '.sidebar');
    const handle = (await page.getByTestId('resize-sidebar').boundingBox())!;
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page.mouse.down();
    await page.mouse.move(handle.x + handle.width / 2 + 80, handle.y + handle.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => widthOf(page, '.sidebar')).toBe(sidebarBefore + 80);

    const inspectorBefore = await widthOf(page, '.side-right');
    await page.getByTestId('resize-inspector').focus();
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => widthOf(page, '.side-right')).toBe(inspectorBefore + 32);
    await expect(page.getByTestId('resize-inspector')).toHaveAttribute('aria-valuenow', String(inspectorBefore + 32));

    // Folding the Data and Features groups brings the training nodes into view without scrolling.
    await expect(page.getByTestId('palette-item-train.dense')).not.toBeInViewport();
    await page.getByTestId('palette-group-data-toggle').click();
    await expect(page.getByTestId('palette-group-data-toggle')).toHaveAttribute('aria-expanded', 'false');
    await expect(page.getByTestId('palette-item-data.csv')).toHaveCount(0);
    await page.getByTestId('palette-group-feature-toggle').click();
    await expect(page.getByTestId('palette-item-feature.scale')).toHaveCount(0);
    await expect(page.getByTestId('palette-item-train.dense')).toBeInViewport();

    await page.reload();
    await expect(page.getByTestId('palette-group-data-toggle')).toHaveAttribute('aria-expanded', 'false');
    await expect.poll(() => widthOf(page, '.sidebar')).toBe(sidebarBefore + 80);
    await expect.poll(() => widthOf(page, '.side-right')).toBe(inspectorBefore + 32);

    // A search shows matches in folded groups; unfolding restores the group.
    await page.getByTestId('palette-search').fill('csv');
    await expect(page.getByTestId('palette-item-data.csv')).toBeVisible();
    await page.getByTestId('palette-search').fill('');
    await page.getByTestId('palette-group-data-toggle').click();
    await expect(page.getByTestId('palette-item-data.csv')).toBeVisible();
    // Home restores a panel's default size.
    await page.getByTestId('resize-sidebar').focus();
    await page.keyboard.press('Home');
    await expect.poll(() => widthOf(page, '.sidebar')).toBe(sidebarBefore);
  });
});
