/**
 * What every browser test shares: the server's address (from global setup), a page that
 * fails the test on uncaught errors or CSP violations, an end-state screenshot under
 * test-results/e2e/, and helpers that act like a user (drag, connect, type).
 */
import { expect, test as base, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';

export const server = {
  get url(): string {
    return required('E2E_URL');
  },
  get launchUrl(): string {
    return required('E2E_LAUNCH_URL');
  },
  get token(): string {
    return required('E2E_TOKEN');
  },
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through e2e/playwright.config.ts (its global setup starts the server)`);
  return value;
}

export const SCREENSHOT_DIR = 'test-results/e2e';

export const test = base.extend<{ problems: string[] }>({
  // Playwright reads a fixture's dependencies from its first parameter's pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  problems: async ({}, use) => {
    await use([]);
  },
  page: async ({ page, problems }, use, testInfo) => {
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`);
    });
    await use(page);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const name = testInfo.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
    await page.screenshot({ path: `${SCREENSHOT_DIR}/${name}.png` }).catch(() => undefined);
    expect(problems, 'no uncaught errors or CSP violations in the page').toEqual([]);
  },
});

export { expect };

/** Opens the UI the way a user does: the launch URL (token swapped for a cookie), then waits for the catalog. */
export async function openApp(page: Page): Promise<void> {
  await page.goto(server.launchUrl);
  await expect(page.getByTestId('palette-item-data.csv')).toBeVisible();
  await expect(page.getByTestId('socket-status')).toHaveAttribute('data-state', 'open');
}

/** Saves `document` as `<name>.pipeline.json` through the API, then opens the app and that file as a user does. */
export async function openSavedPipeline(page: Page, request: APIRequestContext, document: { name: string; nodes: unknown[] }): Promise<void> {
  const file = `${document.name}.pipeline.json`;
  const saved = await request.put(`${server.url}/api/pipelines/file?path=${file}`, { headers: { authorization: `Bearer ${server.token}` }, data: { document } });
  expect(saved.status()).toBe(200);
  await openApp(page);
  await page.getByTestId('open-button').click();
  await page.getByTestId(`open-pipeline-${file}`).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(document.nodes.length);
}

/** Drags a palette item onto the canvas at a point relative to the canvas's top-left corner. */
export async function dropNode(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const before = await page.locator('.react-flow__node').count();
  await page.getByTestId(`palette-item-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: at });
  await expect(page.locator('.react-flow__node')).toHaveCount(before + 1);
}

export function handle(page: Page, nodeId: string, port: string, kind: 'in' | 'out'): Locator {
  return page.locator(`[data-testid="handle-${nodeId}-${port}"][data-port-kind="${kind}"]`);
}

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/**
 * Drags a wire from an output handle to an input handle with the mouse. With `hold`, the
 * button stays down over the target and `release()` finishes it (to look at the hint).
 */
export async function dragWire(page: Page, from: Locator, to: Locator, options: { hold?: boolean } = {}): Promise<{ release: () => Promise<void> }> {
  const start = await centre(from);
  const end = await centre(to);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2 + 20, { steps: 6 });
  await page.mouse.move(end.x, end.y, { steps: 8 });
  const release = () => page.mouse.up();
  if (!options.hold) await release();
  return { release };
}

export async function connect(page: Page, from: [string, string], to: [string, string]): Promise<void> {
  const before = await page.locator('.react-flow__edge').count();
  await dragWire(page, handle(page, from[0], from[1], 'out'), handle(page, to[0], to[1], 'in'));
  await expect(page.locator('.react-flow__edge')).toHaveCount(before + 1);
}

/** Clicks a node's header (selects it and only it). */
export async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.tl-node__header').click();
  await expect(page.getByTestId('node-id')).toHaveValue(id);
}

/** Clicks an empty spot of the canvas (top left: the zoom controls sit bottom left), which clears the selection. */
export async function clickEmptyCanvas(page: Page): Promise<void> {
  const box = await page.getByTestId('canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  await page.mouse.click(box.x + 24, box.y + 24);
}

/** Selects everything and deletes it (one undo step). */
export async function clearCanvas(page: Page): Promise<void> {
  await clickEmptyCanvas(page);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
}
