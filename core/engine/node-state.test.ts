import { afterEach, describe, expect, it } from 'vitest';
import { counterNode } from './test-support/state-nodes.js';
import workerCounter from './test-support/state-nodes.js';
import { Harness, pipeline } from './test-support/harness.js';

const counting = (type: string, params: Record<string, unknown> = {}) => pipeline([{ id: 'c', type, params }], []);

describe('ctx.state', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it.each(['test.counter', 'test.workerCounter'])('%s keeps its value across runs and a restart, recording which run wrote it', async (type) => {
    harness = new Harness({}, [counterNode, workerCounter]);
    const values: unknown[] = [];
    for (let run = 0; run < 2; run++) {
      const result = await harness.run(counting(type));
      expect(result.status).toBe('succeeded');
      values.push(harness.store.getNodeState(type, 'count'));
    }
    await harness.restart();
    const last = await harness.run(counting(type));
    expect(values).toEqual([1, 2]);
    expect(harness.store.getNodeState(type, 'count')).toBe(3);
    expect(harness.store.listNodeState()).toEqual([expect.objectContaining({ nodeType: type, key: 'count', value: 3, runId: last.runId, nodeId: 'c' })]);
  });

  it('is scoped by node type: one type never sees the keys of another', async () => {
    harness = new Harness({}, [counterNode, workerCounter]);
    await harness.run(counting('test.counter'));
    await harness.run(counting('test.counter'));
    await harness.run(counting('test.workerCounter'));
    expect(harness.store.getNodeState('test.counter', 'count')).toBe(2);
    expect(harness.store.getNodeState('test.workerCounter', 'count')).toBe(1);
  });

  it('deletes a key, and refuses values it cannot keep with a clear node error', async () => {
    harness = new Harness({}, [counterNode, workerCounter]);
    await harness.run(counting('test.workerCounter'));
    const reset = await harness.run(counting('test.workerCounter', { reset: true }));
    expect(reset.status).toBe('succeeded');
    expect(harness.store.getNodeState('test.workerCounter', 'count')).toBeUndefined();

    const big = await harness.run(counting('test.workerCounter', { value: 'x'.repeat(1024 * 1024 + 1) }));
    expect(big.nodes.c).toMatchObject({ status: 'failed', error: "ctx.state: the value for 'count' is 1048579 bytes of JSON; state holds at most 1048576 (write large things as artifacts)" });
    const badKey = await harness.run(counting('test.counter', { key: '', value: 1 }));
    expect(badKey.nodes.c).toMatchObject({ status: 'failed', error: 'ctx.state: a key is a string of 1 to 200 characters (got 0 characters)' });
    expect(harness.store.listNodeState()).toEqual([]);
  });
});
