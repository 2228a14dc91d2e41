/** The triggers API (API.md, *Triggers*) over real HTTP: add, validate, pause, resume, remove, fire, survive a restart. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextFiring, parseCron } from '../stream/cron.js';
import type { TensorloomServer } from './index.js';
import { call, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;
const PATH = 'tiny.pipeline.json';
const tiny = {
  format: 'tensorloom/pipeline@1',
  name: 'tiny',
  nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } }],
  edges: [],
};

async function json(server: TensorloomServer, method: string, path: string, body?: unknown, status = 200): Promise<Json & Json[]> {
  const answer = await call(server, method, path, body === undefined ? {} : { body });
  expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(status);
  return answer.json() as Json & Json[];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const triggerRun = (server: TensorloomServer, count: number) =>
  until(`${count} finished run(s) with trigger 'files'`, async () => {
    const runs = (await json(server, 'GET', `/api/runs?path=${PATH}`)) as unknown as Json[];
    const done = runs.filter((run) => run.trigger === 'files' && run.status === 'succeeded');
    return done.length >= count ? done : undefined;
  });

describe('triggers API', () => {
  let server: TensorloomServer;
  let root: string;

  beforeAll(async () => {
    server = await startServer();
    root = server.workspaceRoot;
    writeFileSync(join(root, PATH), JSON.stringify(tiny));
  });
  afterAll(async () => {
    await server.close();
  });

  it('validates: cron errors named at the field, folders outside the workspace, unknown kinds and nodes, unsaved pipelines', async () => {
    const bad = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'schedule', schedule: '0 25 * * *' } });
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: "schedule: field 2 (hour) '25' is out of range 0-23", field: 'schedule' });
    const fields = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'schedule', schedule: '* * *' } });
    expect(fields.json()).toMatchObject({ field: 'schedule', error: expect.stringContaining('expected 5 fields') });
    const never = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'schedule', schedule: '0 0 30 2 *' } });
    expect(never.json()).toMatchObject({ field: 'schedule', error: expect.stringContaining('never fires') });
    for (const folder of ['../outside', '/tmp', '.tensorloom', '']) {
      const answer = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'files', folder } });
      expect(answer.status, folder).toBe(400);
      expect(answer.json()).toMatchObject({ field: 'folder' });
    }
    expect((await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'cron' } })).json()).toMatchObject({ field: 'kind' });
    const node = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'drift', node: 'nope' } });
    expect(node.json()).toMatchObject({ field: 'node', error: expect.stringContaining('nodes are: load') });
    expect((await call(server, 'POST', '/api/triggers', { body: { path: 'missing.pipeline.json', kind: 'schedule', schedule: '@daily' } })).status).toBe(404);
    expect(await json(server, 'GET', `/api/triggers?path=${PATH}`)).toEqual([]);
  });

  it('a schedule: next firing, pause and resume, one per pipeline, remove', async () => {
    const added = await json(server, 'POST', '/api/triggers', { path: PATH, kind: 'schedule', schedule: '30 4 * * mon' }, 201);
    expect(added).toMatchObject({ id: expect.stringMatching(/^t-/), kind: 'schedule', schedule: '30 4 * * mon', paused: false, lastRunId: null });
    const id = added.id as string;
    const [listed] = (await json(server, 'GET', `/api/triggers?path=${PATH}`)) as unknown as Json[];
    const expected = nextFiring(parseCron('30 4 * * mon'), new Date())!;
    expect(listed).toMatchObject({ id, nextFiringAt: expected.getTime(), lastFiredAt: null, lastRunStatus: null, error: null });
    expect(new Date(listed!.nextFiringAt as number).toISOString()).toMatch(/T04:30:00\.000Z$/);
    expect(new Date(listed!.nextFiringAt as number).getUTCDay()).toBe(1);

    const again = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'schedule', schedule: '@hourly' } });
    expect(again.status).toBe(409);

    expect(await json(server, 'POST', `/api/triggers/${id}/pause`)).toMatchObject({ id, paused: true });
    expect(await json(server, 'GET', `/api/triggers?path=${PATH}`)).toEqual([expect.objectContaining({ id, paused: true, nextFiringAt: null })]);
    expect(await json(server, 'POST', `/api/triggers/${id}/resume`)).toMatchObject({ id, paused: false });
    expect(await json(server, 'GET', `/api/triggers?path=${PATH}`)).toEqual([expect.objectContaining({ id, paused: false, nextFiringAt: expected.getTime() })]);

    expect(await json(server, 'POST', `/api/triggers/${id}/remove`)).toEqual({ ok: true });
    expect(await json(server, 'GET', `/api/triggers?path=${PATH}`)).toEqual([]);
    expect((await call(server, 'POST', `/api/triggers/${id}/pause`)).status).toBe(404);
    expect((await call(server, 'POST', `/api/triggers/${id}/remove`)).status).toBe(404);
  });

  it('a folder: a new file starts a run with trigger files; paused it does not; re-armed after a restart', async () => {
    const added = await json(server, 'POST', '/api/triggers', { path: PATH, kind: 'files', folder: 'incoming' }, 201);
    const id = added.id as string;
    expect(added).toMatchObject({ kind: 'files', folder: 'incoming' });
    // The folder is created; the file goes in through the API as the app's upload does.
    const put = await call(server, 'PUT', '/api/files?path=incoming/batch-1.csv', { raw: 'a,b\n1,2\n', headers: { 'content-type': 'text/csv' } });
    expect(put.status, put.text).toBe(200);
    const [run] = await triggerRun(server, 1);
    const [listed] = (await json(server, 'GET', `/api/triggers?path=${PATH}`)) as unknown as Json[];
    expect(listed).toMatchObject({ id, lastRunId: run!.runId, lastRunStatus: 'succeeded', lastFiredAt: expect.any(Number), paused: false });
    expect((await json(server, 'GET', `/api/runs/${run!.runId as string}`)).tags).toMatchObject({ 'trigger.detail': 'new file incoming/batch-1.csv' });

    // Paused: a new file starts nothing.
    await json(server, 'POST', `/api/triggers/${id}/pause`);
    writeFileSync(join(root, 'incoming', 'batch-2.csv'), 'a,b\n3,4\n');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await triggerRun(server, 1)).toHaveLength(1);
    await json(server, 'POST', `/api/triggers/${id}/resume`);
    // Resumed, the file that came while it was paused counts (the handled files are kept in the store).
    await triggerRun(server, 2);

    // Restart: the trigger is still there and armed.
    await server.close();
    server = await startServer({ workspaceRoot: root });
    expect(await json(server, 'GET', `/api/triggers?path=${PATH}`)).toEqual([expect.objectContaining({ id, kind: 'files', paused: false })]);
    writeFileSync(join(root, 'incoming', 'batch-3.csv'), 'a,b\n5,6\n');
    await triggerRun(server, 3);
  }, 60_000);
});
