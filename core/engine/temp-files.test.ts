import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, pipeline } from './test-support/harness.js';

const tmpEntries = (harness: Harness) => readdirSync(join(harness.root, '.tensorloom', 'tmp'));

describe("a node's temp paths", () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('leave nothing in tmp/ after many runs in one process: the model folder is moved into the store, scratch files removed', async () => {
    harness = new Harness();
    for (let seed = 1; seed <= 5; seed += 1) {
      const result = await harness.run(pipeline([{ id: 'train', type: 'test.model', params: { seed } }], []));
      expect(result.status).toBe('succeeded');
      expect(tmpEntries(harness)).toEqual([]);
      const model = harness.store.getRun(result.runId)!.nodes.train!.outputs.model!;
      expect(harness.store.artifacts.kindOf(model.hash)).toBe('dir');
      expect(await harness.store.artifacts.verify(model.hash)).toBe(true);
      expect(readdirSync(harness.store.artifacts.pathOf(model.hash)).sort()).toEqual(['model.json', 'weights']);
    }
  });

  it('leave nothing in tmp/ when the node fails after writing them', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'train', type: 'test.model', params: { fail: true } }], []));
    expect(result.nodes.train).toMatchObject({ status: 'failed', error: 'training diverged' });
    expect(tmpEntries(harness)).toEqual([]);
  });

  it('leave nothing in tmp/ after worker runs, nor after a worker that ignores cancel is terminated', async () => {
    harness = new Harness();
    for (let seed = 1; seed <= 3; seed += 1) {
      expect((await harness.run(pipeline([{ id: 'train', type: 'test.workerModel', params: { seed } }], []))).status).toBe('succeeded');
      expect(tmpEntries(harness)).toEqual([]);
    }
    const controller = new AbortController();
    const running = harness.run(pipeline([{ id: 'train', type: 'test.workerModel', params: { hang: true } }], []), { signal: controller.signal });
    // The node has written its folder once it reports its metric; then it spins, ignoring cancel.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (harness.events.some((event) => event.type === 'node.metric' && event.nodeId === 'train')) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    controller.abort();
    const result = await running;
    expect(result.nodes.train!.status).toBe('cancelled');
    expect(tmpEntries(harness)).toEqual([]);
  });
});
