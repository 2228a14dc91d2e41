/**
 * Node packs end to end through the real CLI: the example pack installed into a workspace
 * with `npm install` (its tarball, and its folder), `tensorloom packs`, the example pipeline
 * run with predict.batch replaying the pack's recipe step, `tensorloom serve` answering
 * the same over HTTP, a model whose pack is missing, and broken packs that leave the rest
 * working.
 */
import { once } from 'node:events';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyWorkspace, EXAMPLE_PACK, runCredit, sourceNodeModule, workspaceWithExamplePack, writePack, type TrainedCredit } from '../core/packs/test-support/pack-workspace.js';
import { startTensorloom, tensorloom } from './test-support/run-cli.js';

const NO_STACK = /\n\s+at /;
const PACK_NODES = ['applicants', 'log', 'fresh'];

describe('a node pack installed with npm install', () => {
  let workspace: string;
  let credit: TrainedCredit;
  beforeAll(() => {
    workspace = workspaceWithExamplePack('tarball');
    credit = runCredit(workspace);
  }, 400_000);

  it('is listed by tensorloom packs with its version, where it was found, its node types and step kinds', () => {
    const listed = tensorloom(['packs', '--json'], { cwd: workspace });
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({
      packs: [
        {
          name: 'tensorloom-pack-skew',
          version: '1.0.0',
          source: 'workspace',
          path: join(workspace, 'node_modules', 'tensorloom-pack-skew'),
          nodeTypes: ['skew.generate', 'skew.log'],
          stepKinds: ['skew.log'],
          loaded: true,
        },
      ],
    });
    const text = tensorloom(['packs'], { cwd: workspace });
    expect(text.stdout).toContain('tensorloom-pack-skew 1.0.0  loaded  workspace dependency · ');
    expect(text.stdout).toContain('node types skew.generate, skew.log');
    const catalog = JSON.parse(tensorloom(['nodes', '--json'], { cwd: workspace }).stdout) as { type: string; pack?: string }[];
    expect(catalog.filter((entry) => entry.pack !== undefined).map((entry) => [entry.type, entry.pack])).toEqual([
      ['skew.generate', 'tensorloom-pack-skew'],
      ['skew.log', 'tensorloom-pack-skew'],
    ]);
  });

  it('runs the example pipeline: the log transform is a recipe step of the model, bundle.json names its pack, predict.batch scores new rows', () => {
    expect(credit.bundle.recipe.map((step) => step.kind)).toEqual(['skew.log']);
    expect(credit.bundle.packs).toEqual([{ name: 'tensorloom-pack-skew', version: '1.0.0', stepKinds: ['skew.log'] }]);
    // The raw inputs a request carries: the log step reads income and debt as numbers.
    expect(credit.bundle.inputs).toEqual(expect.arrayContaining([{ name: 'income', type: 'number' }, { name: 'debt', type: 'number' }]));
    expect(credit.predictions).toHaveLength(200);
    expect(new Set(credit.predictions)).toEqual(new Set(['yes', 'no']));
    expect(existsSync(join(workspace, 'out', 'credit-predictions.csv'))).toBe(true);
    const rerun = tensorloom(['run', 'credit.pipeline.json', '--json'], { cwd: workspace });
    expect(rerun.status, rerun.stderr).toBe(0);
    // A re-run reuses every result (the pack's nodes are cached like built-ins); data.write writes its file again.
    const states = Object.entries((JSON.parse(rerun.stdout) as { nodes: Record<string, { status: string }> }).nodes).map(([id, node]) => [id, node.status]);
    expect(Object.fromEntries(states)).toEqual({ applicants: 'cached', split: 'cached', log: 'cached', train: 'cached', evaluate: 'cached', fresh: 'cached', predict: 'cached', save: 'succeeded' });
  });

  it('tensorloom serve replays the pack step over HTTP: every answer equals predict.batch', async () => {
    const child = startTensorloom(['serve', credit.modelId, '--workspace', workspace, '--port', '0', '--name', 'credit']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const found = /Model server: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (found) resolve(found[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve exited ${String(code)}: ${stderr}`)));
      });
      const answer = await fetch(`${url}/v1/models/credit:predict`, { method: 'POST', body: JSON.stringify({ instances: credit.records }) });
      expect(answer.status).toBe(200);
      const rows = ((await answer.json()) as { predictions: { prediction: string; probabilities: number[] }[] }).predictions;
      expect(rows.map((row) => row.prediction)).toEqual(credit.predictions);
      expect(rows.map((row) => row.probabilities)).toEqual(credit.probabilities);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    expect(stderr).not.toMatch(NO_STACK);
  }, 120_000);

  it('serve refuses to start a model whose pack is not installed, naming the pack', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'tensorloom-no-pack-'));
    cpSync(credit.modelDir, join(elsewhere, 'model'), { recursive: true });
    const refused = tensorloom(['serve', join(elsewhere, 'model'), '--port', '0'], { cwd: elsewhere });
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim()).toBe(
      "tensorloom: the model's recipe uses step kind 'skew.log' (node 'log') from the node pack 'tensorloom-pack-skew' (version 1.0.0), which is not installed here; install it in the workspace (npm install tensorloom-pack-skew@1.0.0) or list it in TENSORLOOM_PLUGINS",
    );
    // The same model with the pack's folder in TENSORLOOM_PLUGINS: the export's context is written.
    const exported = tensorloom(['export', join(elsewhere, 'model'), '--tag', 'credit:1', '--no-build', '--out', join(elsewhere, 'image'), '--json'], { cwd: elsewhere, env: { TENSORLOOM_PLUGINS: EXAMPLE_PACK } });
    expect(exported.status, exported.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(elsewhere, 'image', 'runtime-lock.json'), 'utf8')) as { packs: unknown; external: { name: string }[] };
    expect(lock.packs).toEqual([{ name: 'tensorloom-pack-skew', version: '1.0.0', stepKinds: ['skew.log'] }]);
    // Export and the database stay out of the model server (they are native or build-time only).
    expect(lock.external.map((entry) => entry.name)).not.toEqual(expect.arrayContaining(['better-sqlite3']));
    expect(readFileSync(join(elsewhere, 'image', 'server.mjs'), 'utf8')).toContain("kind: \"skew.log\"");
    const noPack = tensorloom(['export', join(elsewhere, 'model'), '--tag', 'credit:1', '--no-build', '--out', join(elsewhere, 'image2')], { cwd: elsewhere });
    expect(noPack.status).toBe(2);
    expect(noPack.stderr).toContain("from the node pack 'tensorloom-pack-skew' (version 1.0.0), which is not installed here");
    for (const result of [refused, noPack]) expect(result.stderr).not.toMatch(NO_STACK);
  }, 120_000);

  it('works the same installed from its folder (npm links it)', () => {
    const linked = workspaceWithExamplePack('folder');
    const listed = JSON.parse(tensorloom(['packs', '--json'], { cwd: linked }).stdout) as { packs: { name: string; loaded: boolean }[] };
    expect(listed.packs.map((pack) => [pack.name, pack.loaded])).toEqual([['tensorloom-pack-skew', true]]);
    const valid = tensorloom(['validate', 'credit.pipeline.json'], { cwd: linked });
    expect(valid.status, valid.stderr).toBe(0);
    // The batch image carries only Tensorloom's own nodes: said before anything is written.
    const batch = tensorloom(['export-pipeline', 'credit.pipeline.json', '--tag', 'credit-batch:1', '--no-build'], { cwd: linked });
    expect(batch.status).toBe(2);
    expect(batch.stderr).toContain("export-pipeline cannot bundle node packs yet, and nodes 'applicants' (skew.generate, pack 'tensorloom-pack-skew')");
    expect(batch.stderr).not.toMatch(NO_STACK);
  }, 240_000);

  it('validation names the pack when a pipeline needs one that is not installed', () => {
    const bare = emptyWorkspace();
    const result = tensorloom(['validate', 'credit.pipeline.json', '--json'], { cwd: bare });
    expect(result.status).toBe(2);
    const issues = (JSON.parse(result.stdout) as { issues: { nodeId: string; code: string; message: string }[] }).issues.filter((issue) => issue.code === 'unknown-type');
    expect(issues.map((issue) => issue.nodeId)).toEqual(PACK_NODES);
    expect(issues[0]!.message).toBe(
      "node 'applicants': node type 'skew.generate' comes from the node pack 'tensorloom-pack-skew', which is not installed in this workspace; install it there (npm install tensorloom-pack-skew) or list it in TENSORLOOM_PLUGINS",
    );
  });
});

describe('packs that do not load', () => {
  it('are reported with their name and reason, and validate, run and the other packs go on', () => {
    const workspace = emptyWorkspace();
    writePack(workspace, 'tl-syntax', { 'index.js': "import { defineNode } from 'tensorloom/sdk';\nexport default { nodes: [defineNode({ type: 'syn.node', ]) };\n" });
    writePack(workspace, 'tl-nothing', { 'index.js': 'export const hello = 1;\n' });
    writePack(workspace, 'tl-csv', { 'index.js': sourceNodeModule('data.csv') });
    writePack(workspace, 'tl-twin-a', { 'index.js': sourceNodeModule('twin.source', 'A') });
    writePack(workspace, 'tl-twin-b', { 'index.js': sourceNodeModule('twin.source', 'B') });
    // The example pack comes from TENSORLOOM_PLUGINS here (a pack folder), beside the workspace's packs.
    const env = { TENSORLOOM_PLUGINS: EXAMPLE_PACK };
    const modules = (name: string) => join(workspace, 'node_modules', name);

    const listed = tensorloom(['packs', '--json'], { cwd: workspace, env });
    expect(listed.status).toBe(1);
    const packs = (JSON.parse(listed.stdout) as { packs: { name: string; source: string; loaded: boolean; error?: string }[] }).packs;
    expect(Object.fromEntries(packs.map((pack) => [pack.name, pack.error ?? 'loaded']))).toEqual({
      'tl-syntax': `syntax error in ${join(modules('tl-syntax'), 'index.js')}:2: Unexpected token ']'`,
      'tl-nothing': `${join(modules('tl-nothing'), 'index.js')}: it exports no node definitions or step kinds; export default { nodes: [...], stepKinds: [...] } (or export const nodes / stepKinds, or default-export one defineNode definition or an array of them)`,
      'tl-csv': "node type 'data.csv' clashes with Tensorloom's built-in node type of that name; the pack is not loaded (rename the type in the pack)",
      'tl-twin-a': `node type 'twin.source' is also declared by the pack 'tl-twin-b' (${modules('tl-twin-b')}); neither pack is loaded (uninstall one, or rename the type in one of them)`,
      'tl-twin-b': `node type 'twin.source' is also declared by the pack 'tl-twin-a' (${modules('tl-twin-a')}); neither pack is loaded (uninstall one, or rename the type in one of them)`,
      'tensorloom-pack-skew': 'loaded',
    });
    expect(tensorloom(['packs'], { cwd: workspace, env }).stdout).toContain(`tl-syntax 0.1.0  not loaded  workspace dependency · `);

    // Everything else works: the built-in data.csv is the one that runs, the example pack's pipeline validates and runs.
    const valid = tensorloom(['validate', 'credit.pipeline.json'], { cwd: workspace, env });
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stderr).toContain(`tensorloom: warning: node pack 'tl-syntax' not loaded: syntax error in ${join(modules('tl-syntax'), 'index.js')}:2`);
    expect(valid.stderr.split('\n').filter((line) => line.startsWith('tensorloom: warning: node pack'))).toHaveLength(5);
    const run = tensorloom(['run', 'credit.pipeline.json', '--until', 'log', '--json'], { cwd: workspace, env });
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { status: string }).status).toBe('succeeded');
    const catalog = JSON.parse(tensorloom(['nodes', '--json'], { cwd: workspace, env }).stdout) as { type: string; pack?: string }[];
    expect(catalog.find((entry) => entry.type === 'data.csv')!.pack).toBeUndefined();
    expect(catalog.some((entry) => entry.type === 'twin.source')).toBe(false);

    // A pipeline that needs a pack that did not load says so, with the reason.
    writeFileSync(join(workspace, 'syn.pipeline.json'), JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'syn', nodes: [{ id: 'syn', type: 'syn.node', pack: 'tl-syntax', params: {} }], edges: [] }));
    const broken = tensorloom(['validate', 'syn.pipeline.json'], { cwd: workspace, env });
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain("node 'syn': node type 'syn.node' comes from the node pack 'tl-syntax', which is installed but did not load: syntax error in");
    for (const result of [listed, valid, run, broken]) expect(result.stderr).not.toMatch(NO_STACK);
  }, 240_000);
});
