import { describe, expect, it } from 'vitest';
import type { EngineEvent, PipelineDoc } from '../api/protocol';
import { createRunStore, mergeRecord } from './run-store';

const started: EngineEvent = { type: 'run.started', runId: 'r1', pipeline: 'p', nodes: ['load', 'train'], until: null, at: 1 };

describe('run store', () => {
  it('follows a run: queued, running with progress, metrics per step, finished', () => {
    const store = createRunStore();
    store.getState().expect();
    store.getState().follow('r1');
    const events: EngineEvent[] = [
      started,
      { type: 'node.state', runId: 'r1', nodeId: 'load', status: 'running', cached: false, at: 2 },
      { type: 'node.progress', runId: 'r1', nodeId: 'load', fraction: 0.5 },
      { type: 'node.state', runId: 'r1', nodeId: 'load', status: 'succeeded', cached: false, ms: 12, at: 3 },
      { type: 'node.metric', runId: 'r1', nodeId: 'train', name: 'loss', value: 0.9, step: 1 },
      { type: 'node.metric', runId: 'r1', nodeId: 'train', name: 'loss', value: 0.5, step: 2 },
      { type: 'node.metric', runId: 'r1', nodeId: 'train', name: 'accuracy', value: 0.8 },
    ];
    for (const event of events) store.getState().applyEvent(event);
    const state = store.getState();
    expect(state.phase).toBe('running');
    expect(state.nodes.load).toEqual({ status: 'succeeded', cached: false, ms: 12 });
    expect(state.nodes.train).toEqual({ status: 'queued', cached: false });
    expect(state.series.train?.loss).toEqual([{ step: 1, value: 0.9 }, { step: 2, value: 0.5 }]);
    expect(state.metrics.train).toEqual({ loss: 0.5, accuracy: 0.8 });
    store.getState().applyEvent({ type: 'run.finished', runId: 'r1', status: 'succeeded', ms: 40, at: 5 });
    expect(store.getState().phase).toBe('succeeded');
  });

  it('replays events that arrived before the run id was known', () => {
    const store = createRunStore();
    store.getState().expect();
    store.getState().applyEvent(started);
    store.getState().applyEvent({ type: 'node.state', runId: 'r1', nodeId: 'load', status: 'running', cached: false, at: 2 });
    store.getState().applyEvent({ type: 'run.started', runId: 'other', pipeline: 'q', nodes: ['x'], until: null, at: 1 });
    store.getState().follow('r1');
    expect(store.getState().nodes).toEqual({ load: { status: 'running', cached: false, progress: 0 }, train: { status: 'queued', cached: false } });
  });

  it('ignores events of other runs, and all live events while showing history', () => {
    const store = createRunStore();
    store.getState().loadRecord({ runId: 'old', status: 'failed', nodes: { load: { status: 'failed', error: 'column age not found' } } }, 'history');
    store.getState().applyEvent({ type: 'node.state', runId: 'old', nodeId: 'load', status: 'running', cached: false, at: 9 });
    store.getState().applyEvent({ type: 'node.state', runId: 'r2', nodeId: 'load', status: 'running', cached: false, at: 9 });
    expect(store.getState().nodes.load).toEqual({ status: 'failed', cached: false, error: 'column age not found' });
    expect(store.getState().source).toBe('history');
  });

  it('merging a stored record never steps a live node back', () => {
    const store = createRunStore();
    store.getState().follow('r1');
    store.getState().applyEvent(started);
    store.getState().applyEvent({ type: 'node.state', runId: 'r1', nodeId: 'load', status: 'succeeded', cached: false, ms: 3, at: 2 });
    const patch = mergeRecord(store.getState(), {
      runId: 'r1',
      status: 'running',
      nodes: { load: { status: 'running' }, train: { status: 'succeeded', ms: 4 } },
      outputs: { load: { table: 'a1' } },
    });
    expect(patch.nodes?.load?.status).toBe('succeeded');
    expect(patch.nodes?.train?.status).toBe('succeeded');
    expect(patch.outputs).toEqual({ load: { table: 'a1' } });
  });

  it('keeps the document a live run started with, and the document and params of a stored run', () => {
    const store = createRunStore();
    const doc: PipelineDoc = { format: 'tensorloom/pipeline@1', name: 'p', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'a.csv' } }], edges: [] };
    store.getState().expect(doc);
    store.getState().follow('r1');
    expect(store.getState().ranWith).toBe(doc);
    // A record without a document (an older server) keeps the live one.
    expect(mergeRecord(store.getState(), { runId: 'r1', status: 'running', nodes: { load: { status: 'succeeded', params: { path: 'a.csv', header: true } } } })).toMatchObject({
      ranWith: doc,
      params: { load: { path: 'a.csv', header: true } },
    });

    const stored: PipelineDoc = { ...doc, nodes: [{ id: 'load', type: 'data.csv', params: { path: 'old.csv' } }] };
    store.getState().loadRecord({ runId: 'old', status: 'succeeded', document: stored, nodes: { load: { status: 'cached', cached: true, params: { path: 'old.csv' } }, skip: { status: 'skipped', params: null } } }, 'history');
    expect(store.getState().ranWith).toBe(stored);
    expect(store.getState().params).toEqual({ load: { path: 'old.csv' } });
    store.getState().clear();
    expect(store.getState()).toMatchObject({ ranWith: null, params: {} });
  });
});
