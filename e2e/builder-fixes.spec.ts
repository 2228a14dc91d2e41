/**
 * Builder fixes from issue 15, each checked the way a user meets it: a steady toolbar (13),
 * list params that grow from their default (3), node cards that show what was changed (7),
 * readable default ids (8) and new nodes placed clear of the others (12).
 */
import type { Locator, Page } from '@playwright/test';
import { dropNode, expect, handle, openApp, openSavedPipeline, selectNode, test } from './fixtures.js';

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) throw new Error('element is not visible');
  return found;
}

/** Whether the element at a handle's centre is that handle (no other card on top of it). */
async function handleIsReachable(page: Page, nodeId: string, port: string, kind: 'in' | 'out'): Promise<boolean> {
  const target = handle(page, nodeId, port, kind);
  const { x, y, width, height } = await box(target);
  return target.evaluate((element, point) => document.elementFromPoint(point.x, point.y) === element, { x: x + width / 2, y: y + height / 2 });
}

/** Dense nodes with some params at their defaults and some changed. */
const CARD_PARAMS_DOC = {
  format: 'tensorloom/pipeline@1',
  name: 'card-params',
  edges: [],
  nodes: [
    {
      id: 'train',
      type: 'train.dense',
      // hiddenLayers and optimizer are their defaults: nothing to show.
      params: { hiddenLayers: [64, 32], optimizer: 'adam', target: 'species', epochs: 5000, earlyStopping: 0 },
      position: { x: 0, y: 0 },
    },
    {
      id: 'busy',
      type: 'train.dense',
      params: { target: 'species', task: 'classification', activation: 'tanh', dropout: 0.2, epochs: 5000, earlyStopping: 0, seed: 7 },
      position: { x: 360, y: 0 },
    },
  ],
};

test.describe('builder fixes (issue 15)', () => {
  test('the toolbar does not shift when the backend badge changes after a run', async ({ page }) => {
    // The engine loads TensorFlow.js on first use; which backend it reports is the server's
    // business, so the answers are fixed here: not loaded before the run, JS CPU after it.
    let runs = 0;
    await page.route('**/api/backend', (route) =>
      route.fulfill({ json: runs === 0 ? { backend: 'unknown' } : { backend: 'cpu', hint: 'pure JavaScript' } }),
    );
    await openApp(page);
    const badge = page.getByTestId('backend-badge');
    await expect(badge).toHaveAttribute('data-backend', 'unknown');
    await dropNode(page, 'data.csv', { x: 240, y: 160 });
    await selectNode(page, 'csv');
    await page.getByTestId('param-path').fill('data/penguins.csv');

    const buttons = ['new-button', 'undo-button', 'layout-button', 'run-button', 'cancel-button'];
    const before = await Promise.all(buttons.map(async (id) => (await box(page.getByTestId(id))).x));
    const badgeBefore = await box(badge);

    runs += 1;
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded');
    await expect(badge).toHaveAttribute('data-backend', 'cpu');
    await expect(badge).toContainText('JS CPU');

    const after = await Promise.all(buttons.map(async (id) => (await box(page.getByTestId(id))).x));
    expect(after).toEqual(before);
    const badgeAfter = await box(badge);
    expect(badgeAfter.x).toBe(badgeBefore.x);
    expect(badgeAfter.width).toBe(badgeBefore.width);
  });

  test('adding to a list param that is not set starts from its default', async ({ page }) => {
    await openApp(page);
    await dropNode(page, 'train.dense', { x: 240, y: 160 });
    await selectNode(page, 'train');
    await expect(page.getByTestId('field-hiddenLayers')).toContainText('default [64,32]');

    await page.getByTestId('param-hiddenLayers-add').click();
    await expect(page.getByTestId('param-hiddenLayers[0]')).toHaveValue('64');
    await expect(page.getByTestId('param-hiddenLayers[1]')).toHaveValue('32');
    await expect(page.getByTestId('param-hiddenLayers[2]')).toHaveValue('32');
    await expect(page.getByTestId('param-hiddenLayers[3]')).toHaveCount(0);
    await expect(page.getByTestId('node-train').locator('.tl-node__param').filter({ hasText: 'hiddenLayers' })).toContainText('[64,32,32]');

    // Once set, adding appends to what is there.
    await page.getByTestId('param-hiddenLayers[2]').fill('8');
    await page.getByTestId('param-hiddenLayers-add').click();
    await expect(page.getByTestId('param-hiddenLayers[3]')).toHaveValue('8');
  });

  test('node cards show the params that differ from their defaults, a few at most', async ({ page, request }) => {
    await openSavedPipeline(page, request, CARD_PARAMS_DOC);

    const card = page.getByTestId('node-train');
    const shown = card.locator('.tl-node__param');
    await expect(shown).toHaveCount(3);
    await expect(shown.nth(0)).toContainText('target');
    await expect(shown.filter({ hasText: 'epochs' })).toContainText('5000');
    await expect(shown.filter({ hasText: 'earlyStopping' })).toContainText('0');
    await expect(card).not.toContainText('hiddenLayers');
    await expect(card).not.toContainText('optimizer');
    await expect(page.getByTestId('node-more-params-train')).toHaveCount(0);

    // Seven changed params: four on the card, the rest counted (and listed in the tooltip).
    const busy = page.getByTestId('node-busy');
    await expect(busy.locator('.tl-node__param')).toHaveCount(4);
    await expect(page.getByTestId('node-more-params-busy')).toHaveText('+3 more');
    await expect(page.getByTestId('node-more-params-busy')).toHaveAttribute('title', /earlyStopping: 0/);

    // Set back to its default, a param leaves the card.
    await selectNode(page, 'train');
    await page.getByTestId('param-epochs').fill('200');
    await expect(shown).toHaveCount(2);
    await expect(card).not.toContainText('epochs');
  });

  test('default node ids name the step and never read as a port', async ({ page }) => {
    await openApp(page);
    await dropNode(page, 'train.dense', { x: 120, y: 80 });
    await dropNode(page, 'eval.model', { x: 520, y: 80 });
    await dropNode(page, 'predict.batch', { x: 520, y: 360 });
    await dropNode(page, 'train.dense', { x: 120, y: 360 });

    for (const id of ['train', 'evaluate', 'predict', 'train2']) await expect(page.getByTestId(`node-${id}`)).toBeVisible();
    await expect(page.getByTestId('node-model')).toHaveCount(0);
    await expect(handle(page, 'evaluate', 'model', 'in')).toBeVisible();
    await expect(page.getByTestId('node-evaluate').locator('.tl-node__id')).toHaveText('evaluate · eval.model');
  });

  test('a node dropped onto another is placed clear of it', async ({ page }) => {
    await openApp(page);
    await dropNode(page, 'data.csv', { x: 240, y: 160 });
    await dropNode(page, 'data.split', { x: 400, y: 200 });
    // Right on top of the other two.
    await dropNode(page, 'feature.scale', { x: 260, y: 170 });

    const cards = ['csv', 'split', 'scale'];
    const boxes = await Promise.all(cards.map((id) => box(page.getByTestId(`node-${id}`))));
    for (let a = 0; a < boxes.length; a++) {
      for (let b = a + 1; b < boxes.length; b++) {
        const [one, two] = [boxes[a]!, boxes[b]!];
        const apart = one.x + one.width <= two.x || two.x + two.width <= one.x || one.y + one.height <= two.y || two.y + two.height <= one.y;
        expect(apart, `${cards[a]} and ${cards[b]} do not overlap`).toBe(true);
      }
    }
    expect(await handleIsReachable(page, 'csv', 'table', 'out')).toBe(true);
    expect(await handleIsReachable(page, 'split', 'table', 'in')).toBe(true);
    expect(await handleIsReachable(page, 'split', 'table', 'out')).toBe(true);

    // Added from the palette (double-click) at the centre, twice: the second clears the first.
    await page.getByTestId('palette-item-data.split').dblclick();
    await page.getByTestId('palette-item-data.split').dblclick();
    await expect(page.locator('.react-flow__node')).toHaveCount(5);
    const [second, third] = await Promise.all(['split2', 'split3'].map((id) => box(page.getByTestId(`node-${id}`))));
    const apart = second!.x + second!.width <= third!.x || third!.x + third!.width <= second!.x || second!.y + second!.height <= third!.y || third!.y + third!.height <= second!.y;
    expect(apart, 'split2 and split3 do not overlap').toBe(true);
  });
});
