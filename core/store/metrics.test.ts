import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let store: WorkspaceStore;
let runId: string;
beforeEach(() => {
  store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
  runId = store.createRun(sampleRun);
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

describe('metrics', () => {
  it('keeps the last value of each metric and stepped points as series in step order', () => {
    store.recordMetric(runId, 'train', 'loss', 0.9, 0);
    store.recordMetric(runId, 'train', 'loss', 0.5, 2);
    store.recordMetric(runId, 'train', 'loss', 0.7, 1);
    store.recordMetric(runId, 'train', 'val_loss', 0.8, 0);
    store.recordMetric(runId, 'eval', 'accuracy', 0.93, null);
    const run = store.getRun(runId)!;
    expect(run.metrics).toEqual({ train: { loss: 0.7, val_loss: 0.8 }, eval: { accuracy: 0.93 } });
    expect(run.series).toEqual({
      train: {
        loss: [
          { step: 0, value: 0.9 },
          { step: 1, value: 0.7 },
          { step: 2, value: 0.5 },
        ],
        val_loss: [{ step: 0, value: 0.8 }],
      },
    });
  });

  it('keeps the last value when a step is recorded twice', () => {
    store.recordMetric(runId, 'train', 'loss', 0.9, 3);
    store.recordMetric(runId, 'train', 'loss', 0.8, 3);
    expect(store.getRun(runId)!.series.train!.loss).toEqual([{ step: 3, value: 0.8 }]);
  });

  it('stores NaN and infinities (a diverging loss) without failing', () => {
    store.recordMetric(runId, 'train', 'loss', Number.NaN, 0);
    store.recordMetric(runId, 'train', 'grad', Number.POSITIVE_INFINITY, 0);
    store.recordMetric(runId, 'train', 'min', Number.NEGATIVE_INFINITY, null);
    const run = store.getRun(runId)!;
    expect(run.metrics.train).toEqual({ loss: Number.NaN, grad: Number.POSITIVE_INFINITY, min: Number.NEGATIVE_INFINITY });
    expect(run.series.train!.loss).toEqual([{ step: 0, value: Number.NaN }]);
  });

  it('refuses a step that is not a whole number', () => {
    expect(() => store.recordMetric(runId, 'train', 'loss', 1, 1.5)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
  });

  it('takes thousands of per-epoch points a second', () => {
    const count = 5000;
    const started = performance.now();
    for (let step = 0; step < count; step += 1) store.recordMetric(runId, 'train', 'loss', 1 / (step + 1), step);
    const perSecond = count / ((performance.now() - started) / 1000);
    expect(store.getRun(runId)!.series.train!.loss).toHaveLength(count);
    expect(perSecond).toBeGreaterThan(1000); // typically ~100k/s; far above hundreds per second
  });
});
