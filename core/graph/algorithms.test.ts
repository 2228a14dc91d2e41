import { describe, expect, it } from 'vitest';
import { ancestors, descendants, findCycle, findCycles, graphOf, topologicalOrder } from './algorithms.js';
import { fixtureRegistry, pipelineDoc, samplePipeline } from './test-support/fixtures.js';
import { validatePipeline } from './validate.js';

const graph = (nodes: string[], edges: [string, string][]) => ({ nodes, edges: edges.map(([from, to]) => ({ from, to })) });

describe('topologicalOrder', () => {
  it('follows the file where the edges leave a choice', () => {
    expect(topologicalOrder(graph(['c', 'b', 'a'], [])).order).toEqual(['c', 'b', 'a']);
    expect(topologicalOrder(graph(['c', 'b', 'a'], [['a', 'c']])).order).toEqual(['b', 'a', 'c']);
    // d is ready early but comes last in the file; e waits for a.
    expect(topologicalOrder(graph(['a', 'b', 'c', 'd', 'e'], [['a', 'e'], ['b', 'c'], ['d', 'b']])).order).toEqual(['a', 'd', 'b', 'c', 'e']);
  });

  it('leaves the nodes on and below a cycle blocked', () => {
    expect(topologicalOrder(graph(['s', 'a', 'b', 'after'], [['s', 'a'], ['a', 'b'], ['b', 'a'], ['b', 'after']]))).toEqual({ order: ['s'], blocked: ['a', 'b', 'after'] });
  });

  it('ignores edges to unknown nodes and repeated ids', () => {
    expect(topologicalOrder(graph(['a', 'b', 'a'], [['ghost', 'a'], ['b', 'a']])).order).toEqual(['b', 'a']);
  });

  it('handles a long chain without recursion', () => {
    const ids = Array.from({ length: 50_000 }, (_, index) => `n${index}`);
    const edges = ids.slice(1).map((id, index): [string, string] => [ids[index]!, id]);
    expect(topologicalOrder(graph([...ids].reverse(), edges)).order).toEqual(ids);
    expect(findCycle(graph(ids, edges))).toBeUndefined();
  });
});

describe('findCycle / findCycles', () => {
  it('returns undefined for a DAG', () => {
    expect(findCycle(graph(['a', 'b'], [['a', 'b']]))).toBeUndefined();
  });

  it('names a shortest cycle through the earliest node of the loop, in edge order', () => {
    const loop = graph(['x', 'c', 'b', 'a'], [['a', 'b'], ['b', 'c'], ['c', 'a'], ['x', 'a'], ['c', 'b']]);
    expect(findCycle(loop)).toEqual(['c', 'b']);
    expect(findCycle(graph(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['c', 'a']]))).toEqual(['a', 'b', 'c']);
  });

  it('finds a self-loop', () => {
    expect(findCycle(graph(['a'], [['a', 'a']]))).toEqual(['a']);
  });

  it('returns one cycle per loop, in file order', () => {
    const two = graph(['p', 'q', 'x', 'y', 'z'], [['x', 'y'], ['y', 'x'], ['q', 'p'], ['p', 'q'], ['y', 'z'], ['z', 'z']]);
    expect(findCycles(two)).toEqual([['p', 'q'], ['x', 'y'], ['z']]);
  });

  it('handles a long cycle without recursion', () => {
    const ids = Array.from({ length: 50_000 }, (_, index) => `n${index}`);
    const edges = ids.map((id, index): [string, string] => [id, ids[(index + 1) % ids.length]!]);
    expect(findCycle(graph(ids, edges))).toEqual(ids);
  });
});

describe('graphOf', () => {
  it('reads the node-level graph of a document, skipping malformed endpoints', () => {
    const doc = pipelineDoc([{ id: 'a', type: 't' }, { id: 'b', type: 't' }], [['a.x', 'b.y'], ['a', 'b.y']]);
    expect(graphOf(doc)).toEqual({ nodes: ['a', 'b'], edges: [{ from: 'a', to: 'b' }] });
  });
});

describe('ancestors / descendants', () => {
  const result = validatePipeline(
    pipelineDoc(
      [
        { id: 'load', type: 'data.source', params: { path: 'a' } },
        { id: 'other', type: 'data.source', params: { path: 'b' } },
        { id: 'split', type: 'data.split' },
        { id: 'train', type: 'train.dense', params: { target: 'y' } },
        { id: 'eval', type: 'eval.model' },
        { id: 'scale', type: 'feature.scale' },
      ],
      [
        ['load.table', 'split.table'],
        ['split.table', 'train.table'],
        ['train.model', 'eval.model'],
        ['other.table', 'eval.table'],
        ['split.table', 'scale.table'],
      ],
    ),
    fixtureRegistry(),
  );
  if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
  const pipeline = result.pipeline;

  it('ancestors include the node itself, in topological order', () => {
    expect([...ancestors(pipeline, 'eval')]).toEqual(['load', 'other', 'split', 'train', 'eval']);
    expect([...ancestors(pipeline, 'load')]).toEqual(['load']);
    expect([...ancestors(pipeline, 'scale')]).toEqual(['load', 'split', 'scale']);
  });

  it('descendants include the node itself, in topological order', () => {
    expect([...descendants(pipeline, 'split')]).toEqual(['split', 'train', 'eval', 'scale']);
    expect([...descendants(pipeline, 'other')]).toEqual(['other', 'eval']);
    expect([...descendants(pipeline, 'eval')]).toEqual(['eval']);
  });

  it('refuses an unknown node id', () => {
    expect(() => ancestors(pipeline, 'nope')).toThrow("the pipeline has no node 'nope'");
    expect(() => descendants(pipeline, 'nope')).toThrow("the pipeline has no node 'nope'");
  });

  it('works on the resolved graph', () => {
    const sample = validatePipeline(samplePipeline(), fixtureRegistry());
    if (!sample.ok) throw new Error('fixture');
    expect(graphOf(sample.pipeline).edges).toHaveLength(4);
  });
});
