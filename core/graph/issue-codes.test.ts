/**
 * One example of every issue code, through the public API, with the message a user sees.
 * The focused test files cover each concern in depth; this table makes sure no code is
 * left without a test and a readable message.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyOverrides, checkWorkspacePaths, loadPipelineFile, parsePipelineText, validatePipeline } from './index.js';
import { fixtureRegistry, pipelineDoc, samplePipeline } from './test-support/fixtures.js';
import { lateChainNode, offsetNode } from './test-support/versioned-node.js';
import { ISSUE_CODES } from './types.js';
import type { IssueCode, PipelineDoc, ValidationIssue } from './types.js';

const registry = fixtureRegistry([offsetNode, lateChainNode]);
const source = (id = 'load') => ({ id, type: 'data.source', params: { path: 'a.csv' } });

function validationIssues(doc: PipelineDoc): ValidationIssue[] {
  const result = validatePipeline(doc, registry);
  return result.ok ? result.warnings : [...result.issues, ...result.warnings];
}

function parseIssues(text: string): ValidationIssue[] {
  const result = parsePipelineText(text, 'p.json');
  return result.ok ? [] : result.issues;
}

const head = '"format": "tensorloom/pipeline@1", "name": "p"';
const missing = join(mkdtempSync(join(tmpdir(), 'tensorloom-codes-')), 'missing.json');

function pathIssues(path: string): ValidationIssue[] {
  const result = validatePipeline(pipelineDoc([{ id: 'load', type: 'data.source', params: { path } }]), registry);
  if (!result.ok) return result.issues;
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-codes-ws-'));
  const checked = checkWorkspacePaths(result.pipeline, { root, pipelineDir: root });
  return [...checked.issues, ...checked.warnings];
}

const examples: [IssueCode, () => ValidationIssue[] | Promise<ValidationIssue[]>, Partial<ValidationIssue>][] = [
  ['file', async () => { const r = await loadPipelineFile(missing, registry); return r.ok ? [] : r.issues; }, { message: 'no such file', file: missing }],
  ['json', () => parseIssues('{\n  "name": "p",,\n}'), { message: "invalid JSON: unexpected ','; expected a property name in double quotes", line: 2, column: 15, file: 'p.json' }],
  ['duplicate-key', () => parseIssues(`{${head}, "name": "q", "nodes": []}`), { message: 'name: the key "name" appears twice (first at line 1, column 37); JSON keeps only the last one', line: 1, column: 50 }],
  ['format', () => parseIssues('{"format": "tensorloom/pipeline", "name": "p", "nodes": []}'), { message: '"format" must be "tensorloom/pipeline@1" (got "tensorloom/pipeline")', field: 'format', line: 1, column: 2 }],
  ['shape', () => parseIssues(`{${head}, "nodes": [{"id": "a", "type": "data.source", "params": "x"}]}`), { message: `node 'a': "params" must be an object (got a string)`, nodeId: 'a', field: 'params' }],
  ['unknown-field', () => parseIssues(`{${head}, "nodes": [], "edgse": []}`), { message: `the pipeline: unknown field "edgse" (did you mean 'edges'?); the fields are 'format', 'name', 'description', 'nodes', 'edges'` }],
  ['bad-id', () => validationIssues(pipelineDoc([{ ...source(), id: 'load data' }])), { message: "node id 'load data' is not valid: ids start with a letter and contain only letters, digits, '_' and '-'", nodeId: 'load data', field: 'id' }],
  ['duplicate-id', () => validationIssues(pipelineDoc([source(), source()])), { message: "node id 'load' is used twice (nodes[0] and nodes[1]); ids must be unique", nodeId: 'load', field: 'id' }],
  ['unknown-type', () => validationIssues(pipelineDoc([{ id: 'split', type: 'data.splt' }])), { message: "node 'split': unknown node type 'data.splt' (did you mean 'data.split'?)", nodeId: 'split', field: 'type' }],
  ['unknown-param', () => validationIssues(pipelineDoc([{ ...source(), params: { path: 'a', paht: 'b' } }])), { message: "node 'load': unknown param 'paht' (did you mean 'path'?); data.source takes 'path'", nodeId: 'load', field: 'paht' }],
  ['missing-param', () => validationIssues(pipelineDoc([source(), { id: 'train', type: 'train.dense' }], [['load.table', 'train.table']])), { message: "node 'train': param 'target' is required", nodeId: 'train', field: 'target' }],
  ['invalid-param', () => validationIssues(pipelineDoc([source(), { id: 'train', type: 'train.dense', params: { target: 'y', epochs: 'ten' } }], [['load.table', 'train.table']])), { message: `node 'train': param 'epochs' must be a number (got "ten")`, nodeId: 'train', field: 'epochs' }],
  ['unknown-node', () => { const r = applyOverrides(samplePipeline(), ['trian.epochs=5']); return r.ok ? [] : r.issues; }, { message: "--set 'trian.epochs=5': there is no node 'trian' (did you mean 'train'?)", nodeId: 'trian' }],
  ['unknown-port', () => validationIssues(pipelineDoc([source(), { id: 'split', type: 'data.split' }], [['load.table', 'split.input']])), { message: "edge load.table → split.input: node 'split' (data.split) has no input 'input'; its inputs: table (table)", nodeId: 'split', field: 'input' }],
  ['bad-edge', () => parseIssues(`{${head}, "nodes": [], "edges": [{"from": "load", "to": "split.table"}]}`), { message: 'edges[0]: "from" must look like "node.port", e.g. "load.table" (got "load")', field: 'from' }],
  ['type-mismatch', () => validationIssues(pipelineDoc([source(), { id: 'train', type: 'train.dense', params: { target: 'y' } }, { id: 'eval', type: 'eval.model' }], [['load.table', 'train.table'], ['train.model', 'eval.table'], ['load.table', 'eval.model']])), { message: "'train.model' is a model, 'eval.table' expects a table", nodeId: 'eval', field: 'table' }],
  ['input-connected-twice', () => validationIssues(pipelineDoc([source('a'), source('b'), { id: 'split', type: 'data.split' }], [['a.table', 'split.table'], ['b.table', 'split.table']])), { message: "node 'split': input 'table' is connected twice (from 'a.table' and 'b.table'); an input takes one edge", nodeId: 'split', field: 'table' }],
  ['missing-input', () => validationIssues(pipelineDoc([{ id: 'split', type: 'data.split' }])), { message: "node 'split': required input 'table' (table) is not connected", nodeId: 'split', field: 'table' }],
  ['cycle', () => validationIssues(pipelineDoc([{ id: 'a', type: 'data.split' }, { id: 'b', type: 'feature.scale' }], [['a.table', 'b.table'], ['b.table', 'a.table']])), { message: 'cycle: a → b → a; a pipeline must not loop back on itself', nodeId: 'a', nodes: ['a', 'b'] }],
  ['unconnected-node', () => validationIssues(pipelineDoc([source('a'), source('b')])), { message: "node 'a' is not connected to any other node; it still runs", nodeId: 'a' }],
  ['path-outside', () => pathIssues('../elsewhere/a.csv'), { nodeId: 'load', field: 'path', path: 'nodes[0].params.path' }],
  ['missing-file', () => pathIssues('data/a.csv'), { message: "node 'load': param 'path': file not found: data/a.csv; the run will fail unless it is there by then", nodeId: 'load', field: 'path' }],
  ['needs-migration', () => validationIssues(pipelineDoc([{ id: 'off', type: 'test.offset', params: { plus: 2 } }])), { message: "node 'off': test.offset version 1 is older than this Tensorloom's (version 2); its params were migrated in memory — save the file (or run 'tensorloom migrate') to update it", nodeId: 'off', field: 'typeVersion' }],
  ['newer-version', () => validationIssues(pipelineDoc([{ id: 'off', type: 'test.offset', typeVersion: 3 }])), { message: "node 'off': test.offset version 3 is newer than this Tensorloom's (version 2); update Tensorloom to open this file", nodeId: 'off', field: 'typeVersion', path: 'nodes[0].typeVersion' }],
  ['migration-failed', () => validationIssues(pipelineDoc([{ id: 'off', type: 'test.offset', params: { plus: 'two' } }])), { message: `node 'off': migrating test.offset from version 1 to 2 failed: 'plus' must be a number to become 'amount' (got "two")`, nodeId: 'off', field: 'typeVersion' }],
  ['bad-override', () => { const r = applyOverrides(samplePipeline(), ['epochs=5']); return r.ok ? [] : r.issues; }, { message: "--set 'epochs=5': the part before '=' must be node.param; write --set node.param=value, e.g. --set split.test=0.3" }],
];

describe('every issue code', () => {
  it('has an example below', () => {
    expect(examples.map(([code]) => code).sort()).toEqual([...ISSUE_CODES].sort());
  });

  it.each(examples)('%s', async (code, produce, expected) => {
    const issues = await produce();
    const issue = issues.find((candidate) => candidate.code === code);
    expect(issue, `no '${code}' among ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue).toMatchObject(expected);
  });
});
