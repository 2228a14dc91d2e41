import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dagArbitrary, messyDocArbitrary } from './test-support/arbitraries.js';
import { fixtureRegistry } from './test-support/fixtures.js';
import { lateChainNode, offsetNode } from './test-support/versioned-node.js';
import type { PipelineDoc } from './types.js';
import { validatePipeline } from './validate.js';

const registry = fixtureRegistry([offsetNode, lateChainNode]);

describe('validatePipeline: properties', () => {
  it('never throws on messy documents, and every issue says what and where', () => {
    fc.assert(
      fc.property(messyDocArbitrary(), (doc) => {
        const result = validatePipeline(doc, registry);
        if (result.ok) return;
        expect(result.issues.length).toBeGreaterThan(0);
        for (const issue of result.issues) {
          expect(issue.message.length).toBeGreaterThan(0);
          expect(issue.path).toBeDefined();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withSparseArray: true, withDate: true }), (value) => {
        expect(validatePipeline(value as PipelineDoc, registry).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every random DAG, and its order respects every edge', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ doc, ids, links }) => {
        const result = validatePipeline(doc, registry);
        if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
        const { order } = result.pipeline;
        expect([...order].sort()).toEqual([...ids].sort());
        const position = new Map(order.map((id, index) => [id, index]));
        for (const [from, to] of links) expect(position.get(ids[from]!)!).toBeLessThan(position.get(ids[to]!)!);
      }),
      { numRuns: 300 },
    );
  });

  it('orders nodes by file position where the edges leave a choice', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ doc }) => {
        const result = validatePipeline(doc, registry);
        if (!result.ok) throw new Error('a random DAG must validate');
        const { order, nodes } = result.pipeline;
        // Kahn with a min-heap on file index: each node is the earliest-in-file of the nodes
        // that were ready at its turn. Replaying the order checks exactly that.
        const placed = new Set<string>();
        for (const id of order) {
          const ready = [...nodes.values()].filter((node) => !placed.has(node.id) && Object.values(node.inputs).every((ref) => placed.has(ref.node)));
          const earliest = ready.reduce((best, node) => (node.index < best.index ? node : best));
          expect(id).toBe(earliest.id);
          placed.add(id);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a back edge along a path always yields a cycle issue naming exactly the nodes of one cycle', () => {
    const withBackEdge = dagArbitrary().chain((dag) => {
      const withParents = dag.parents.flatMap((list, index) => (list.length > 0 ? [index] : []));
      if (withParents.length === 0) return fc.constant(undefined);
      return fc.record({ start: fc.constantFrom(...withParents), steps: fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), port: fc.constantFrom('a', 'b', 'c') }).map(({ start, steps, port }) => {
        // Walk up from `start` through parents: `top` is an ancestor, so top → … → start is a path.
        let top = start;
        for (const step of steps) {
          const list = dag.parents[top]!;
          if (list.length === 0) break;
          top = list[step % list.length]!;
        }
        return { dag, bottom: start, top, port };
      });
    });
    fc.assert(
      fc.property(withBackEdge, (input) => {
        fc.pre(input !== undefined);
        const { dag, bottom, top, port } = input!;
        const back = { from: `${dag.ids[bottom]}.table`, to: `${dag.ids[top]}.${port}` };
        const doc: PipelineDoc = { ...dag.doc, edges: [...dag.doc.edges, back] };
        const result = validatePipeline(doc, registry);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        const cycles = result.issues.filter((issue) => issue.code === 'cycle');
        expect(cycles).toHaveLength(1);
        const cycle = cycles[0]!.nodes!;
        expect(cycles[0]!.message).toBe(`cycle: ${[...cycle, cycle[0]].join(' → ')}; a pipeline must not loop back on itself`);
        expect(new Set(cycle).size).toBe(cycle.length);
        const edges = new Set(doc.edges.map((edge) => `${edge.from.split('.')[0]}>${edge.to.split('.')[0]}`));
        cycle.forEach((node, index) => expect(edges.has(`${node}>${cycle[(index + 1) % cycle.length]}`)).toBe(true));
        // The back edge is on every cycle of DAG + one edge.
        expect(cycle).toContain(dag.ids[bottom]);
        expect(cycle).toContain(dag.ids[top]);
      }),
      { numRuns: 300 },
    );
  });
});
