import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalize, canonicalJson, canonicalPipeline, CanonicalJsonError, pipelineHash } from './canonical.js';
import { fixtureRegistry, pipelineDoc, samplePipeline } from './test-support/fixtures.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('sorts keys by UTF-16 code units, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, '10': 5, '9': 6 })).toBe('{"10":5,"9":6,"B":2,"a":4,"b":1,"é":3}');
  });

  it('writes -0 as 0 and numbers as JavaScript prints them', () => {
    expect(canonicalJson([-0, 0, 1e21, 1.5e-7, 0.1])).toBe('[0,0,1e+21,1.5e-7,0.1]');
  });

  it('leaves out object properties that are undefined, as JSON.stringify does', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'line\nbreak "q" \u0001' })).toBe('{"k\\"\\n":"line\\nbreak \\"q\\" \\u0001"}');
  });

  it.each([
    [Number.NaN, 'canonical JSON: NaN at $ is not a JSON number'],
    [{ a: [1, Number.POSITIVE_INFINITY] }, 'canonical JSON: Infinity at $.a[1] is not a JSON number'],
    [{ a: -Infinity }, 'canonical JSON: -Infinity at $.a is not a JSON number'],
    [[1, undefined], 'canonical JSON: undefined at $[1] (an array element) is not a JSON value'],
    // eslint-disable-next-line no-sparse-arrays
    [[1, , 3], 'canonical JSON: undefined at $[1] (an array element) is not a JSON value'],
    [undefined, 'canonical JSON: nothing at $ is not a JSON value'],
    [{ f: () => 1 }, 'canonical JSON: a function at $.f is not a JSON value'],
    [{ n: 10n }, 'canonical JSON: a bigint at $.n is not a JSON value'],
    [{ s: Symbol('x') }, 'canonical JSON: a symbol at $.s is not a JSON value'],
    [{ d: new Date(0) }, 'canonical JSON: a Date at $.d is not a plain JSON object'],
    [{ m: new Map() }, 'canonical JSON: a Map at $.m is not a plain JSON object'],
  ])('refuses %s', (value, message) => {
    expect(() => canonicalJson(value)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson(value)).toThrow(message);
  });

  it('refuses cycles but accepts shared references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const looped: Record<string, unknown> = {};
    looped['self'] = looped;
    expect(() => canonicalJson(looped)).toThrow('canonical JSON: the value at $.self refers back to itself');
  });

  it('accepts objects without a prototype', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['b'] = 1;
    bare['a'] = 2;
    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });

  it('hashes to sha256:<hex>', () => {
    expect(canonicalHash({ b: 1, a: 2 })).toBe(canonicalHash({ a: 2, b: 1 }));
    // sha256 of the two bytes `{}`
    expect(canonicalHash({})).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('canonicalize / pipelineHash', () => {
  const registry = fixtureRegistry();

  it('keeps only what changes a run: format, nodes by id with type and params, sorted edges', () => {
    expect(canonicalPipeline(samplePipeline())).toBe(
      '{"edges":[{"from":"load.table","to":"split.table"},{"from":"split.table","to":"eval.table"},{"from":"split.table","to":"train.table"},{"from":"train.model","to":"eval.model"}],' +
        '"format":"tensorloom/pipeline@1",' +
        '"nodes":[{"id":"eval","params":{},"type":"eval.model"},{"id":"load","params":{"path":"data/bc.csv"},"type":"data.source"},{"id":"split","params":{"test":0.25},"type":"data.split"},{"id":"train","params":{"epochs":40,"target":"diagnosis"},"type":"train.dense"}]}',
    );
  });

  it('ignores name, description, positions and labels', () => {
    const doc = samplePipeline();
    const moved = { ...doc, name: 'renamed', description: 'now with words', nodes: doc.nodes.map((node, index) => ({ ...node, position: { x: index * 7, y: -3 }, label: `Node ${index}` })) };
    expect(pipelineHash(moved)).toBe(pipelineHash(doc));
  });

  it('with a registry, fills defaults so an explicit default hashes like an omitted one', () => {
    const omitted = pipelineDoc([{ id: 'split', type: 'data.split', params: {} }]);
    const explicit = pipelineDoc([{ id: 'split', type: 'data.split', params: { test: 0.2, seed: 1 } }]);
    expect(pipelineHash(omitted, registry)).toBe(pipelineHash(explicit, registry));
    expect(pipelineHash(omitted)).not.toBe(pipelineHash(explicit));
    expect(canonicalize(omitted, registry).nodes[0]!.params).toEqual({ test: 0.2, seed: 1 });
    const changed = pipelineDoc([{ id: 'split', type: 'data.split', params: { test: 0.3 } }]);
    expect(pipelineHash(changed, registry)).not.toBe(pipelineHash(omitted, registry));
  });

  it('with a registry, keeps params as written for unknown types and rejected params', () => {
    const doc = pipelineDoc([
      { id: 'a', type: 'data.nope', params: { x: 1 } },
      { id: 'b', type: 'data.split', params: { test: 'high' } },
    ]);
    expect(canonicalize(doc, registry).nodes.map((node) => node.params)).toEqual([{ x: 1 }, { test: 'high' }]);
  });

  it('treats a missing params field as {}', () => {
    expect(pipelineHash(pipelineDoc([{ id: 'e', type: 'eval.model' }]))).toBe(pipelineHash(pipelineDoc([{ id: 'e', type: 'eval.model', params: {} }])));
  });

  it('does not depend on file order even with duplicate ids', () => {
    const a = { id: 'x', type: 'data.source', params: { path: '1' } };
    const b = { id: 'x', type: 'data.source', params: { path: '2' } };
    expect(pipelineHash(pipelineDoc([a, b]))).toBe(pipelineHash(pipelineDoc([b, a])));
  });
});
