import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, pipelineHash } from './canonical.js';
import { dagArbitrary, reverseKeys } from './test-support/arbitraries.js';
import { fixtureRegistry } from './test-support/fixtures.js';
import type { PipelineDoc } from './types.js';
import { validatePipeline } from './validate.js';

const registry = fixtureRegistry();

/** The same pipeline written differently: other node and edge order, key order, UI fields. */
function rewritten(doc: PipelineDoc, seed: number): PipelineDoc {
  const shuffle = <T>(items: T[]): T[] =>
    items
      .map((item, index) => ({ item, key: (index * 7919 + seed) % 104729 }))
      .sort((a, b) => a.key - b.key)
      .map(({ item }) => item);
  return reverseKeys({
    ...doc,
    name: `${doc.name}-${seed}`,
    description: `seed ${seed}`,
    nodes: shuffle(doc.nodes).map((node, index) => ({ ...node, position: { x: seed % 97, y: index }, label: `L${seed}` })),
    edges: shuffle([...doc.edges].reverse()),
  });
}

describe('pipelineHash: properties', () => {
  it('does not change with node order, edge order, key order, positions, labels, name', () => {
    fc.assert(
      fc.property(dagArbitrary(), fc.nat(), ({ doc }, seed) => {
        const other = rewritten(doc, seed);
        expect(pipelineHash(other)).toBe(pipelineHash(doc));
        expect(pipelineHash(other, registry)).toBe(pipelineHash(doc, registry));
        const validated = validatePipeline(other, registry);
        expect(validated.ok && validated.pipeline.hash).toBe(pipelineHash(doc, registry));
      }),
      { numRuns: 200 },
    );
  });

  it('changes when any param changes', () => {
    fc.assert(
      fc.property(dagArbitrary(), fc.nat(), fc.integer({ min: 1, max: 1000 }), ({ doc }, pick, delta) => {
        const index = pick % doc.nodes.length;
        const node = doc.nodes[index]!;
        const params = { ...node.params };
        if (node.type === 'data.source') params['path'] = `${String(params['path'])}x`;
        else params['options'] = { ...(params['options'] as object), limit: Number((params['options'] as { limit: number }).limit) + delta };
        const changed = { ...doc, nodes: doc.nodes.map((other, at) => (at === index ? { ...node, params } : other)) };
        expect(pipelineHash(changed)).not.toBe(pipelineHash(doc));
        expect(pipelineHash(changed, registry)).not.toBe(pipelineHash(doc, registry));
      }),
      { numRuns: 200 },
    );
  });

  it('changes when an edge is rewired', () => {
    fc.assert(
      fc.property(dagArbitrary(), ({ doc }) => {
        fc.pre(doc.edges.length > 0);
        const [first, ...rest] = doc.edges;
        const rewired = { ...doc, edges: [{ from: first!.from, to: `${first!.to.split('.')[0]}.z` }, ...rest] };
        expect(pipelineHash(rewired)).not.toBe(pipelineHash(doc));
      }),
      { numRuns: 100 },
    );
  });
});

describe('canonicalJson: properties', () => {
  it('equals JSON.stringify of the same value with sorted keys, and survives a round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(canonicalJson(reverseKeys(value))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('writes every string exactly as JSON.stringify does, lone surrogates and control characters included', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: anyCodeUnit }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u2028', '\ud800', '\udc00', 'a', '\u007f') })), (text) => {
        expect(canonicalJson(text)).toBe(JSON.stringify(text));
        expect(canonicalJson({ [text]: text })).toBe(`{${JSON.stringify(text)}:${JSON.stringify(text)}}`);
      }),
      { numRuns: 1000 },
    );
  });
});
