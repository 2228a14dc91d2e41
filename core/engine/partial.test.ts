import { afterEach, describe, expect, it } from 'vitest';
import { Harness, pipeline } from './test-support/harness.js';

const doc = pipeline(
  [
    { id: 'a', type: 'test.source', params: { value: 1 } },
    { id: 'b', type: 'test.add', params: { plus: 1 } },
    { id: 'c', type: 'test.add', params: { plus: 1 } },
    { id: 'side', type: 'test.source', params: { value: 7 } },
    { id: 'join', type: 'test.add', params: {} },
  ],
  [['a.out', 'b.a'], ['b.out', 'c.a'], ['c.out', 'join.a'], ['side.out', 'join.b']],
);

describe('run up to a node', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('executes only the node and its ancestors', async () => {
    harness = new Harness();
    const result = await harness.run(doc, { until: 'b' });
    expect(result.status).toBe('succeeded');
    expect(Object.keys(result.nodes).sort()).toEqual(['a', 'b']);
    const started = harness.events.find((event) => event.type === 'run.started');
    expect(started).toMatchObject({ until: 'b', nodes: ['a', 'b'] });
    expect(harness.store.getRun(result.runId)!.until).toBe('b');
  });

  it('then a full run reuses what the partial run computed', async () => {
    harness = new Harness();
    await harness.run(doc, { until: 'c' });
    const full = await harness.run(doc);
    expect(Harness.cached(full)).toEqual(['a', 'b', 'c']);
    expect(Harness.executed(full)).toEqual(['join', 'side']);
    expect(full.metrics.join).toEqual({ sum: 10 });
  });

  it('refuses a node that is not in the pipeline', async () => {
    harness = new Harness();
    await expect(harness.run(doc, { until: 'nope' })).rejects.toThrow(/no such node/);
  });
});
