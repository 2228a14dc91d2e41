/**
 * Files from the desktop (issue 15): a CSV dropped on the canvas becomes a data node once it
 * is copied into the workspace (pipelines read only inside it), an unreadable file is named
 * in the error, and a path param has a file browser with a way to copy a file in.
 */
import type { Page } from '@playwright/test';
import { expect, openApp, selectNode, server, test } from './fixtures.js';

async function dropFiles(page: Page, files: { name: string; text: string; type: string }[], at: { x: number; y: number }): Promise<void> {
  const canvas = page.getByTestId('canvas');
  const box = (await canvas.boundingBox())!;
  const dataTransfer = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const file of list) transfer.items.add(new File([file.text], file.name, { type: file.type }));
    return transfer;
  }, files);
  const point = { clientX: box.x + at.x, clientY: box.y + at.y };
  await canvas.dispatchEvent('dragenter', { dataTransfer, ...point });
  await canvas.dispatchEvent('dragover', { dataTransfer, ...point });
  await canvas.dispatchEvent('drop', { dataTransfer, ...point });
}

async function workspaceFiles(page: Page): Promise<string[]> {
  const answer = await page.request.get(`${server.url}/api/files`, { headers: { authorization: `Bearer ${server.token}` } });
  expect(answer.status()).toBe(200);
  return ((await answer.json()) as { path: string }[]).map((file) => file.path);
}

test.describe('files from the desktop (issue 15)', () => {
  test('a CSV dropped on the canvas is copied into the workspace and read by a new data node', async ({ page }) => {
    const name = `dropped-${Date.now().toString(36)}.csv`;
    await openApp(page);
    await dropFiles(page, [{ name, text: 'x,y\n1,2\n3,4\n', type: 'text/csv' }], { x: 300, y: 160 });
    const confirm = page.getByTestId('confirm-dialog');
    await expect(confirm).toContainText(`copy it to data/${name}`, { ignoreCase: true });
    await page.getByTestId('confirm-ok').click();
    await expect(page.locator('.react-flow__node')).toHaveCount(1);
    await selectNode(page, 'csv');
    await expect(page.getByTestId('param-path')).toHaveValue(`data/${name}`);
    expect(await workspaceFiles(page)).toContain(`data/${name}`);
    await page.getByTestId('run-button').click();
    await expect(page.getByTestId('run-summary')).toHaveAttribute('data-phase', 'succeeded');
  });

  test('a file no data node reads is refused by name, and nothing is copied', async ({ page }) => {
    await openApp(page);
    await dropFiles(page, [{ name: 'minutes.docx', text: 'not data', type: 'application/octet-stream' }], { x: 300, y: 160 });
    await expect(page.getByTestId('toast').filter({ hasText: 'minutes.docx' })).toContainText('CSV, JSON, JSON Lines, Parquet or SQLite');
    await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);
    await expect(page.locator('.react-flow__node')).toHaveCount(0);
    expect((await workspaceFiles(page)).some((path) => path.includes('minutes'))).toBe(false);
  });

  test('the path param browses workspace files and copies one in from this computer', async ({ page }) => {
    await openApp(page);
    await page.keyboard.press('Control+k');
    await page.keyboard.type('add csv');
    await page.keyboard.press('Enter');
    await page.getByTestId('browse-path').click();
    await expect(page.getByTestId('files-dialog')).toBeVisible();
    await page.getByTestId('file-data/penguins.csv').click();
    await expect(page.getByTestId('param-path')).toHaveValue('data/penguins.csv');

    const name = `uploaded-${Date.now().toString(36)}.csv`;
    await page.getByTestId('browse-path').click();
    await page.getByTestId('files-upload').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from('a,b\n5,6\n') });
    await expect(page.getByTestId('files-dialog')).toHaveCount(0);
    await expect(page.getByTestId('param-path')).toHaveValue(`data/${name}`);
    expect(await workspaceFiles(page)).toContain(`data/${name}`);
  });
});
