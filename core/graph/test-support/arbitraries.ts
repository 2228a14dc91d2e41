/**
 * fast-check generators for pipelines built from the fixture nodes. A random DAG is built
 * in creation order (edges only from earlier to later nodes), then written to the file in a
 * shuffled order, so the validator can never rely on the file being sorted.
 */
import fc from 'fast-check';
import { PIPELINE_FORMAT } from '../types.js';
import type { PipelineDoc, PipelineNode } from '../types.js';

export interface RandomDag {
  doc: PipelineDoc;
  /** Node ids by creation index (a topological order of the DAG). */
  ids: string[];
  /** Node-level edges by creation index: from < to. */
  links: [number, number][];
  /** Parents of each node by creation index. */
  parents: number[][];
}

const JOIN_INPUTS = ['a', 'b', 'c'] as const;

export const nodeIdArbitrary = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/);

export function dagArbitrary(maxNodes = 14): fc.Arbitrary<RandomDag> {
  return fc.integer({ min: 1, max: maxNodes }).chain((count) =>
    fc
      .record({
        ids: fc.uniqueArray(nodeIdArbitrary, { minLength: count, maxLength: count }),
        rawParents: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: count, maxLength: count }),
        fileOrder: fc.shuffledSubarray(
          Array.from({ length: count }, (_, index) => index),
          { minLength: count, maxLength: count },
        ),
        edgeSeed: fc.nat(),
        weights: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: count, maxLength: count }),
      })
      .map(({ ids, rawParents, fileOrder, edgeSeed, weights }) => buildDag(ids, rawParents, fileOrder, edgeSeed, weights)),
  );
}

function buildDag(ids: string[], rawParents: number[][], fileOrder: number[], edgeSeed: number, weights: number[]): RandomDag {
  const parents = rawParents.map((raw, index) => (index === 0 ? [] : [...new Set(raw.map((value) => value % index))]));
  const nodes: PipelineNode[] = ids.map((id, index) =>
    parents[index]!.length === 0
      ? { id, type: 'data.source', params: { path: `data/${index}.csv` }, position: { x: index * 10, y: 0 } }
      : { id, type: 'util.join', params: { weight: weights[index]!, note: `n${index}`, options: { mode: 'outer', limit: index } }, position: { x: index * 10, y: 5 } },
  );
  const links: [number, number][] = [];
  const edges: { from: string; to: string }[] = [];
  parents.forEach((list, child) => {
    list.forEach((parent, slot) => {
      links.push([parent, child]);
      edges.push({ from: `${ids[parent]}.table`, to: `${ids[child]}.${JOIN_INPUTS[slot]}` });
    });
  });
  const scrambled = edges
    .map((edge, index) => ({ edge, key: (index * 2654435761 + edgeSeed) % 1000003 }))
    .sort((a, b) => a.key - b.key)
    .map(({ edge }) => edge);
  return {
    doc: { format: PIPELINE_FORMAT, name: 'random', nodes: fileOrder.map((index) => nodes[index]!), edges: scrambled },
    ids,
    links,
    parents,
  };
}

/** Rebuilds a value with every object's keys in reverse order (same JSON meaning). */
export function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => reverseKeys(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reverseKeys(item)]),
    ) as T;
  }
  return value;
}

/** Arbitrary documents of the right shape with wrong contents: ids, types, params, edges. */
export function messyDocArbitrary(): fc.Arbitrary<PipelineDoc> {
  const id = fc.oneof(nodeIdArbitrary, fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor'));
  const type = fc.oneof(fc.constantFrom('data.source', 'data.split', 'feature.scale', 'train.dense', 'eval.model', 'util.join', 'test.offset', 'test.late'), fc.string({ maxLength: 10 }));
  const params = fc.dictionary(fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('test', 'seed', 'path', 'target', 'epochs', 'layers', 'optimizer', 'plus', '__proto__', 'constructor')), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
  // With the versioned fixtures (versioned-node.ts): migrations that work, throw or have no path.
  const node = fc.record({ id, type, params, typeVersion: fc.integer({ min: 1, max: 3 }) }, { requiredKeys: ['id', 'type', 'params'] });
  const endpoint = fc.oneof(
    fc.tuple(id, fc.constantFrom('table', 'model', 'metrics', 'a', 'b', 'c', 'constructor', 'toString')).map(([node, port]) => `${node}.${port}`),
    fc.string({ maxLength: 8 }),
  );
  return fc.record({
    nodes: fc.array(node, { maxLength: 8 }),
    edges: fc.array(fc.record({ from: endpoint, to: endpoint }), { maxLength: 10 }),
  }).map(({ nodes, edges }) => ({ format: PIPELINE_FORMAT, name: 'messy', nodes, edges }));
}
