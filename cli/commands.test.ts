import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

describe('tensorloom nodes', () => {
  it('lists the catalog with params as JSON Schema and typed ports', () => {
    const result = tensorloom(['nodes', '--json']);
    expect(result.status).toBe(0);
    const catalog = JSON.parse(result.stdout) as { type: string; params: { properties: Record<string, { default?: unknown; description?: string }>; required?: string[] }; outputs: Record<string, { type: string }>; inputs: Record<string, { type: string }> }[];
    const csv = catalog.find((entry) => entry.type === 'data.csv')!;
    expect(csv.params.required).toEqual(['path']);
    expect(csv.params.properties.onBadRow).toMatchObject({ default: 'fail', enum: ['fail', 'skip'] });
    expect(csv.params.properties.path!.description).toMatch(/relative to the pipeline file/);
    expect(csv.outputs).toEqual({ table: expect.objectContaining({ type: 'table' }) });
    const split = catalog.find((entry) => entry.type === 'data.split')!;
    expect(split.params.properties.test).toMatchObject({ default: 0.2, maximum: 0.9 });
    expect(split.inputs.table!.type).toBe('table');
    const text = tensorloom(['nodes']).stdout;
    expect(text).toMatch(/data\.split v1 · data/);
    expect(text).toMatch(/stratifyBy/);
  });
});

describe('tensorloom validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyExamples();
  });

  it('accepts a valid pipeline and prints its hash', () => {
    const result = tensorloom(['validate', 'penguins.pipeline.json', '--json'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, name: 'penguins', nodes: ['load', 'split', 'impute', 'encode', 'scale', 'train', 'evaluate'], hash: expect.stringMatching(/^sha256:/) });
  });

  it('names the nodes on a cycle and exits 2', () => {
    writeFileSync(
      join(dir, 'loop.pipeline.json'),
      JSON.stringify({
        format: 'tensorloom/pipeline@1', name: 'loop',
        nodes: [{ id: 'a', type: 'data.split' }, { id: 'b', type: 'data.split' }, { id: 'c', type: 'data.split' }],
        edges: [{ from: 'a.table', to: 'b.table' }, { from: 'b.table', to: 'c.table' }, { from: 'c.table', to: 'a.table' }],
      }, null, 2),
    );
    const result = tensorloom(['validate', 'loop.pipeline.json'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cycle: a → b → c → a');
  });

  it('reports malformed JSON with its line and column', () => {
    writeFileSync(join(dir, 'bad.json'), '{\n  "format": "tensorloom/pipeline@1",\n  "name": "x"\n  "nodes": []\n}\n');
    const result = tensorloom(['validate', 'bad.json', '--json'], { cwd: dir });
    expect(result.status).toBe(2);
    const issue = (JSON.parse(result.stdout) as { issues: { code: string; line: number; column: number; message: string }[] }).issues[0]!;
    expect(issue).toMatchObject({ code: 'json', line: 4, column: 3 });
  });
});

describe('tensorloom runs and show', () => {
  it('lists runs newest first and shows one with its nodes, outputs and metrics', () => {
    const dir = copyExamples();
    expect(tensorloom(['runs'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining('no workspace here') });
    const first = JSON.parse(tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: dir }).stdout) as { runId: string; outputs: Record<string, Record<string, string>> };
    const second = JSON.parse(tensorloom(['run', 'penguins.pipeline.json', '--json', '--until', 'load'], { cwd: dir }).stdout) as { runId: string };

    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { id: string; status: string; until: string | null }[];
    expect(runs.map((run) => run.id)).toEqual([second.runId, first.runId]);
    expect(runs[0]).toMatchObject({ status: 'succeeded', until: 'load' });
    expect(tensorloom(['runs', '--workspace', dir], { cwd: '/' }).stdout).toContain(first.runId);

    const shown = JSON.parse(tensorloom(['show', first.runId, '--json'], { cwd: dir }).stdout) as {
      nodes: Record<string, { status: string; outputs: Record<string, { hash: string }> }>;
      metrics: Record<string, Record<string, number>>;
      overrides: Record<string, unknown>;
    };
    expect(shown.nodes.split!.outputs.table!.hash).toBe(first.outputs.split!.table);
    expect(shown.metrics.load!.rows).toBe(344);
    const text = tensorloom(['show', first.runId], { cwd: dir });
    expect(text.stdout).toMatch(/split\s+data\.split\s+succeeded/);
    expect(tensorloom(['show', 'nope'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining("no run 'nope'") });
  });

  it('records --set overrides with the run', () => {
    const dir = copyExamples();
    const run = JSON.parse(tensorloom(['run', 'penguins.pipeline.json', '--json', '--set', 'split.seed=5'], { cwd: dir }).stdout) as { runId: string };
    const shown = JSON.parse(tensorloom(['show', run.runId, '--json'], { cwd: dir }).stdout) as { overrides: Record<string, unknown> };
    expect(shown.overrides).toEqual({ 'split.seed': 5 });
  });
});

describe('custom node plugins', () => {
  it('reports a plugin that does not export a node definition with one line, and goes on without it', () => {
    const dir = copyExamples();
    writeFileSync(join(dir, 'plugin.mjs'), 'export default { hello: 1 };\n');
    const result = tensorloom(['nodes'], { cwd: dir, env: { TENSORLOOM_PLUGINS: join(dir, 'plugin.mjs') } });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('data.csv');
    expect(result.stderr.trim()).toBe(
      `tensorloom: warning: node pack 'plugin' not loaded: ${join(dir, 'plugin.mjs')}: the default export is an object with keys hello, not node definitions or step kinds; export default { nodes: [...], stepKinds: [...] } (or export const nodes / stepKinds, or default-export one defineNode definition or an array of them)`,
    );
  });
});
