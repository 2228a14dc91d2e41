import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrialRecord } from '../base/context.js';
import { RUN_ID_PATTERN } from './run-id.js';
import { sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let store: WorkspaceStore;
let dotDir: string;
beforeEach(() => {
  dotDir = join(dirs.make(), '.tensorloom');
  store = WorkspaceStore.open(dotDir);
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

const trial = (number: number, fields: Partial<TrialRecord> = {}): TrialRecord => ({
  trial: number,
  status: 'succeeded',
  nodeType: 'train.dense',
  params: { target: 'species', learningRate: 0.001 * number, hiddenLayers: [16], epochs: 5 },
  searched: ['learningRate', 'hiddenLayers'],
  metrics: { accuracy: 0.9 + number / 100, epochs: 5 },
  startedAt: 1_800_000_000_000 + number * 1000,
  finishedAt: 1_800_000_000_500 + number * 1000,
  backend: 'wasm',
  ...fields,
});

describe('child runs (a search node’s trials)', () => {
  it('records each trial as a finished run linked to its parent run and node, with params, overrides, metrics and its number', () => {
    const parent = store.createRun(sampleRun);
    const second = store.recordChildRun(parent, 'tune', trial(2));
    const first = store.recordChildRun(parent, 'tune', trial(1));
    const failed = store.recordChildRun(parent, 'tune', trial(3, { status: 'failed', error: 'training diverged', metrics: { accuracy: NaN } }));
    for (const id of [first, second, failed]) expect(id).toMatch(RUN_ID_PATTERN);

    const children = store.listChildRuns(parent);
    expect(children.map((child) => child.trial)).toEqual([1, 2, 3]);
    expect(children[0]).toEqual({
      id: first,
      parentRunId: parent,
      parentNodeId: 'tune',
      trial: 1,
      status: 'succeeded',
      startedAt: 1_800_000_001_000,
      finishedAt: 1_800_000_001_500,
      backend: 'wasm',
      error: null,
      nodeType: 'train.dense',
      params: { target: 'species', learningRate: 0.001, hiddenLayers: [16], epochs: 5 },
      overrides: { 'tune.learningRate': 0.001, 'tune.hiddenLayers': [16] },
      metrics: { accuracy: 0.91, epochs: 5 },
    });
    expect(children[2]).toMatchObject({ status: 'failed', error: 'training diverged' });
    expect(children[2]!.metrics.accuracy).toBeNaN();

    // A child run reads like any run: its node execution, params and metrics under the search node's id.
    const run = store.getRun(first)!;
    expect(run).toMatchObject({ status: 'succeeded', pipelineName: sampleRun.pipelineName, pipelineHash: sampleRun.pipelineHash, overrides: { 'tune.learningRate': 0.001 } });
    expect(run.nodes.tune).toMatchObject({ type: 'train.dense', status: 'succeeded', ms: 500, params: { learningRate: 0.001 } });
    expect(run.metrics).toEqual({ tune: { accuracy: 0.91, epochs: 5 } });
  });

  it('keeps trials of different nodes apart, and survives reopening the store', () => {
    const parent = store.createRun(sampleRun);
    store.recordChildRun(parent, 'a', trial(1));
    store.recordChildRun(parent, 'b', trial(1));
    store.recordChildRun(parent, 'b', trial(2));
    store.finishRun(parent, 'cancelled');
    store.close();
    store = WorkspaceStore.open(dotDir);
    expect(store.listChildRuns(parent, 'b').map((child) => [child.parentNodeId, child.trial])).toEqual([['b', 1], ['b', 2]]);
    expect(store.listChildRuns(parent)).toHaveLength(3);
    expect(store.getRun(parent)!.status).toBe('cancelled');
  });

  it('refuses a trial of a run that does not exist, naming it, and writes nothing', () => {
    expect(() => store.recordChildRun('20260101-000000-abcd', 'tune', trial(1))).toThrow("no run '20260101-000000-abcd' in this workspace to record trial 1 under");
    expect(store.listRuns()).toEqual([]);
  });
});
