import { afterEach, describe, expect, it } from 'vitest';
import { Harness, pipeline } from './test-support/harness.js';

describe('failure isolation', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('a failed node skips only its descendants; independent branches finish', async () => {
    harness = new Harness();
    const doc = pipeline(
      [
        { id: 'src', type: 'test.source' },
        { id: 'bad', type: 'test.fail', params: { message: "column 'age' not found; columns are: a, b" } },
        { id: 'after', type: 'test.add' },
        { id: 'afterAfter', type: 'test.add' },
        { id: 'good', type: 'test.add', params: { plus: 1 } },
      ],
      [['src.out', 'bad.in'], ['bad.out', 'after.a'], ['after.out', 'afterAfter.a'], ['src.out', 'good.a']],
    );
    const result = await harness.run(doc);
    expect(result.status).toBe('failed');
    expect(result.nodes.bad).toMatchObject({ status: 'failed', error: "column 'age' not found; columns are: a, b" });
    expect(result.nodes.after).toMatchObject({ status: 'skipped', error: "skipped: upstream node 'bad' failed" });
    expect(result.nodes.afterAfter).toMatchObject({ status: 'skipped', error: "skipped: upstream node 'after' was skipped" });
    expect(result.nodes.good!.status).toBe('succeeded');
    expect(result.metrics.good).toEqual({ sum: 2 });
    const stored = harness.store.getRun(result.runId)!;
    expect(stored.status).toBe('failed');
    expect(stored.error).toContain('bad');
    expect(stored.nodes.bad!.error).toContain("column 'age' not found");
  });

  it('a bug in a node is reported as an internal error with its stack in the log', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'boom', type: 'test.crash' }], []));
    expect(result.nodes.boom!.status).toBe('failed');
    expect(result.nodes.boom!.error).toMatch(/^internal error: .*undefined/);
    const logs = harness.events.filter((event) => event.type === 'node.log' && event.level === 'error');
    expect(logs[0]).toMatchObject({ nodeId: 'boom' });
    expect(logs[0]!.type === 'node.log' && logs[0]!.message).toMatch(/at .*fixture-nodes/);
  });

  it('a failed node is not cached: fixing the cause re-runs it', async () => {
    harness = new Harness();
    const broken = pipeline([{ id: 'src', type: 'test.source', params: { file: 'missing.txt' } }], []);
    const first = await harness.run(broken);
    expect(first.nodes.src!.error).toMatch(/param 'file': file not found: missing.txt/);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${harness.root}/missing.txt`, '3');
    const second = await harness.run(broken);
    expect(second.nodes.src!.status).toBe('succeeded');
  });

  it('refuses a source file outside the workspace', async () => {
    harness = new Harness();
    const result = await harness.run(pipeline([{ id: 'src', type: 'test.source', params: { file: '../../etc/passwd' } }], []));
    expect(result.nodes.src).toMatchObject({ status: 'failed' });
    expect(result.nodes.src!.error).toMatch(/param 'file': '..\/..\/etc\/passwd' is outside the workspace/);
  });
});

describe('contract checks', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('a node returning the wrong kind of value fails with the port named, and nothing is cached', async () => {
    harness = new Harness();
    const doc = pipeline([{ id: 'odd', type: 'test.badOutput' }], []);
    const result = await harness.run(doc);
    expect(result.nodes.odd).toMatchObject({ status: 'failed', error: "internal error: node type 'test.badOutput' returned a bad 'out' output: expected a JSON object" });
    expect((await harness.run(doc)).nodes.odd!.status).toBe('failed');
  });
});

describe('worker thread failures', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('a worker thread that dies fails its node only, and the next worker node still runs', async () => {
    harness = new Harness({ concurrency: 1 });
    const result = await harness.run(
      pipeline([{ id: 'dies', type: 'test.exit' }, { id: 'spins', type: 'test.spin', params: { ms: 20 } }], []),
    );
    expect(result.nodes.dies).toMatchObject({ status: 'failed', error: 'internal error: worker thread exited with code 3' });
    expect(result.nodes.spins!.status).toBe('succeeded');
  });
});
