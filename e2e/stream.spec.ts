import { expect, openSavedPipeline, SCREENSHOT_DIR, server, test } from './fixtures.js';

/**
 * issue 14, item 2: a stream trigger added from the triggers panel runs the pipeline per
 * micro-batch; rows POSTed to the ingest endpoint show up as counts on the data.stream node,
 * with the source's state and the dead letters (reason, time, payload) one click away.
 */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'stream-ui',
  nodes: [
    { id: 'events', type: 'data.stream', params: { source: 'http', idField: 'id', batchRows: 5, batchSeconds: 0.3 }, position: { x: 0, y: 0 } },
    { id: 'sink', type: 'data.write', params: { path: 'stream-ui/rows.jsonl', format: 'jsonl', mode: 'append' }, position: { x: 320, y: 0 } },
  ],
  edges: [{ from: 'events.table', to: 'sink.table' }],
};
const file = `${pipeline.name}.pipeline.json`;

test('a stream trigger from the triggers panel: ingested rows, batches and dead letters on the stream node', async ({ page, request }) => {
  const headers = { authorization: `Bearer ${server.token}` };
  const ingest = async (rows: unknown) => {
    const answer = await request.post(`${server.url}/api/streams/ingest?path=${file}&node=events`, { headers, data: rows });
    expect(answer.ok(), await answer.text()).toBe(true);
    return (await answer.json()) as { stored: number; duplicates: number; deadLetters: number };
  };
  await openSavedPipeline(page, request, pipeline);
  const node = page.getByTestId('node-events');
  // Before any trigger: the stored counts, and how to start streaming.
  await expect(node.getByTestId('stream-state-events')).toContainText('not streaming');

  const panel = page.getByTestId('triggers-panel');
  await panel.getByTestId('trigger-kind').selectOption('stream');
  await expect(panel.getByTestId('trigger-stream-hint')).toBeVisible();
  await panel.getByTestId('trigger-add').click();
  const trigger = panel.getByTestId('trigger-stream');
  await expect(trigger).toContainText('stream of events');
  await expect(node.getByTestId('stream-status-events')).toHaveAttribute('data-state', 'listening');
  await expect(node.getByTestId('stream-state-events')).toContainText('listening for POSTed rows');

  // The first batch fixes the schema (id, temp: numbers; site: text).
  expect(await ingest([1, 2, 3, 4, 5].map((id) => ({ id, temp: 20 + id / 10, site: `s${id % 2}` })))).toEqual({ stored: 5, duplicates: 0, deadLetters: 0 });
  await expect(node.getByTestId('stream-batches-events')).toHaveText('1', { timeout: 45_000 });
  await expect(node.getByTestId('stream-received-events')).toHaveText('5');
  // A duplicate, a record without the id (dead on arrival), one of the wrong type (dead at its batch).
  expect(await ingest([{ id: 6, temp: 21, site: 's0' }, { id: 2, temp: 20.2, site: 's0' }, { temp: 1, site: 'x' }, { id: 7, temp: 'hot', site: 's1' }])).toEqual({
    stored: 2,
    duplicates: 1,
    deadLetters: 1,
  });
  await expect(node.getByTestId('stream-dead-letters-events')).toHaveText('2', { timeout: 45_000 });
  await expect(node.getByTestId('stream-batches-events')).toHaveText('2');
  await expect(node.getByTestId('stream-backlog-events')).toHaveText('0');
  await expect(node.getByTestId('stream-throughput-events')).toContainText('rows/s');
  await expect(node.getByTestId('stream-lag-events')).not.toHaveText('—');
  await expect(trigger.getByTestId('trigger-stream-status')).toContainText('2 batches');

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 1280, height: 720 },
  ]) {
    await page.setViewportSize(viewport);
    await page.getByTestId('fit-button').click();
    // The whole status block is on screen, not cut off by the outputs panel.
    await expect(node.getByTestId('stream-status-events')).toBeInViewport({ ratio: 0.99 });
    await page.screenshot({ path: `${SCREENSHOT_DIR}/stream-node-${viewport.width}x${viewport.height}.png` });
  }

  // The dead letters, newest first, from the node.
  await node.getByTestId('stream-dead-letters-events').click();
  const dialog = page.getByTestId('dead-letters');
  await expect(dialog).toBeVisible();
  const letters = dialog.getByTestId('dead-letter');
  await expect(letters).toHaveCount(2);
  await expect(letters.nth(0)).toContainText(/wrong type for 'temp'/);
  await expect(letters.nth(0)).toContainText('"hot"');
  await expect(letters.nth(1)).toContainText("missing key 'id' (the idField)");
  await page.screenshot({ path: `${SCREENSHOT_DIR}/stream-dead-letters-1280x720.png` });
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // The rows reached the sink once each (ids 1–6), through runs recorded with trigger 'stream'.
  const runs = (await (await request.get(`${server.url}/api/runs?path=${file}`, { headers })).json()) as { trigger: string; status: string }[];
  expect(runs.filter((run) => run.trigger === 'stream' && run.status === 'succeeded').length).toBeGreaterThanOrEqual(2);

  // Leave the shared server without it.
  await trigger.getByTestId('trigger-remove').click();
  await expect(panel.getByTestId('trigger-stream')).toHaveCount(0);
  await expect(node.getByTestId('stream-state-events')).toContainText('not streaming');
});
