import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN } from './run-id.js';
import { sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let store: WorkspaceStore;
beforeEach(() => {
  store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

describe('run records', () => {
  it('links runs made before the first save to the file, leaving runs of other files alone', () => {
    const unsaved = store.createRun({ ...sampleRun, pipelineName: 'untitled', pipelinePath: null });
    const other = store.createRun({ ...sampleRun, pipelinePath: '/w/other.pipeline.json' });
    expect(store.linkRunsToPipeline([unsaved, other, 'no-such-run'], '/w/wine.pipeline.json', 'wine')).toBe(1);
    expect(store.getRun(unsaved)).toMatchObject({ pipelinePath: '/w/wine.pipeline.json', pipelineName: 'wine' });
    expect(store.getRun(other)).toMatchObject({ pipelinePath: '/w/other.pipeline.json', pipelineName: sampleRun.pipelineName });
  });

  it('creates a running run owned by this process and finishes it', () => {
    const id = store.createRun({ ...sampleRun, pipelinePath: '/w/p.json', until: 'train', overrides: { 'train.epochs': 3 } });
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(store.getRun(id)).toMatchObject({
      id,
      status: 'running',
      pid: process.pid,
      host: hostname(),
      until: 'train',
      pipelinePath: '/w/p.json',
      pipelineJson: sampleRun.pipelineJson,
      overrides: { 'train.epochs': 3 },
      finishedAt: null,
      backend: null,
    });
    store.setRunBackend(id, 'tensorflow (CUDA)');
    store.finishRun(id, 'failed', 'node failed: train');
    const run = store.getRun(id)!;
    expect(run).toMatchObject({ status: 'failed', error: 'node failed: train', backend: 'tensorflow (CUDA)' });
    expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt);
  });

  it('upserts node executions field by field: left-out fields keep their value, error null clears', () => {
    const id = store.createRun(sampleRun);
    store.upsertNodeExecution(id, 'load', { nodeType: 'data.csv', status: 'queued' });
    store.upsertNodeExecution(id, 'train', { nodeType: 'train.dense', status: 'queued' });
    store.upsertNodeExecution(id, 'load', { status: 'running', cacheKey: 'k1', startedAt: 100, params: { path: 'a.csv', sep: ',' } });
    store.upsertNodeExecution(id, 'load', { status: 'failed', finishedAt: 150, ms: 50, error: 'column x not found' });
    expect(store.getRun(id)!.nodes.load).toEqual({
      type: 'data.csv',
      status: 'failed',
      cached: false,
      cacheKey: 'k1',
      startedAt: 100,
      finishedAt: 150,
      ms: 50,
      error: 'column x not found',
      params: { path: 'a.csv', sep: ',' },
      outputs: {},
      attachments: {},
    });
    store.upsertNodeExecution(id, 'load', { status: 'cached', cached: true, error: null });
    expect(store.getRun(id)!.nodes.load).toMatchObject({ status: 'cached', cached: true, error: null, cacheKey: 'k1', ms: 50 });
    expect(Object.keys(store.getRun(id)!.nodes)).toEqual(['load', 'train']); // first-recorded order
  });

  it('records outputs with their artifact index rows, and attachments', async () => {
    const id = store.createRun(sampleRun);
    const table = await store.artifacts.putBytes(new TextEncoder().encode('arrow bytes'));
    const plot = await store.artifacts.putBytes(new TextEncoder().encode('png bytes'));
    store.upsertNodeExecution(id, 'load', { status: 'running' });
    store.recordOutputs(id, 'load', { table: { hash: table.hash, type: 'table', size: table.size } });
    store.attachArtifact(id, 'load', 'preview.png', plot);
    const node = store.getRun(id)!.nodes.load!;
    expect(node.outputs).toEqual({ table: { hash: table.hash, type: 'table', size: table.size } });
    expect(node.attachments).toEqual({ 'preview.png': { hash: plot.hash, size: plot.size, path: plot.path, kind: plot.kind } });
  });

  it('refuses to record an output whose artifact is not stored', () => {
    const id = store.createRun(sampleRun);
    const missing = `sha256:${'cd'.repeat(32)}`;
    expect(() => store.recordOutputs(id, 'load', { table: { hash: missing, type: 'table', size: 1 } })).toThrow(
      expect.objectContaining({ name: 'StoreError', code: 'missing-artifact' }),
    );
    expect(store.getRun(id)!.nodes).toEqual({});
  });

  it('keeps logs in order, with and without a node', () => {
    const id = store.createRun(sampleRun);
    store.recordLog(id, null, 'info', 'run started');
    store.recordLog(id, 'split', 'warn', 'no stratify column');
    store.recordLog(id, 'train', 'error', 'Error: boom\n    at x');
    expect(store.getRun(id)!.logs.map(({ nodeId, level, message }) => [nodeId, level, message])).toEqual([
      [null, 'info', 'run started'],
      ['split', 'warn', 'no stratify column'],
      ['train', 'error', 'Error: boom\n    at x'],
    ]);
  });

  it('lists runs newest first with node counts by status', () => {
    const first = store.createRun(sampleRun);
    for (const start = Date.now(); Date.now() === start; );
    const second = store.createRun({ ...sampleRun, pipelineName: 'other' });
    store.upsertNodeExecution(second, 'a', { status: 'succeeded' });
    store.upsertNodeExecution(second, 'b', { status: 'cached', cached: true });
    store.upsertNodeExecution(second, 'c', { status: 'cached', cached: true });
    store.finishRun(second, 'succeeded');
    const runs = store.listRuns();
    expect(runs.map((run) => run.id)).toEqual([second, first]);
    const summary = runs.find((run) => run.id === second)!;
    expect(summary).toMatchObject({ pipelineName: 'other', status: 'succeeded' });
    expect(summary.nodeCounts).toMatchObject({ succeeded: 1, cached: 2, failed: 0, running: 0 });
    expect(store.listRuns({ limit: 1 })).toHaveLength(1);
    expect(store.getRun('20990101-000000-0000')).toBeUndefined();
  });

  it('names the run when a write is for one that does not exist', () => {
    const unknown = '20990101-000000-0000';
    for (const write of [
      () => store.finishRun(unknown, 'succeeded'),
      () => store.setRunBackend(unknown, 'cpu'),
      () => store.upsertNodeExecution(unknown, 'n', { status: 'running' }),
      () => store.recordMetric(unknown, 'n', 'loss', 1, null),
      () => store.recordLog(unknown, null, 'info', 'x'),
    ]) {
      expect(write).toThrow(expect.objectContaining({ code: 'unknown-run', message: `no run '${unknown}' in this workspace` }));
    }
  });

  it('batch writes all or nothing', () => {
    const id = store.createRun(sampleRun);
    expect(() =>
      store.batch(() => {
        store.recordMetric(id, 'train', 'loss', 0.5, 1);
        store.recordLog(id, 'train', 'info', 'epoch 1');
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(store.getRun(id)).toMatchObject({ metrics: {}, logs: [] });
    store.batch(() => {
      store.recordMetric(id, 'train', 'loss', 0.5, 1);
      store.recordMetric(id, 'train', 'loss', 0.4, 2);
    });
    expect(store.getRun(id)!.series.train!.loss).toHaveLength(2);
  });
});
