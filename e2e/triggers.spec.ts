import { expect, openSavedPipeline, server, test } from './fixtures.js';

/** issue 13, items 5 and 7: a folder trigger added from the pipeline inspector starts a run when a file arrives. */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'trigger-inbox',
  nodes: [{ id: 'load', type: 'data.csv', params: { path: 'trigger-inbox/batch.csv' }, position: { x: 0, y: 0 } }],
  edges: [],
};
const file = `${pipeline.name}.pipeline.json`;

test('a folder trigger from the inspector: a new CSV starts a run with trigger files; pause', async ({ page, request }) => {
  const headers = { authorization: `Bearer ${server.token}` };
  await openSavedPipeline(page, request, pipeline);
  const panel = page.getByTestId('triggers-panel');
  await expect(panel).toBeVisible();

  // A folder outside the workspace is refused, with the server's message.
  await panel.getByTestId('trigger-kind').selectOption('files');
  await panel.getByTestId('trigger-value').fill('../elsewhere');
  await panel.getByTestId('trigger-add').click();
  await expect(panel.getByTestId('trigger-error')).toContainText('outside the workspace');

  await panel.getByTestId('trigger-value').fill('trigger-inbox');
  await panel.getByTestId('trigger-add').click();
  const trigger = panel.getByTestId('trigger-files');
  await expect(trigger).toContainText('new files in trigger-inbox');
  await expect(trigger).toHaveAttribute('data-paused', 'false');

  const put = await request.put(`${server.url}/api/files?path=trigger-inbox/batch.csv`, { headers, data: 'a,b\n1,2\n3,4\n' });
  expect(put.ok(), await put.text()).toBe(true);
  await expect(trigger.getByTestId('trigger-last-run')).toContainText('succeeded', { timeout: 45_000 });
  const runs = (await (await request.get(`${server.url}/api/runs?path=${file}`, { headers })).json()) as { trigger: string; status: string }[];
  expect(runs).toContainEqual(expect.objectContaining({ trigger: 'files', status: 'succeeded' }));

  await trigger.getByTestId('trigger-toggle').click();
  await expect(trigger).toHaveAttribute('data-paused', 'true');
  await expect(trigger).toContainText('(paused)');

  // Leave the shared server without it.
  await trigger.getByTestId('trigger-remove').click();
  await expect(panel.getByTestId('trigger-files')).toHaveCount(0);
});
