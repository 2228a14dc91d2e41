/**
 * Accessibility (issue 15): axe-core finds no serious or critical violation on the main
 * views: the empty builder, a trained pipeline with a node's outputs, the open dialog and
 * the command palette.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, openApp, openSavedPipeline, selectNode, test } from './fixtures.js';

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.slice(0, 3).map((node) => node.target.join(' ')).join(' | ')}`);
}

test.describe('accessibility (issue 15)', () => {
  test('the empty builder, the open dialog and the command palette', async ({ page }) => {
    await openApp(page);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('open-button').click();
    await expect(page.getByTestId('open-dialog')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+k');
    await expect(page.getByTestId('command-palette')).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('a trained pipeline with the inspector and the outputs of a node', async ({ page, request }) => {
    await openSavedPipeline(page, request, {
      name: `a11y-${Date.now().toString(36)}`,
      nodes: [
        { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' }, position: { x: 0, y: 0 } },
        { id: 'split', type: 'data.split', params: { seed: 3 }, position: { x: 320, y: 0 } },
        { id: 'train', type: 'train.dense', params: { target: 'species', epochs: 3 }, position: { x: 640, y: 0 } },
        { id: 'evaluate', type: 'eval.model', params: {}, position: { x: 960, y: 0 } },
      ],
      edges: [
        { from: 'csv.table', to: 'split.table' },
        { from: 'split.table', to: 'train.table' },
        { from: 'train.model', to: 'evaluate.model' },
        { from: 'split.table', to: 'evaluate.table' },
      ],
    } as { name: string; nodes: unknown[] });
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded', { timeout: 120_000 });
    await selectNode(page, 'evaluate');
    expect(await seriousViolations(page)).toEqual([]);
  });
});
