import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineNode, port, z, type AnyNodeDefinition } from '../sdk/index.js';
import { fixtureNodes } from './test-support/fixture-nodes.js';
import { Harness, pipeline } from './test-support/harness.js';

// a → b → c, and d independent; c also reads a file through `src`.
const doc = (overrides: { bPlus?: number; dValue?: number } = {}) =>
  pipeline(
    [
      { id: 'a', type: 'test.source', params: { value: 1 } },
      { id: 'src', type: 'test.source', params: { value: 0, file: 'n.txt' } },
      { id: 'b', type: 'test.add', params: { plus: overrides.bPlus ?? 10 } },
      { id: 'c', type: 'test.add', params: {} },
      { id: 'd', type: 'test.source', params: { value: overrides.dValue ?? 5 } },
    ],
    [['a.out', 'b.a'], ['b.out', 'c.a'], ['src.out', 'c.b']],
  );

describe('engine cache', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('executes everything once, then reuses every result', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    const first = await harness.run(doc());
    expect(first.status).toBe('succeeded');
    expect(Harness.executed(first)).toEqual(['a', 'b', 'c', 'd', 'src']);
    expect(first.metrics.c).toEqual({ sum: 111 });

    const second = await harness.run(doc());
    expect(Harness.executed(second)).toEqual([]);
    expect(Harness.cached(second)).toEqual(['a', 'b', 'c', 'd', 'src']);
    expect(second.outputs).toEqual(first.outputs);
    // Metrics of cached nodes are carried over, so a cached evaluation still reports its numbers.
    expect(second.metrics.c).toEqual({ sum: 111 });
  });

  it('a param change re-runs only that node and its descendants', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    await harness.run(doc());
    const changed = await harness.run(doc({ bPlus: 20 }));
    expect(Harness.executed(changed)).toEqual(['b', 'c']);
    expect(Harness.cached(changed)).toEqual(['a', 'd', 'src']);
    expect(changed.metrics.c).toEqual({ sum: 121 });
  });

  it('keeps the cache across a restart', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    await harness.run(doc());
    await harness.restart();
    const afterRestart = await harness.run(doc({ dValue: 6 }));
    expect(Harness.executed(afterRestart)).toEqual(['d']);
  });

  it('a changed input file re-runs the source node and its descendants', async () => {
    harness = new Harness();
    const file = join(harness.root, 'n.txt');
    writeFileSync(file, '100');
    await harness.run(doc());
    writeFileSync(file, '200');
    const rerun = await harness.run(doc());
    expect(Harness.executed(rerun)).toEqual(['c', 'src']);
    expect(rerun.metrics.c).toEqual({ sum: 211 });
    // Back to the old content: the old results are still valid and reused.
    writeFileSync(file, '100');
    const back = await harness.run(doc());
    expect(Harness.executed(back)).toEqual([]);
  });

  it('a new node version invalidates that node type only', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    await harness.run(doc());
    const [, add, ...others] = fixtureNodes;
    const addV2 = defineNode({ ...add!, version: 2 } as never) as AnyNodeDefinition;
    await harness.restart([fixtureNodes[0]!, addV2, ...others] as AnyNodeDefinition[]);
    const rerun = await harness.run(doc());
    expect(Harness.executed(rerun)).toEqual(['b', 'c']);
  });

  it('an upstream re-run with an identical result leaves descendants cached', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    await harness.run(doc());
    // value 1 + plus 10 == value 2 + plus 9: b re-runs, its output is byte-identical, c stays cached.
    const shifted = pipeline(
      [
        { id: 'a', type: 'test.source', params: { value: 2 } },
        { id: 'src', type: 'test.source', params: { value: 0, file: 'n.txt' } },
        { id: 'b', type: 'test.add', params: { plus: 9 } },
        { id: 'c', type: 'test.add', params: {} },
        { id: 'd', type: 'test.source', params: { value: 5 } },
      ],
      [['a.out', 'b.a'], ['b.out', 'c.a'], ['src.out', 'c.b']],
    );
    const rerun = await harness.run(shifted);
    expect(Harness.executed(rerun)).toEqual(['a', 'b']);
    expect(Harness.cached(rerun)).toEqual(['c', 'd', 'src']);
  });

  it('default-valued params written out or left implicit share one cache entry', async () => {
    harness = new Harness();
    const implicit = pipeline([{ id: 'x', type: 'test.add', params: {} }, { id: 's', type: 'test.source' }], [['s.out', 'x.a']]);
    const explicit = pipeline([{ id: 'x', type: 'test.add', params: { plus: 0 } }, { id: 's', type: 'test.source', params: { value: 1 } }], [['s.out', 'x.a']]);
    await harness.run(implicit);
    expect(Harness.executed(await harness.run(explicit))).toEqual([]);
  });

  it('never reuses the result of a node that is not cacheable for its params', async () => {
    // Reads a counter file that its own earlier runs wrote: state the cache key cannot see.
    const stateful = defineNode({
      type: 'test.stateful', version: 1, category: 'util', title: 'Stateful', description: 'Counts its runs in a file.',
      inputs: {}, outputs: { out: port('metrics') },
      params: z.object({ fresh: z.boolean().default(true) }),
      cacheable: (params) => !params.fresh,
      async run(_args, ctx) {
        const file = join(ctx.workspace.root, 'runs.txt');
        const runs = (existsSync(file) ? Number(readFileSync(file, 'utf8')) : 0) + 1;
        writeFileSync(file, String(runs));
        return { out: { value: runs } };
      },
    });
    harness = new Harness({}, [...fixtureNodes, stateful]);
    const doc = (fresh: boolean) => pipeline([{ id: 's', type: 'test.stateful', params: { fresh } }, { id: 'x', type: 'test.add', params: {} }], [['s.out', 'x.a']]);
    await harness.run(doc(true));
    const second = await harness.run(doc(true));
    expect(Harness.executed(second)).toEqual(['s', 'x']);
    expect(second.metrics.x).toEqual({ sum: 2 });
    // Cacheable again with other params: the usual reuse.
    await harness.run(doc(false));
    expect(Harness.cached(await harness.run(doc(false)))).toEqual(['s', 'x']);
  });

  it('re-executes when a cached artifact file has been deleted', async () => {
    harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '100');
    const first = await harness.run(doc());
    const { rmSync } = await import('node:fs');
    rmSync(harness.store.artifacts.pathOf(first.outputs.d!.out!), { force: true });
    const rerun = await harness.run(doc());
    expect(Harness.executed(rerun)).toEqual(['d']);
  });
});
