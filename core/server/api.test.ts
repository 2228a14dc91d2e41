/** The API of API.md over real HTTP and WebSocket, on a temp workspace made from examples/. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineEvent } from '../engine/index.js';
import type { TensorloomServer } from './index.js';
import { call, EventClient, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;
const get = async (server: TensorloomServer, path: string) => {
  const answer = await call(server, 'GET', path);
  expect(answer.status, `GET ${path}: ${answer.text}`).toBe(200);
  return answer.json() as Json & Json[];
};

const slowPipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'slow',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'nap', type: 'test.sleep', params: { ms: 60_000 } },
    { id: 'after', type: 'test.add' },
  ],
  edges: [{ from: 'nap.out', to: 'after.a' }],
};

describe('server API', () => {
  let server: TensorloomServer;
  let events: EventClient;
  let penguins: Json;

  beforeAll(async () => {
    server = await startServer();
    events = await EventClient.connect(server);
    penguins = JSON.parse(readFileSync(join(server.workspaceRoot, 'penguins.pipeline.json'), 'utf8')) as Json;
  });
  afterAll(async () => {
    events.close();
    await server.close();
  });

  it('health, catalog and backend', async () => {
    expect(await get(server, '/api/health')).toEqual({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/), workspace: server.workspaceRoot });
    const catalog = (await get(server, '/api/nodes')) as unknown as Json[];
    const split = catalog.find((entry) => entry.type === 'data.split') as Json;
    expect(split).toMatchObject({ version: 1, category: 'data', inputs: { table: { type: 'table' } }, outputs: { table: { type: 'table' } } });
    expect((split.params as Json).properties).toHaveProperty('test');
    expect(catalog.map((entry) => entry.type)).toContain('test.sleep');
    const backend = await get(server, '/api/backend');
    expect(backend).toEqual({ backend: expect.stringMatching(/^(tensorflow-gpu|tensorflow|webgpu|wasm|wasm-fused|cpu|unknown)$/), hint: expect.any(String) });
  });

  it('lists pipelines and examples', async () => {
    mkdirSync(join(server.workspaceRoot, 'examples'));
    writeFileSync(join(server.workspaceRoot, 'examples', 'tiny.pipeline.json'), JSON.stringify({ ...penguins, name: 'tiny', description: 'A tiny one.' }));
    writeFileSync(join(server.workspaceRoot, 'broken.pipeline.json'), '{ not json');
    const pipelines = (await get(server, '/api/pipelines')) as unknown as Json[];
    expect(pipelines).toEqual(
      expect.arrayContaining([
        { path: 'penguins.pipeline.json', name: 'penguins', description: expect.any(String), modified: expect.any(Number) },
        { path: 'broken.pipeline.json', name: 'broken', modified: expect.any(Number) },
        expect.objectContaining({ path: 'examples/tiny.pipeline.json', name: 'tiny' }),
      ]),
    );
    expect(await get(server, '/api/examples')).toEqual([{ name: 'tiny', description: 'A tiny one.', path: 'examples/tiny.pipeline.json' }]);
  });

  it('opens a pipeline with its issues; a broken file opens with a null document and located issues', async () => {
    const opened = await get(server, '/api/pipelines/file?path=penguins.pipeline.json');
    expect(opened).toEqual({ path: 'penguins.pipeline.json', document: penguins, issues: [] });
    const broken = await get(server, '/api/pipelines/file?path=broken.pipeline.json');
    expect(broken.document).toBeNull();
    expect(broken.issues).toEqual([expect.objectContaining({ severity: 'error', code: 'json', line: 1, text: expect.stringContaining('broken.pipeline.json:1:') })]);
    expect((await call(server, 'GET', '/api/pipelines/file?path=missing.pipeline.json')).status).toBe(404);
  });

  it('saves and reopens a pipeline (round trip), even one with issues, without leaving temp files', async () => {
    const edited = { ...penguins, nodes: [...(penguins.nodes as Json[]), { id: 'extra', type: 'data.split', params: { test: 2 }, position: { x: 500, y: 40 } }] };
    const saved = await call(server, 'PUT', '/api/pipelines/file?path=drafts/edited.pipeline.json', { body: { document: edited } });
    expect(saved.status).toBe(200);
    const { path, issues } = saved.json() as { path: string; issues: Json[] };
    expect(path).toBe('drafts/edited.pipeline.json');
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', nodeId: 'extra', field: 'test', line: expect.any(Number) }),
        expect.objectContaining({ severity: 'error', nodeId: 'extra', field: 'table', code: 'missing-input' }),
      ]),
    );
    const reopened = await get(server, '/api/pipelines/file?path=drafts/edited.pipeline.json');
    expect(reopened.document).toEqual(edited);
    expect(reopened.issues).toEqual(issues);
    expect(readFileSync(join(server.workspaceRoot, 'drafts', 'edited.pipeline.json'), 'utf8')).toBe(JSON.stringify(edited, null, 2) + '\n');
    const again = await call(server, 'PUT', '/api/pipelines/file?path=drafts/edited.pipeline.json', { body: { document: penguins } });
    expect(again.json()).toEqual({ path: 'drafts/edited.pipeline.json', issues: [] });
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(server.workspaceRoot, 'drafts'))).toEqual(['edited.pipeline.json']);
  });

  it('validates a document and reports every issue with severity, node, field and text', async () => {
    const ok = await call(server, 'POST', '/api/validate', { body: { document: penguins } });
    expect(ok.json()).toEqual({ ok: true, issues: [] });
    const bad = {
      ...penguins,
      nodes: [
        { id: 'load', type: 'data.csv', params: {} },
        { id: 'split', type: 'data.splitt', params: {} },
        { id: 'lonely', type: 'data.split', params: { test: 0.3 } },
      ],
    };
    const answer = await call(server, 'POST', '/api/validate', { body: { document: bad } });
    expect(answer.status).toBe(200);
    const { ok: valid, issues } = answer.json() as { ok: boolean; issues: Json[] };
    expect(valid).toBe(false);
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', nodeId: 'load', field: 'path', message: expect.any(String), text: expect.stringContaining('error [missing-param]') }),
        expect.objectContaining({ severity: 'error', nodeId: 'split', code: 'unknown-type', message: expect.stringContaining('data.split') }),
      ]),
    );
  });

  it('runs a pipeline: node.state events over WebSocket until run.finished, then the run with node states and outputs', async () => {
    const answer = await call(server, 'POST', '/api/runs', { body: { document: penguins, path: 'penguins.pipeline.json' } });
    expect(answer.status).toBe(202);
    const { runId } = answer.json() as { runId: string };
    expect(runId).toEqual(expect.any(String));

    const finished = await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
    expect(finished).toMatchObject({ status: 'succeeded' });
    const mine = events.events.filter((event) => 'runId' in event && event.runId === runId);
    expect(mine[0]).toMatchObject({ type: 'run.started', pipeline: 'penguins', nodes: ['load', 'split', 'impute', 'encode', 'scale', 'train', 'evaluate'] });
    const states = mine.filter((event): event is Extract<EngineEvent, { type: 'node.state' }> => event.type === 'node.state').map((event) => `${event.nodeId}:${event.status}`);
    expect(states).toEqual(expect.arrayContaining(['load:queued', 'load:running', 'load:succeeded', 'split:running', 'split:succeeded']));

    const run = await get(server, `/api/runs/${runId}`);
    expect(run).toMatchObject({
      runId,
      status: 'succeeded',
      pipelinePath: 'penguins.pipeline.json',
      nodes: { load: { status: 'succeeded', cached: false, ms: expect.any(Number) }, split: { status: 'succeeded', cached: false } },
      metrics: expect.any(Object),
      series: expect.any(Object),
      outputs: { load: { table: expect.stringMatching(/^sha256:/) }, split: { table: expect.stringMatching(/^sha256:/) } },
      outputTypes: { split: { table: 'table' } },
    });
    expect(run).toHaveProperty('backend');

    const listed = (await get(server, '/api/runs?path=penguins.pipeline.json&limit=5')) as unknown as Json[];
    expect(listed[0]).toMatchObject({ runId, status: 'succeeded', pipeline: 'penguins', startedAt: expect.any(Number), finishedAt: expect.any(Number) });
    expect((await get(server, '/api/runs?path=other.pipeline.json')) as unknown as Json[]).toEqual([]);

    // Preview of the split output: rows, per-column stats and histograms over all 344 rows.
    const tableId = (run.outputs as Record<string, Record<string, string>>).split!.table!;
    const preview = await get(server, `/api/artifacts/${encodeURIComponent(tableId)}/preview?type=table&rows=5`);
    expect(preview).toMatchObject({ kind: 'table', rowCount: 344 });
    expect(preview.rows).toHaveLength(5);
    const columns = preview.columns as Json[];
    const byName = (name: string) => columns.find((column) => column.name === name) as Json;
    const bill = byName('bill_length_mm');
    expect(bill).toMatchObject({ kind: 'float', nulls: 2, min: 32.1, max: 59.6, mean: expect.closeTo(43.92, 1) });
    const bins = (bill.histogram as { bins: { from: number; to: number; count: number }[] }).bins;
    expect(bins).toHaveLength(20);
    expect(bins[0]!.from).toBe(32.1);
    expect(bins[19]!.to).toBe(59.6);
    expect(bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(342);
    const species = byName('species');
    expect(species).toMatchObject({ kind: 'string', nulls: 0, distinct: 3 });
    expect((species.histogram as { top: Json[] }).top).toEqual([
      { value: 'Adelie', count: 152 },
      { value: 'Gentoo', count: 124 },
      { value: 'Chinstrap', count: 68 },
    ]);
    const split = byName('__split');
    expect((split.histogram as { top: { value: string; count: number }[] }).top.map((entry) => entry.value).sort()).toEqual(['test', 'train']);

    // Without ?type= the kind is recognised; row limits are checked.
    expect(await get(server, `/api/artifacts/${tableId}/preview?rows=0`)).toMatchObject({ kind: 'table', rows: [] });
    expect((await call(server, 'GET', `/api/artifacts/${tableId}/preview?rows=1001`)).status).toBe(400);
    expect((await call(server, 'GET', `/api/artifacts/${tableId}/preview?type=model`)).status).toBe(400);
    expect((await call(server, 'GET', `/api/artifacts/sha256:${'a'.repeat(64)}/preview`)).status).toBe(404);
    expect((await call(server, 'GET', '/api/artifacts/not-a-hash/preview')).status).toBe(400);
    expect((await call(server, 'GET', '/api/runs/no-such-run')).status).toBe(404);
  });

  it('a re-run reuses cached results and says so in the events', async () => {
    const { runId } = (await call(server, 'POST', '/api/runs', { body: { document: penguins, path: 'penguins.pipeline.json', until: 'load' } })).json() as { runId: string };
    await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
    const run = await get(server, `/api/runs/${runId}`);
    // A cached node records no params of its own: they come from the run's document, defaults filled.
    expect(run.nodes).toEqual({ load: { type: 'data.csv', status: 'cached', cached: true, ms: expect.any(Number), params: expect.objectContaining({ path: 'data/penguins.csv' }) } });
    expect(run.document).toMatchObject({ name: 'penguins', edges: penguins.edges });
  });

  it('a first save links the runs made before it to the file, under its name', async () => {
    const draft = { ...penguins, name: 'untitled' };
    const { runId } = (await call(server, 'POST', '/api/runs', { body: { document: draft, until: 'load' } })).json() as { runId: string };
    await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
    expect((await get(server, '/api/runs?path=wine.pipeline.json')) as unknown as Json[]).toEqual([]);

    const saved = await call(server, 'PUT', '/api/pipelines/file?path=wine.pipeline.json', { body: { document: { ...draft, name: 'wine' }, runs: [runId, 'no-such-run'] } });
    expect(saved.status).toBe(200);
    expect(saved.json()).toMatchObject({ path: 'wine.pipeline.json', linkedRuns: 1 });
    const listed = (await get(server, '/api/runs?path=wine.pipeline.json')) as unknown as Json[];
    expect(listed.map((run) => [run.runId, run.pipeline])).toEqual([[runId, 'wine']]);
    // Saved elsewhere later, a run stays with the file it was first linked to.
    await call(server, 'PUT', '/api/pipelines/file?path=wine-2.pipeline.json', { body: { document: draft, runs: [runId] } });
    expect(((await get(server, '/api/runs?path=wine.pipeline.json')) as unknown as Json[]).map((run) => run.runId)).toEqual([runId]);
    const refused = await call(server, 'PUT', '/api/pipelines/file?path=wine.pipeline.json', { body: { document: draft, runs: 'all' } });
    expect(refused.status).toBe(400);
  });

  it('refuses to run an invalid pipeline (400 with issues) or until an unknown node', async () => {
    const invalid = await call(server, 'POST', '/api/runs', { body: { document: { ...penguins, edges: [{ from: 'load.table', to: 'split.nope' }] } } });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toEqual({ error: expect.stringContaining('invalid pipeline'), issues: expect.arrayContaining([expect.objectContaining({ severity: 'error', code: 'unknown-port' })]) });
    const until = await call(server, 'POST', '/api/runs', { body: { document: penguins, until: 'ghost' } });
    expect(until.status).toBe(400);
    expect(until.json()).toEqual({ error: expect.stringContaining("'ghost'") });
  });

  it('cancels a running run: the slow node stops, the run ends cancelled, a second cancel is a no-op', async () => {
    const answer = await call(server, 'POST', '/api/runs', { body: { document: slowPipeline } });
    expect(answer.status).toBe(202);
    const { runId } = answer.json() as { runId: string };
    await events.waitFor((event) => event.type === 'node.state' && event.runId === runId && event.nodeId === 'nap' && event.status === 'running');
    const sentAt = Date.now();
    const cancel = await call(server, 'POST', `/api/runs/${runId}/cancel`);
    expect(cancel.json()).toEqual({ ok: true });
    const finished = await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId, 10_000);
    expect(finished).toMatchObject({ status: 'cancelled' });
    expect(Date.now() - sentAt).toBeLessThan(5000);
    const run = await get(server, `/api/runs/${runId}`);
    expect(run.status).toBe('cancelled');
    expect(run.nodes).toMatchObject({ nap: { status: 'cancelled' }, after: { status: 'cancelled' } });
    expect(run.series).toEqual(expect.any(Object));
    expect((await call(server, 'POST', `/api/runs/${runId}/cancel`)).json()).toEqual({ ok: false, status: 'cancelled' });
    expect((await call(server, 'POST', '/api/runs/no-such-run/cancel')).status).toBe(404);
  });

  it('records per-epoch series from ctx.metric(name, value, step)', async () => {
    const doc = { format: 'tensorloom/pipeline@1', name: 'steps', nodes: [{ id: 'nap', type: 'test.sleep', params: { ms: 50 } }], edges: [] };
    const { runId } = (await call(server, 'POST', '/api/runs', { body: { document: doc } })).json() as { runId: string };
    await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
    const metricEvents = events.events.filter((event) => event.type === 'node.metric' && event.runId === runId);
    expect(metricEvents).toHaveLength(10);
    const run = await get(server, `/api/runs/${runId}`);
    expect((run.series as Record<string, Record<string, unknown[]>>).nap!.step).toEqual(Array.from({ length: 10 }, (_, k) => ({ step: k + 1, value: k + 1 })));
    expect(run.metrics).toEqual({ nap: { step: 10 } });
    const outputs = run.outputs as Record<string, Record<string, string>>;
    expect(await get(server, `/api/artifacts/${outputs.nap!.out!}/preview?type=metrics`)).toEqual({ kind: 'metrics', value: { value: 0 } });
  });
});

describe('server shutdown', () => {
  it('close() cancels active runs, closes WebSocket clients and the store', async () => {
    const server = await startServer();
    const events = await EventClient.connect(server);
    const closed = new Promise<number>((resolve) => events.socket.once('close', (code) => resolve(code)));
    const { runId } = (await call(server, 'POST', '/api/runs', { body: { document: slowPipeline } })).json() as { runId: string };
    await events.waitFor((event) => event.type === 'node.state' && event.runId === runId && event.nodeId === 'nap' && event.status === 'running');
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await closed).toBe(1001);
    expect(events.events.find((event) => event.type === 'run.finished')).toMatchObject({ status: 'cancelled' });
    await expect(call(server, 'GET', '/api/health')).rejects.toThrow();
  });
});
