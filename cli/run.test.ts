import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

interface RunJson {
  runId: string;
  status: string;
  backend: string;
  nodes: Record<string, { status: string; cached: boolean; ms: number; error?: string }>;
  metrics: Record<string, Record<string, number>>;
  outputs: Record<string, Record<string, string>>;
}

const runJson = (args: string[], cwd: string) => {
  const result = tensorloom(['run', ...args, '--json'], { cwd });
  return { ...result, json: JSON.parse(result.stdout) as RunJson };
};

describe('tensorloom run', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyExamples();
  });

  it('re-runs only what a changed param affects, in a new process', () => {
    const first = runJson(['penguins.pipeline.json'], dir).json;
    const second = runJson(['penguins.pipeline.json', '--set', 'split.test=0.3'], dir).json;
    expect(second.nodes.load).toMatchObject({ status: 'cached', cached: true });
    expect(second.nodes.split).toMatchObject({ status: 'succeeded', cached: false });
    expect(second.outputs.load).toEqual(first.outputs.load);
    expect(second.outputs.split).not.toEqual(first.outputs.split);
    expect(second.metrics.split!.test_rows).toBeGreaterThan(first.metrics.split!.test_rows!);
    // Back to the file's params: everything comes from the cache.
    const third = runJson(['penguins.pipeline.json'], dir).json;
    expect(Object.values(third.nodes).every((node) => node.cached)).toBe(true);
    expect(third.outputs).toEqual(first.outputs);
  });

  it('--until runs only the node and its ancestors', () => {
    const { json, status } = runJson(['seattle-weather.pipeline.json', '--until', 'load', '--set', 'load.delimiter=","'], dir);
    expect(status).toBe(0);
    expect(Object.keys(json.nodes)).toEqual(['load']);
  });

  it('prints live progress and a summary without --json', () => {
    const result = tensorloom(['run', 'penguins.pipeline.json', '--set', 'split.seed=99'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/○ load cached/);
    expect(result.stderr).toMatch(/✓ split \d+ ms/);
    expect(result.stdout).toMatch(/run \S+ succeeded: 6 executed, 1 cached/);
    expect(result.stdout).toMatch(/split\s+test_rows\s+69/);
  });

  it('exits 1 when a node fails, naming the file and line, and runs what does not depend on it', () => {
    writeFileSync(join(dir, 'ragged.csv'), 'a,b,c\n1,2,3\n4,5\n');
    writeFileSync(
      join(dir, 'ragged.pipeline.json'),
      JSON.stringify({
        format: 'tensorloom/pipeline@1',
        name: 'ragged',
        nodes: [
          { id: 'bad', type: 'data.csv', params: { path: 'ragged.csv' } },
          { id: 'split', type: 'data.split' },
          { id: 'good', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        ],
        edges: [{ from: 'bad.table', to: 'split.table' }],
      }),
    );
    const { status, json, stderr } = runJson(['ragged.pipeline.json'], dir);
    expect(status).toBe(1);
    expect(json.status).toBe('failed');
    expect(json.nodes.bad!.error).toBe("'ragged.csv' line 3: expected 3 fields, found 2. Fix the file, or set onBadRow to 'skip' to drop bad rows.");
    expect(json.nodes.split).toMatchObject({ status: 'skipped', error: "skipped: upstream node 'bad' failed" });
    expect(['succeeded', 'cached']).toContain(json.nodes.good!.status);
    expect(json.outputs.good!.table).toMatch(/^sha256:/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an invalid pipeline and lists every problem with its place', () => {
    writeFileSync(
      join(dir, 'broken.pipeline.json'),
      '{ "format": "tensorloom/pipeline@1", "name": "broken",\n  "nodes": [ { "id": "a", "type": "data.split", "params": { "test": "lots" } },\n             { "id": "b", "type": "data.splitt" } ],\n  "edges": [ { "from": "a.tabel", "to": "b.table" } ] }\n',
    );
    const result = tensorloom(['run', 'broken.pipeline.json'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('broken.pipeline.json is not a valid pipeline (4 problems)');
    expect(result.stderr).toMatch(/broken\.pipeline\.json:2:\d+: error \[invalid-param\] node 'a': param 'test' must be a number \(got "lots"\)/);
    expect(result.stderr).toMatch(/broken\.pipeline\.json:3:\d+: error \[unknown-type\] node 'b': unknown node type 'data.splitt' \(did you mean 'data.split'\?\)/);
    expect(result.stderr).toMatch(/error \[unknown-port\] .*no output 'tabel'/);
    expect(result.stderr).toMatch(/error \[missing-input\] node 'a'/);
    const json = tensorloom(['run', 'broken.pipeline.json', '--json'], { cwd: dir });
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: 'invalid pipeline', issues: expect.arrayContaining([expect.objectContaining({ code: 'unknown-type', nodeId: 'b', line: 3 })]) });
  });

  it('exits 2 with one clear line for usage mistakes', () => {
    for (const args of [['run'], ['run', 'missing.json'], ['run', 'penguins.pipeline.json', '--until', 'nope'], ['frobnicate'], ['run', 'penguins.pipeline.json', '--concurrency', 'zero'], ['run', 'penguins.pipeline.json', '--set', 'split']]) {
      const result = tensorloom(args, { cwd: dir });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
      expect(result.stderr.trim().length).toBeGreaterThan(10);
    }
    expect(tensorloom(['run', 'penguins.pipeline.json', '--until', 'nope'], { cwd: dir }).stderr).toContain('--until nope: no such node in penguins.pipeline.json; nodes are: load, split, impute, encode, scale, train, evaluate');
    expect(tensorloom(['run', 'missing.json'], { cwd: dir }).stderr).toContain('missing.json: error [file] no such file');
  });
});

describe('large files', () => {
  it('reads a CSV over the worker threshold in a worker thread, with the same result', () => {
    const dir = copyExamples();
    const rows = ['id,x,label'];
    for (let i = 0; i < 300_000; i += 1) rows.push(`${i},${(i * 0.25).toFixed(2)},${i % 3 === 0 ? 'a' : 'b'}`);
    writeFileSync(join(dir, 'large.csv'), rows.join('\n'));
    writeFileSync(
      join(dir, 'large.pipeline.json'),
      JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'large', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'large.csv' } }, { id: 'split', type: 'data.split', params: { stratifyBy: 'label' } }], edges: [{ from: 'load.table', to: 'split.table' }] }),
    );
    const { status, json } = runJson(['large.pipeline.json'], dir);
    expect(status).toBe(0);
    expect(json.metrics.load!.rows).toBe(300_000);
    expect(json.metrics.split!.test_rows).toBe(60_000);
  });
});
