import { afterEach, describe, expect, it, vi } from 'vitest';
import { diskFullError } from '../store/index.js';
import { Harness, pipeline } from './test-support/harness.js';

describe('a run whose store fills up while its nodes are being queued', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('ends (every node final, the run failed with the disk message) instead of waiting forever', async () => {
    harness = new Harness();
    // The real store, with its third node record failing as on a full disk (a real 2 MB disk hits
    // this at one exact fill level; cli/disk-full.test.ts covers the rest of the full-disk path).
    const real = harness.store.upsertNodeExecution.bind(harness.store);
    let calls = 0;
    vi.spyOn(harness.store, 'upsertNodeExecution').mockImplementation((...args) => {
      calls += 1;
      if (calls === 3) throw diskFullError("could not record the state of node 'c'");
      return real(...args);
    });
    const doc = pipeline(
      [{ id: 'a', type: 'test.source' }, { id: 'b', type: 'test.add' }, { id: 'c', type: 'test.add' }, { id: 'd', type: 'test.add' }],
      [['a.out', 'b.a'], ['b.out', 'c.a'], ['c.out', 'd.a']],
    );
    const result = await harness.run(doc);
    expect(result.status).toBe('failed');
    expect(result.error).toBe("the disk holding the workspace is full: could not record the state of node 'c'; free space and run again");
    expect(Object.fromEntries(Object.entries(result.nodes).map(([id, node]) => [id, node.status]))).toEqual({ a: 'skipped', b: 'skipped', c: 'skipped', d: 'skipped' });
  });
});
