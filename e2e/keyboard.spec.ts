/**
 * Keyboard only (issue 15): a pipeline built from an empty canvas without the mouse: nodes
 * added from the command palette (Ctrl+K), params typed in the inspector, ports wired from
 * the palette's Connect commands, run with Ctrl+Enter, saved with Ctrl+S; arrows move the
 * selection, Delete removes it, Ctrl+Z brings it back.
 */
import type { Page } from '@playwright/test';
import { expect, openApp, server, test } from './fixtures.js';

async function command(page: Page, query: string, expected: string): Promise<void> {
  await page.keyboard.press('Control+k');
  await expect(page.getByTestId('command-palette')).toBeVisible();
  await page.keyboard.type(query);
  // The first match is what Enter runs; it must be the one meant.
  await expect(page.locator('[role="option"][aria-selected="true"]')).toContainText(expected);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('command-palette')).toHaveCount(0);
}

async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

/** Tabs forward until the field with this test id has the focus, as a keyboard user would. */
async function tabTo(page: Page, testId: string): Promise<void> {
  for (let i = 0; i < 40 && (await focusedTestId(page)) !== testId; i += 1) await page.keyboard.press('Tab');
  expect(await focusedTestId(page)).toBe(testId);
}

async function nodeX(page: Page, id: string): Promise<number> {
  return page.locator(`.react-flow__node[data-id="${id}"]`).evaluate((element) => Number(/translate\(([-\d.]+)px/.exec((element as HTMLElement).style.transform)?.[1]));
}

test('a whole pipeline is built, run and saved from an empty canvas with the keyboard alone', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('empty-canvas')).toBeVisible();

  await command(page, 'add csv', 'Add CSV file');
  // The new node is selected and its first param has the focus.
  expect(await focusedTestId(page)).toBe('param-path');
  await page.keyboard.type('data/penguins.csv');

  await command(page, 'add split', 'Add Train/test split');
  await command(page, 'connect csv split', 'Connect csv.table → split.table');

  await command(page, 'add dense', 'Add Dense');
  await tabTo(page, 'param-target');
  await page.keyboard.type('species');
  await command(page, 'connect split.table train', 'Connect split.table → train.table');
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  // Arrows move the selection; Delete removes it and Ctrl+Z brings it back, wires included.
  await command(page, 'go to csv', 'Go to csv');
  const x = await nodeX(page, 'csv');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect.poll(() => nodeX(page, 'csv')).toBe(x + 60);
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node[data-id="csv"]')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(page.locator('.react-flow__node[data-id="csv"]')).toHaveCount(1);
  await expect(page.locator('.react-flow__edge')).toHaveCount(2);

  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded', { timeout: 120_000 });

  const file = `keyboard-${Date.now().toString(36)}.pipeline.json`;
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('save-dialog')).toBeVisible();
  await page.getByTestId('save-path').focus();
  await page.keyboard.press('Control+a');
  await page.keyboard.type(file);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('dirty-indicator')).toHaveCount(0);
  const saved = await page.request.get(`${server.url}/api/pipelines/file?path=${file}`, { headers: { authorization: `Bearer ${server.token}` } });
  expect(saved.status()).toBe(200);
  const document = ((await saved.json()) as { document: { nodes: { id: string; type: string }[]; edges: unknown[] } }).document;
  expect(document.nodes.map((node) => node.type)).toEqual(['data.csv', 'data.split', 'train.dense']);
  expect(document.edges).toHaveLength(2);
});

test('the command palette closes with Escape, and its options are a labelled listbox', async ({ page }) => {
  await openApp(page);
  await page.keyboard.press('Control+k');
  await expect(page.getByRole('combobox', { name: /command/i })).toBeFocused();
  await expect(page.getByRole('listbox', { name: 'Commands' })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await expect(page.locator('[role="option"][aria-selected="true"]')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('command-palette')).toHaveCount(0);
});
