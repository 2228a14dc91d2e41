import { describe, expect, it } from 'vitest';
import { parsePipelineText, parsePipelineValue } from './parse.js';
import { codes, samplePipeline } from './test-support/fixtures.js';
import type { ValidationIssue } from './types.js';

function issuesOf(text: string, file?: string): ValidationIssue[] {
  const result = parsePipelineText(text, file);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

function valueIssues(value: unknown): ValidationIssue[] {
  const result = parsePipelineValue(value);
  if (result.ok) throw new Error('expected issues');
  return result.issues;
}

const valid = { format: 'tensorloom/pipeline@1', name: 'p', nodes: [{ id: 'load', type: 'data.source', params: { path: 'a.csv' } }], edges: [] };

describe('parsePipelineText: JSON', () => {
  it('parses a pipeline file, filling params {} and edges []', () => {
    const text = JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'p', description: 'd', nodes: [{ id: 'a', type: 'data.source', label: 'A', position: { x: 1, y: 2 } }] }, null, 2);
    const result = parsePipelineText(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.doc).toEqual({
      format: 'tensorloom/pipeline@1',
      name: 'p',
      description: 'd',
      nodes: [{ id: 'a', type: 'data.source', params: {}, label: 'A', position: { x: 1, y: 2 } }],
      edges: [],
    });
  });

  it('round-trips the sample pipeline', () => {
    const doc = samplePipeline();
    const result = parsePipelineText(JSON.stringify(doc, null, 2));
    expect(result.ok && result.doc).toEqual(doc);
  });

  it('reports malformed JSON with line and column, and the file', () => {
    const text = '{\n  "format": "tensorloom/pipeline@1",\n  "name": "p",\n  "nodes": [],\n}\n';
    const [issue] = issuesOf(text, 'pipelines/bc.json');
    expect(issue).toMatchObject({ code: 'json', line: 4, column: 14, file: 'pipelines/bc.json' });
    expect(issue!.message).toBe("invalid JSON: trailing comma before '}' is not allowed in JSON");
  });

  it('reports an empty file, and a file holding only a byte order mark', () => {
    for (const text of ['', '   \n', '\uFEFF']) {
      expect(issuesOf(text)).toEqual([{ code: 'json', message: 'invalid JSON: the file is empty; expected a JSON object', line: 1, column: 1 }]);
    }
  });

  it('accepts a byte order mark and does not count it as a column', () => {
    const text = `\uFEFF${JSON.stringify(valid)}`;
    expect(parsePipelineText(text).ok).toBe(true);
    const [issue] = issuesOf('\uFEFF{"format": 1,}');
    expect(issue).toMatchObject({ line: 1, column: 13 });
  });

  it('counts lines across \\r\\n line endings', () => {
    const [issue] = issuesOf('{\r\n  "name": "p",\r\n  "nodes": [\r\n    {"id": "a" "type": "x"}\r\n  ]\r\n}');
    expect(issue).toMatchObject({ code: 'json', line: 4, column: 16 });
    expect(issue!.message).toContain("missing ',' between properties?");
  });

  it('reports a key written twice in one object with both places', () => {
    const text = '{\n  "format": "tensorloom/pipeline@1",\n  "name": "p",\n  "nodes": [{"id": "s", "type": "data.split", "params": {"test": 0.2,\n    "test": 0.5}}]\n}';
    const issues = issuesOf(text);
    expect(issues).toEqual([
      {
        code: 'duplicate-key',
        message: 'nodes[0].params.test: the key "test" appears twice (first at line 4, column 58); JSON keeps only the last one',
        path: 'nodes[0].params.test',
        line: 5,
        column: 5,
      },
    ]);
  });

  it('refuses deeply nested documents', () => {
    const text = `{"format": "tensorloom/pipeline@1", "name": "p", "nodes": [{"id": "a", "type": "t", "params": {"x": ${'['.repeat(300)}${']'.repeat(300)}}}]}`;
    expect(issuesOf(text)[0]!.message).toContain('nested more than 256 levels deep');
  });
});

describe('parsePipelineValue: document shape', () => {
  it('needs an object', () => {
    expect(valueIssues([])).toEqual([{ code: 'shape', message: 'a pipeline must be a JSON object, got an array', path: '' }]);
    expect(valueIssues(null)[0]!.message).toBe('a pipeline must be a JSON object, got null');
  });

  it('checks the format string exactly', () => {
    expect(valueIssues({ ...valid, format: undefined })).toEqual([
      { code: 'format', message: 'missing "format": the first field of a pipeline file is "format": "tensorloom/pipeline@1"', path: '' },
    ]);
    expect(valueIssues({ ...valid, format: 'tensorloom/pipeline@3' })[0]).toMatchObject({
      code: 'format',
      field: 'format',
      message: '"format" is "tensorloom/pipeline@3": this file was written by a newer Tensorloom; this version reads "tensorloom/pipeline@1"',
    });
    expect(valueIssues({ ...valid, format: 'tensorloom/pipeline@1 ' })[0]!.message).toBe('"format" must be "tensorloom/pipeline@1" (got "tensorloom/pipeline@1 ")');
    expect(valueIssues({ ...valid, format: 1 })[0]!.message).toBe('"format" must be "tensorloom/pipeline@1" (got 1)');
  });

  it('checks name, description, nodes and edges', () => {
    const issues = valueIssues({ format: 'tensorloom/pipeline@1', name: '', description: 3, nodes: {}, edges: 'none' });
    expect(issues.map((issue) => [issue.code, issue.path, issue.message])).toEqual([
      ['shape', 'name', '"name" must be a non-empty string (got "")'],
      ['shape', 'description', '"description" must be a string (got 3)'],
      ['shape', 'nodes', '"nodes" must be an array of nodes (got an object)'],
      ['shape', 'edges', '"edges" must be an array of edges (got a string)'],
    ]);
    expect(valueIssues({ format: 'tensorloom/pipeline@1' }).map((issue) => issue.message)).toEqual([
      '"name" must be a non-empty string (it is missing)',
      '"nodes" must be an array of nodes (it is missing)',
    ]);
  });

  it('reports every problem in every node and edge, each with its location', () => {
    const issues = valueIssues({
      format: 'tensorloom/pipeline@1',
      name: 'p',
      nodes: [
        'load',
        { type: 'data.source' },
        { id: 'b', type: 7, params: [], position: { x: 'left', y: 0, z: 1 }, label: 5 },
        { id: 'c', type: 'data.split', param: { test: 0.3 } },
      ],
      edges: [{ from: 'load', to: 'b.table' }, { from: 'b.table' }, 3, { from: 'b.table', to: 'c.table', kind: 'x' }],
    });
    expect(issues.map((issue) => [issue.code, issue.path, issue.nodeId, issue.field, issue.message])).toEqual([
      ['shape', 'nodes[0]', undefined, undefined, 'nodes[0] must be an object with "id" and "type" (got a string)'],
      ['shape', 'nodes[1]', undefined, 'id', 'nodes[1]: "id" must be a string (it is missing)'],
      ['shape', 'nodes[2].type', 'b', 'type', `node 'b': "type" must be a node type such as "data.csv" (got 7)`],
      ['shape', 'nodes[2].params', 'b', 'params', `node 'b': "params" must be an object (got an array)`],
      ['unknown-field', 'nodes[2].position.z', 'b', 'z', `node 'b''s position: unknown field "z"; the fields are 'x', 'y'`],
      ['shape', 'nodes[2].position.x', 'b', 'position', `node 'b': "position.x" must be a number (got "left")`],
      ['shape', 'nodes[2].label', 'b', 'label', `node 'b': "label" must be a string (got 5)`],
      ['unknown-field', 'nodes[3].param', 'c', 'param', `node 'c': unknown field "param" (did you mean 'params'?); the fields are 'id', 'type', 'typeVersion', 'pack', 'params', 'position', 'label'`],
      ['bad-edge', 'edges[0].from', undefined, 'from', 'edges[0]: "from" must look like "node.port", e.g. "load.table" (got "load")'],
      ['shape', 'edges[1]', undefined, 'to', 'edges[1]: "to" must be a string "node.port" (it is missing)'],
      ['shape', 'edges[2]', undefined, undefined, 'edges[2] must be an object {"from": "node.port", "to": "node.port"} (got a number)'],
      ['unknown-field', 'edges[3].kind', undefined, 'kind', `edges[3]: unknown field "kind"; the fields are 'from', 'to'`],
    ]);
  });

  it('reports unknown top-level fields with a suggestion', () => {
    expect(valueIssues({ ...valid, edge: [] })).toEqual([
      {
        code: 'unknown-field',
        message: `the pipeline: unknown field "edge" (did you mean 'edges'?); the fields are 'format', 'name', 'description', 'nodes', 'edges'`,
        path: 'edge',
        field: 'edge',
      },
    ]);
  });

  it('accepts a node\'s typeVersion and checks that it is a whole number ≥ 1', () => {
    const withVersion = parsePipelineValue({ ...valid, nodes: [{ id: 'load', type: 'data.source', typeVersion: 2, params: { path: 'a.csv' } }] });
    expect(withVersion.ok && withVersion.doc.nodes[0]).toEqual({ id: 'load', type: 'data.source', typeVersion: 2, params: { path: 'a.csv' } });
    // Absent stays absent (it means version 1).
    const without = parsePipelineValue(valid);
    expect(without.ok && 'typeVersion' in without.doc.nodes[0]!).toBe(false);
    for (const bad of [0, -1, 1.5, '2', null, Number.MAX_SAFE_INTEGER + 1]) {
      const issues = valueIssues({ ...valid, nodes: [{ id: 'load', type: 'data.source', typeVersion: bad }] });
      expect(issues).toEqual([expect.objectContaining({ code: 'shape', nodeId: 'load', field: 'typeVersion', path: 'nodes[0].typeVersion' })]);
    }
    expect(valueIssues({ ...valid, nodes: [{ id: 'load', type: 'data.source', typeVersion: '2' }] })[0]!.message).toBe(
      `node 'load': "typeVersion" must be a whole number ≥ 1, the version of its node type (got "2")`,
    );
  });

  it('rejects endpoints that are not node.port', () => {
    for (const endpoint of ['a', 'a.', '.b', 'a.b.c', '1a.b', 'a.b-c', 'a b.c', '']) {
      const issues = valueIssues({ ...valid, edges: [{ from: endpoint, to: 'load.table' }] });
      expect(codes(issues)).toEqual(['bad-edge']);
    }
  });

  it('requires params to be plain JSON when a document is built in code', () => {
    const doc = { ...valid, nodes: [{ id: 'a', type: 't', params: { when: new Date(0), list: [1, Number.NaN] } }] };
    expect(valueIssues(doc)[0]!.message).toBe("node 'a': nodes[0].params.when is a Date, not a plain object; params must be plain JSON");
    const nan = { ...valid, nodes: [{ id: 'a', type: 't', params: { list: [1, Number.NaN] } }] };
    expect(valueIssues(nan)[0]!.message).toBe("node 'a': nodes[0].params.list[1] is NaN, which JSON cannot hold; params must be plain JSON");
    const looped: Record<string, unknown> = {};
    looped['self'] = looped;
    expect(valueIssues({ ...valid, nodes: [{ id: 'a', type: 't', params: looped }] })[0]!.message).toContain('refers back to itself');
    expect(parsePipelineValue({ ...valid, nodes: [{ id: 'a', type: 't', params: { gone: undefined } }] }).ok).toBe(true);
  });

  it('returns a copy: changing the result never changes the input', () => {
    const input = structuredClone(valid);
    const result = parsePipelineValue(input);
    if (!result.ok) throw new Error('fixture');
    result.doc.nodes[0]!.params!['path'] = 'changed';
    result.doc.nodes.push({ id: 'x', type: 'y' });
    expect(input).toEqual(valid);
  });

  it('keeps a "__proto__" key as a plain key', () => {
    const result = parsePipelineText('{"format": "tensorloom/pipeline@1", "name": "p", "nodes": [{"id": "a", "type": "t", "params": {"__proto__": {"polluted": true}}}]}');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const params = result.doc.nodes[0]!.params!;
    expect(Object.keys(params)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('locates shape issues in the text', () => {
    const text = '{\n  "format": "tensorloom/pipeline@1",\n  "name": "p",\n  "nodes": [\n    {"id": "a", "type": 5}\n  ]\n}';
    expect(issuesOf(text)).toEqual([
      { code: 'shape', message: `node 'a': "type" must be a node type such as "data.csv" (got 5)`, field: 'type', path: 'nodes[0].type', nodeId: 'a', line: 5, column: 17 },
    ]);
  });
});
