import { describe, expect, it } from 'vitest';
import { applyOverrides, parseOverrideValue } from './overrides.js';
import { fixtureRegistry, samplePipeline } from './test-support/fixtures.js';
import { validatePipeline } from './validate.js';

describe('parseOverrideValue', () => {
  it.each([
    ['0.3', 0.3],
    ['-2', -2],
    ['true', true],
    ['null', null],
    ['[1, 2]', [1, 2]],
    ['{"a": 1}', { a: 1 }],
    ['"40"', '40'],
    ['data/other.csv', 'data/other.csv'],
    ['hello world', 'hello world'],
    ['', ''],
    ['{broken', '{broken'],
  ])('%j → %j', (text, value) => {
    expect(parseOverrideValue(text)).toEqual(value);
  });
});

describe('applyOverrides', () => {
  it('sets params on a copy and reports what it set', () => {
    const doc = samplePipeline();
    const before = structuredClone(doc);
    const result = applyOverrides(doc, ['split.test=0.3', 'train.epochs=5', 'load.path=data/other.csv', 'train.epochs=7', 'split.seed="2"']);
    if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
    expect(result.doc.nodes.find((node) => node.id === 'split')!.params).toEqual({ test: 0.3, seed: '2' });
    expect(result.doc.nodes.find((node) => node.id === 'train')!.params).toEqual({ target: 'diagnosis', epochs: 7 });
    expect(result.doc.nodes.find((node) => node.id === 'load')!.params).toEqual({ path: 'data/other.csv' });
    expect(result.overrides).toEqual({ 'split.test': 0.3, 'train.epochs': 7, 'load.path': 'data/other.csv', 'split.seed': '2' });
    expect(doc).toEqual(before);
    expect(result.doc.nodes.find((node) => node.id === 'eval')).toBe(doc.nodes.find((node) => node.id === 'eval'));
  });

  it('sets nested params through dotted paths, copying along the way', () => {
    const doc = samplePipeline();
    doc.nodes[2]!.params = { target: 'y', optimizer: { name: 'sgd', rate: 0.1 } };
    const before = structuredClone(doc);
    const result = applyOverrides(doc, ['train.optimizer.rate=0.01', 'train.extra.deep.value=1']);
    if (!result.ok) throw new Error('expected success');
    expect(result.doc.nodes[2]!.params).toEqual({ target: 'y', optimizer: { name: 'sgd', rate: 0.01 }, extra: { deep: { value: 1 } } });
    expect(doc).toEqual(before);
  });

  it('the value may contain "=" and "."', () => {
    const result = applyOverrides(samplePipeline(), ['load.path=a=b.csv']);
    expect(result.ok && result.doc.nodes[0]!.params).toEqual({ path: 'a=b.csv' });
  });

  it('reports every malformed --set', () => {
    const result = applyOverrides(samplePipeline(), ['splittest=0.3', 'split.test', 'split.=1', '.test=1', 'split..x=1']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { code: 'bad-override', message: "--set 'splittest=0.3': the part before '=' must be node.param; write --set node.param=value, e.g. --set split.test=0.3" },
      { code: 'bad-override', message: "--set 'split.test': there is no '='; write --set node.param=value, e.g. --set split.test=0.3", nodeId: 'split' },
      { code: 'bad-override', message: "--set 'split.=1': the part before '=' must be node.param; write --set node.param=value, e.g. --set split.test=0.3", nodeId: 'split' },
      { code: 'bad-override', message: "--set '.test=1': the part before '=' must be node.param; write --set node.param=value, e.g. --set split.test=0.3" },
      { code: 'bad-override', message: "--set 'split..x=1': the part before '=' must be node.param; write --set node.param=value, e.g. --set split.test=0.3", nodeId: 'split' },
    ]);
  });

  it('names an unknown node and suggests the closest', () => {
    const result = applyOverrides(samplePipeline(), ['splt.test=0.3']);
    expect(result).toEqual({
      ok: false,
      issues: [{ code: 'unknown-node', message: "--set 'splt.test=0.3': there is no node 'splt' (did you mean 'split'?)", nodeId: 'splt', field: 'test' }],
    });
  });

  it('refuses to go through a param that is not an object', () => {
    const result = applyOverrides(samplePipeline(), ['train.epochs.max=3']);
    expect(result.ok === false && result.issues).toEqual([
      { code: 'bad-override', message: "--set 'train.epochs.max=3': param 'epochs' is 40, not an object, so it has no 'max'", nodeId: 'train', field: 'epochs.max' },
    ]);
  });

  it('leaves unknown params to validation, which names them', () => {
    const result = applyOverrides(samplePipeline(), ['split.tset=0.3', 'split.__proto__=1']);
    if (!result.ok) throw new Error('expected success');
    expect(Object.keys(result.doc.nodes[1]!.params!)).toEqual(['test', 'tset', '__proto__']);
    const validated = validatePipeline(result.doc, fixtureRegistry());
    expect(validated.ok === false && validated.issues.map((issue) => issue.message)).toEqual([
      "node 'split': unknown param 'tset' (did you mean 'test'?); data.split takes 'test', 'seed', 'stratifyBy'",
      "node 'split': unknown param '__proto__'; data.split takes 'test', 'seed', 'stratifyBy'",
    ]);
  });
});
