import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineNode } from '../base/define-node.js';
import type { AnyNodeDefinition } from '../base/define-node.js';
import { port } from '../base/ports.js';
import { pipelineHash } from './canonical.js';
import { codes, fixtureRegistry, pipelineDoc, samplePipeline } from './test-support/fixtures.js';
import type { PipelineDoc, ValidationIssue } from './types.js';
import { validatePipeline } from './validate.js';

const registry = fixtureRegistry();

function issuesOf(doc: PipelineDoc, reg = registry): ValidationIssue[] {
  const result = validatePipeline(doc, reg);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

function only(doc: PipelineDoc, reg = registry): ValidationIssue {
  const issues = issuesOf(doc, reg);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

const source = (id = 'load') => ({ id, type: 'data.source', params: { path: 'a.csv' } });

describe('validatePipeline: a valid pipeline', () => {
  it('resolves nodes, fills defaults, wires inputs and orders the nodes', () => {
    const doc = samplePipeline();
    const before = structuredClone(doc);
    const result = validatePipeline(doc, registry);
    if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
    const { pipeline, warnings } = result;
    expect(warnings).toEqual([]);
    expect(pipeline.order).toEqual(['load', 'split', 'train', 'eval']);
    expect(pipeline.nodes.get('split')).toMatchObject({ id: 'split', type: 'data.split', params: { test: 0.25, seed: 1 }, inputs: { table: { node: 'load', port: 'table' } }, index: 1 });
    expect(pipeline.nodes.get('train')!.params).toEqual({ target: 'diagnosis', epochs: 40, layers: [], optimizer: { name: 'adam', rate: 0.001 } });
    expect(pipeline.nodes.get('eval')!.inputs).toEqual({ model: { node: 'train', port: 'model' }, table: { node: 'split', port: 'table' } });
    expect(pipeline.nodes.get('eval')!.definition.type).toBe('eval.model');
    expect(pipeline.edges[0]).toEqual({ from: { node: 'load', port: 'table' }, to: { node: 'split', port: 'table' } });
    expect(pipeline.hash).toBe(pipelineHash(doc, registry));
    expect(pipeline.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc).toEqual(before);
  });

  it('accepts an unconnected optional input and a node without params', () => {
    const result = validatePipeline(pipelineDoc([source(), { id: 'j', type: 'util.join' }], [['load.table', 'j.a']]), registry);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.pipeline.nodes.get('j')!.params).toEqual({ note: '', weight: 1, options: { mode: 'inner', limit: 10 } });
  });

  it('warns about a node connected to nothing', () => {
    const result = validatePipeline(pipelineDoc([source('a'), source('b'), { id: 'j', type: 'util.join' }], [['a.table', 'j.a']]), registry);
    expect(result.ok).toBe(true);
    expect(result.warnings).toEqual([
      { code: 'unconnected-node', message: "node 'b' is not connected to any other node; it still runs", nodeId: 'b', path: 'nodes[1]' },
    ]);
  });
});

describe('validatePipeline: every problem, with node, field and reason', () => {
  it('bad-id', () => {
    expect(only(pipelineDoc([{ ...source(), id: '1load' }]))).toEqual({
      code: 'bad-id',
      message: "node id '1load' is not valid: ids start with a letter and contain only letters, digits, '_' and '-'",
      nodeId: '1load',
      field: 'id',
      path: 'nodes[0].id',
    });
    expect(only(pipelineDoc([{ ...source(), id: '' }])).message).toBe("a node id is empty: ids start with a letter and contain only letters, digits, '_' and '-'");
    expect(codes(issuesOf(pipelineDoc([{ ...source(), id: 'a.b' }])))).toEqual(['bad-id']);
  });

  it('duplicate-id', () => {
    expect(only(pipelineDoc([source(), source()]))).toEqual({
      code: 'duplicate-id',
      message: "node id 'load' is used twice (nodes[0] and nodes[1]); ids must be unique",
      nodeId: 'load',
      field: 'id',
      path: 'nodes[1].id',
    });
  });

  it('unknown-type, with the closest known type', () => {
    expect(only(pipelineDoc([{ id: 'load', type: 'data.sourse', params: {} }]))).toEqual({
      code: 'unknown-type',
      message: "node 'load': unknown node type 'data.sourse' (did you mean 'data.source'?)",
      nodeId: 'load',
      field: 'type',
      path: 'nodes[0].type',
    });
    expect(only(pipelineDoc([{ id: 'x', type: 'source' }])).message).toBe("node 'x': unknown node type 'source' (did you mean 'data.source'?)");
    expect(only(pipelineDoc([{ id: 'x', type: 'data.parquet' }])).message).toBe("node 'x': unknown node type 'data.parquet'; known 'data.*' types: data.source, data.split");
    expect(only(pipelineDoc([{ id: 'x', type: 'zzz.qqq' }])).message).toBe(
      "node 'x': unknown node type 'zzz.qqq'; known types: data.source, data.split, eval.model, feature.scale, train.dense, util.join",
    );
  });

  it('unknown-param, with the closest param', () => {
    expect(only(pipelineDoc([source(), { id: 'split', type: 'data.split', params: { tset: 0.3 } }], [['load.table', 'split.table']]))).toEqual({
      code: 'unknown-param',
      message: "node 'split': unknown param 'tset' (did you mean 'test'?); data.split takes 'test', 'seed', 'stratifyBy'",
      nodeId: 'split',
      field: 'tset',
      path: 'nodes[1].params.tset',
    });
    const evalDoc = pipelineDoc([{ id: 'e', type: 'eval.model', params: { verbose: true } }]);
    expect(issuesOf(evalDoc)[0]!.message).toBe("node 'e': unknown param 'verbose'; eval.model takes no params");
  });

  it('missing-param, with the param description', () => {
    expect(only(pipelineDoc([{ id: 'load', type: 'data.source' }]))).toEqual({
      code: 'missing-param',
      message: "node 'load': param 'path' is required (the file to read)",
      nodeId: 'load',
      field: 'path',
      path: 'nodes[0].params.path',
    });
  });

  it('invalid-param, in plain English', () => {
    const doc = pipelineDoc(
      [
        source(),
        { id: 'split', type: 'data.split', params: { test: 1.5, seed: 2.5 } },
        { id: 'train', type: 'train.dense', params: { target: 'y', epochs: 'ten', layers: [{ units: 0 }], optimizer: { name: 'rmsprop' } } },
        { id: 'scale', type: 'feature.scale', params: { columns: 'age' } },
      ],
      [
        ['load.table', 'split.table'],
        ['split.table', 'train.table'],
        ['split.table', 'scale.table'],
      ],
    );
    expect(issuesOf(doc).map((issue) => [issue.code, issue.nodeId, issue.field, issue.path, issue.message])).toEqual([
      ['invalid-param', 'split', 'test', 'nodes[1].params.test', "node 'split': param 'test' must be at most 0.9 (got 1.5)"],
      ['invalid-param', 'split', 'seed', 'nodes[1].params.seed', "node 'split': param 'seed' must be a whole number (got 2.5)"],
      ['invalid-param', 'train', 'epochs', 'nodes[2].params.epochs', "node 'train': param 'epochs' must be a number (got \"ten\")"],
      ['invalid-param', 'train', 'layers[0].units', 'nodes[2].params.layers[0].units', "node 'train': param 'layers[0].units' must be greater than 0 (got 0)"],
      ['invalid-param', 'train', 'optimizer.name', 'nodes[2].params.optimizer.name', `node 'train': param 'optimizer.name' must be one of "adam", "sgd" (got "rmsprop")`],
      ['invalid-param', 'scale', 'columns', 'nodes[3].params.columns', `node 'scale': param 'columns' must be an array (got "age")`],
    ]);
  });

  it('unknown-node in an edge, with the closest id', () => {
    expect(only(pipelineDoc([source(), { id: 'split', type: 'data.split' }], [['lod.table', 'split.table']]))).toEqual({
      code: 'unknown-node',
      message: "edge lod.table → split.table: there is no node 'lod' (did you mean 'load'?)",
      nodeId: 'lod',
      field: 'table',
      path: 'edges[0].from',
    });
  });

  it('unknown-port, listing the node’s ports', () => {
    const doc = pipelineDoc([source(), { id: 'split', type: 'data.split' }], [['load.tabel', 'split.table']]);
    expect(issuesOf(doc)).toContainEqual({
      code: 'unknown-port',
      message: "edge load.tabel → split.table: node 'load' (data.source) has no output 'tabel' (did you mean 'table'?); its outputs: table (table)",
      nodeId: 'load',
      field: 'tabel',
      path: 'edges[0].from',
    });
    const into = pipelineDoc([source(), { id: 'e', type: 'eval.model' }], [['load.table', 'e.data']]);
    expect(issuesOf(into)[0]!.message).toBe("edge load.table → e.data: node 'e' (eval.model) has no input 'data'; its inputs: model (model), table (table)");
    const none = pipelineDoc([source(), source('other')], [['load.table', 'other.table']]);
    expect(issuesOf(none)[0]!.message).toBe("edge load.table → other.table: 'other.table' is an output of node 'other' (data.source), but an edge ends at an input; it has no inputs");
  });

  it('unknown-port: names of Object.prototype members are not ports', () => {
    const doc = pipelineDoc([source(), { id: 'split', type: 'data.split' }], [
      ['load.constructor', 'split.table'],
      ['load.table', 'split.toString'],
    ]);
    // The misspelt edge still counts as connecting split.table: one mistake, one issue.
    expect(codes(issuesOf(doc))).toEqual(['unknown-port', 'unknown-port']);
  });

  it('bad-edge: an edge that runs from an input or into an output', () => {
    const doc = pipelineDoc([source(), { id: 'split', type: 'data.split' }, { id: 'scale', type: 'feature.scale' }], [
      ['load.table', 'split.table'],
      ['scale.table', 'split.table'],
    ]);
    const issues = issuesOf(doc);
    expect(issues).toContainEqual({
      code: 'input-connected-twice',
      message: "node 'split': input 'table' is connected twice (from 'load.table' and 'scale.table'); an input takes one edge",
      nodeId: 'split',
      field: 'table',
      path: 'edges[1].to',
    });
    const backwards = pipelineDoc([source(), { id: 'split', type: 'data.split' }], [['split.table', 'load.table']]);
    expect(issuesOf(backwards)).toContainEqual({
      code: 'bad-edge',
      message: "edge split.table → load.table: 'load.table' is an output of node 'load' (data.source), but an edge ends at an input; it has no inputs",
      nodeId: 'load',
      field: 'table',
      path: 'edges[0].to',
    });
    const fromInput = pipelineDoc([source(), { id: 't', type: 'train.dense', params: { target: 'y' } }, { id: 'e', type: 'eval.model' }], [
      ['load.table', 't.table'],
      ['t.model', 'e.model'],
      ['t.table', 'e.table'],
    ]);
    expect(only(fromInput)).toEqual({
      code: 'bad-edge',
      message: "edge t.table → e.table: 't.table' is an input of node 't' (train.dense), but an edge starts at an output; its outputs: model (model)",
      nodeId: 't',
      field: 'table',
      path: 'edges[2].from',
    });
  });

  it('type-mismatch', () => {
    const doc = pipelineDoc([source(), { id: 'train', type: 'train.dense', params: { target: 'y' } }, { id: 'eval', type: 'eval.model' }], [
      ['load.table', 'train.table'],
      ['train.model', 'eval.model'],
      ['train.model', 'eval.table'],
    ]);
    expect(only(doc)).toEqual({
      code: 'type-mismatch',
      message: "'train.model' is a model, 'eval.table' expects a table",
      nodeId: 'eval',
      field: 'table',
      path: 'edges[2].to',
    });
  });

  it('input-connected-twice, including the same edge written twice', () => {
    const doc = pipelineDoc([source(), { id: 'split', type: 'data.split' }], [
      ['load.table', 'split.table'],
      ['load.table', 'split.table'],
    ]);
    expect(only(doc)).toEqual({
      code: 'input-connected-twice',
      message: "node 'split': input 'table' is connected twice by the same edge from 'load.table' (edges[0] and edges[1])",
      nodeId: 'split',
      field: 'table',
      path: 'edges[1].to',
    });
  });

  it('missing-input', () => {
    expect(only(pipelineDoc([source(), { id: 'eval', type: 'eval.model' }], [['load.table', 'eval.table']]))).toEqual({
      code: 'missing-input',
      message: "node 'eval': required input 'model' (model) is not connected",
      nodeId: 'eval',
      field: 'model',
      path: 'nodes[1]',
    });
  });

  it('cycle, naming the nodes on it in order', () => {
    const doc = pipelineDoc([source(), { id: 'a', type: 'util.join' }, { id: 'b', type: 'util.join' }, { id: 'c', type: 'util.join' }], [
      ['load.table', 'a.a'],
      ['a.table', 'b.a'],
      ['b.table', 'c.a'],
      ['c.table', 'a.b'],
    ]);
    expect(only(doc)).toEqual({
      code: 'cycle',
      message: 'cycle: a → b → c → a; a pipeline must not loop back on itself',
      nodeId: 'a',
      path: 'nodes[1]',
      nodes: ['a', 'b', 'c'],
    });
    const selfLoop = pipelineDoc([source(), { id: 'j', type: 'util.join' }], [
      ['load.table', 'j.a'],
      ['j.table', 'j.b'],
    ]);
    expect(only(selfLoop).message).toBe('cycle: j → j; a pipeline must not loop back on itself');
  });

  it('reports one cycle per loop, and a cycle does not stop other checks', () => {
    const doc = pipelineDoc(
      [
        { id: 'x', type: 'util.join' },
        { id: 'y', type: 'util.join', params: { weight: 'heavy' } },
        { id: 'p', type: 'util.join' },
        { id: 'q', type: 'util.join' },
        { id: 'e', type: 'eval.model' },
      ],
      [
        ['x.table', 'y.a'],
        ['y.table', 'x.a'],
        ['p.table', 'q.a'],
        ['q.table', 'p.a'],
        ['q.table', 'e.table'],
      ],
    );
    const issues = issuesOf(doc);
    expect(issues.map((issue) => issue.message)).toEqual([
      `node 'y': param 'weight' must be a number (got "heavy")`,
      "node 'e': required input 'model' (model) is not connected",
      'cycle: x → y → x; a pipeline must not loop back on itself',
      'cycle: p → q → p; a pipeline must not loop back on itself',
    ]);
  });

  it('checks every node and edge after a broken reference', () => {
    const doc = pipelineDoc(
      [
        { id: 'load', type: 'data.nope' },
        { id: 'split', type: 'data.split', params: { test: 2 } },
        { id: 'train', type: 'train.dense' },
      ],
      [
        ['load.table', 'split.table'],
        ['ghost.table', 'train.table'],
        ['split.table', 'train.tabel'],
      ],
    );
    expect(codes(issuesOf(doc))).toEqual(['unknown-type', 'invalid-param', 'missing-param', 'unknown-node', 'unknown-port']);
  });

  it('reports document-shape problems for documents built in code, and never throws', () => {
    expect(codes(issuesOf({ format: 'tensorloom/pipeline@1', name: 'p', nodes: 'x' } as unknown as PipelineDoc))).toEqual(['shape']);
    expect(codes(issuesOf(undefined as unknown as PipelineDoc))).toEqual(['shape']);
  });
});

describe('validatePipeline: unusual schemas', () => {
  const base = { version: 1, category: 'util', title: 'T', description: 'D', inputs: {}, outputs: { table: port('table') }, run: async () => ({ table: undefined as never }) } as const;
  const withNode = (definition: unknown) => fixtureRegistry([definition as AnyNodeDefinition]);

  it('a strict schema: nested unknown keys are named', () => {
    const strict = defineNode({ ...base, type: 'util.strict', params: z.strictObject({ inner: z.strictObject({ a: z.number() }) }) });
    const doc = pipelineDoc([{ id: 's', type: 'util.strict', params: { inner: { a: 1, b: 2 }, extra: 1 } }]);
    expect(issuesOf(doc, withNode(strict)).map((issue) => issue.message)).toEqual([
      "node 's': unknown param 'extra'; util.strict takes 'inner'",
      "node 's': param 'inner' has unknown key 'b'",
    ]);
  });

  it('a loose schema accepts other keys and keeps them', () => {
    const loose = defineNode({ ...base, type: 'util.loose', params: z.looseObject({ a: z.number().default(1) }) });
    const result = validatePipeline(pipelineDoc([{ id: 'l', type: 'util.loose', params: { b: 'x' } }]), withNode(loose));
    expect(result.ok && result.pipeline.nodes.get('l')!.params).toEqual({ a: 1, b: 'x' });
  });

  it('a whole-object rule and a custom message', () => {
    const ranged = defineNode({
      ...base,
      type: 'util.range',
      params: z.object({ min: z.number(), max: z.number().refine((value) => value < 100, 'must be below 100') }).refine((p) => p.min < p.max, 'min must be less than max'),
    });
    expect(issuesOf(pipelineDoc([{ id: 'r', type: 'util.range', params: { min: 5, max: 1 } }]), withNode(ranged))).toEqual([
      { code: 'invalid-param', message: "node 'r': params min must be less than max", nodeId: 'r', path: 'nodes[0].params' },
    ]);
    expect(issuesOf(pipelineDoc([{ id: 'r', type: 'util.range', params: { min: 5, max: 100 } }]), withNode(ranged))[0]!.message).toBe(
      "node 'r': param 'max' must be below 100",
    );
  });

  it('a schema that throws (an async rule) becomes an issue', () => {
    const asyncRule = defineNode({ ...base, type: 'util.async', params: z.object({ a: z.number().refine(async () => true) }) });
    expect(only(pipelineDoc([{ id: 'n', type: 'util.async', params: { a: 1 } }]), withNode(asyncRule))).toMatchObject({
      code: 'invalid-param',
      nodeId: 'n',
      field: 'params',
    });
  });

  it('a schema whose output is not JSON is reported as a node-definition bug', () => {
    const dated = defineNode({ ...base, type: 'util.dated', params: z.object({ when: z.string().transform((text) => new Date(text)) }) });
    expect(only(pipelineDoc([{ id: 'd', type: 'util.dated', params: { when: '2020-01-01' } }]), withNode(dated))).toEqual({
      code: 'invalid-param',
      message: "node 'd': param 'when' is a Date, not a plain object after node type 'util.dated' parsed it; params must stay plain JSON (a bug in the node definition)",
      nodeId: 'd',
      field: 'when',
      path: 'nodes[0].params.when',
    });
  });
});
