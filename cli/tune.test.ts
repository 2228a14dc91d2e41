/** train.tune through the real CLI: validation before the run, trials as child runs in the store, cancel mid-search. */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkspaceStore } from '../core/store/index.js';
import { copyExamples, startTensorloom, tensorloom } from './test-support/run-cli.js';

function pipeline(dir: string, tune: Record<string, unknown>, name = 'tune.pipeline.json'): string {
  writeFileSync(
    join(dir, name),
    JSON.stringify({
      format: 'tensorloom/pipeline@1',
      name: 'penguins-tune',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
        { id: 'tune', type: 'train.tune', params: { target: 'species', hiddenLayers: [8], epochs: 4, batchSize: 64, trials: 3, folds: 2, seed: 2, ...tune } },
        { id: 'evaluate', type: 'eval.model', params: {} },
      ],
      edges: [
        { from: 'load.table', to: 'split.table' },
        { from: 'split.table', to: 'tune.table' },
        { from: 'tune.model', to: 'evaluate.model' },
        { from: 'split.table', to: 'evaluate.table' },
      ],
    }),
  );
  return name;
}

function withStore<T>(dir: string, read: (store: WorkspaceStore) => T): T {
  const store = WorkspaceStore.open(join(dir, '.tensorloom'));
  try {
    return read(store);
  } finally {
    store.close();
  }
}

describe('train.tune through the CLI', () => {
  it('validate names each problem of the search space before anything runs', () => {
    const dir = copyExamples();
    const file = pipeline(dir, { space: { learningRate: { min: 0.1, max: 0.01 }, hiddenLayers: [], momentum: [0.9] } });
    const result = tensorloom(['validate', file], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("node 'tune': param 'space.learningRate' has min 0.1 above max 0.01");
    expect(result.stderr).toContain("node 'tune': param 'space.hiddenLayers' is an empty list; give at least one value to try");
    expect(result.stderr).toContain("node 'tune': param 'space.momentum' is not a param of train.dense");
    // run refuses it the same way, and records nothing.
    expect(tensorloom(['run', file], { cwd: dir }).status).toBe(2);
  });

  it('records every trial as a child run of the run and node, with its params and metrics; the best model feeds eval.model', () => {
    const dir = copyExamples();
    const file = pipeline(dir, { space: { learningRate: { min: 0.001, max: 0.05, log: true }, activation: ['relu', 'tanh'] } });
    const run = tensorloom(['run', file, '--json'], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { runId: string; nodes: Record<string, { status: string }>; metrics: Record<string, Record<string, number>> };
    expect(result.nodes.tune!.status).toBe('succeeded');
    expect(result.metrics.tune).toMatchObject({ trials: 3, trials_failed: 0 });
    expect(result.metrics.evaluate!.accuracy).toBeGreaterThan(0);

    const children = withStore(dir, (store) => store.listChildRuns(result.runId));
    expect(children.map((child) => [child.trial, child.parentNodeId, child.status, child.nodeType])).toEqual([
      [1, 'tune', 'succeeded', 'train.dense'],
      [2, 'tune', 'succeeded', 'train.dense'],
      [3, 'tune', 'succeeded', 'train.dense'],
    ]);
    for (const child of children) {
      expect(child.params).toMatchObject({ target: 'species', epochs: 4, hiddenLayers: [8] });
      expect(Object.keys(child.overrides).sort()).toEqual(['tune.activation', 'tune.learningRate']);
      expect(child.metrics).toMatchObject({ accuracy: expect.any(Number), accuracy_std: expect.any(Number), folds: 2 });
    }
    expect(result.metrics.tune!.best_accuracy).toBe(Math.max(...children.map((child) => child.metrics.accuracy!)));
  });

  it('cancel mid-search: the node and run end cancelled, the finished trials stay recorded', async () => {
    const dir = copyExamples();
    // Slow enough trials (about a second each here) in two worker threads, so the cancel lands mid-search.
    const file = pipeline(dir, { trials: 12, epochs: 60, batchSize: 8, hiddenLayers: [32], parallel: 2, space: { learningRate: [0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.03, 0.05] } });
    const child = startTensorloom(['run', file], { cwd: dir });
    const exited = new Promise<number | null>((resolve) => (child as ChildProcess).on('exit', (code) => resolve(code)));
    let runId: string | undefined;
    let seen = 0;
    for (let tries = 0; tries < 600 && seen === 0; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      try {
        withStore(dir, (store) => {
          runId ??= store.listRuns()[0]?.id;
          seen = runId === undefined ? 0 : store.listChildRuns(runId).length;
        });
      } catch {
        // The workspace is being created.
      }
    }
    expect(seen).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    withStore(dir, (store) => {
      const run = store.getRun(runId!)!;
      expect(run.status).toBe('cancelled');
      expect(run.nodes.tune!.status).toBe('cancelled');
      const trials = store.listChildRuns(runId!);
      expect(trials.length).toBeGreaterThanOrEqual(seen);
      expect(trials.length).toBeLessThan(12);
      expect(trials.every((trial) => trial.status === 'succeeded')).toBe(true);
    });
  }, 120_000);
});
