/**
 * Finding and loading node packs in this process: the example pack, workspace dependencies,
 * and packs that cannot load (each reported with its name and reason while the rest load).
 * The CLI tests (cli/packs.test.ts) do the same through `npm install` in a real child
 * process, with syntax errors and tarball installs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeRegistry } from '../graph/compose.js';
import { fixtureNodes } from '../graph/test-support/fixtures.js';
import { validatePipeline } from '../graph/validate.js';
import { stepKinds, StepKindRegistry } from '../ml/recipe/registry.js';
import { loadPacks } from './load.js';
import { ensurePackModules } from './thread.js';
import { emptyWorkspace, EXAMPLE_PACK, sourceNodeModule, writePack } from './test-support/pack-workspace.js';

const builtins = fixtureNodes;

describe('loading node packs', () => {
  it('loads the example pack from a folder in TENSORLOOM_PLUGINS: its nodes join the registry under its name, its step kind is registered with its module', async () => {
    const packs = await loadPacks({ plugins: [EXAMPLE_PACK], builtins });
    expect(packs.packs).toEqual([
      { name: 'tensorloom-pack-skew', version: '1.0.0', source: 'TENSORLOOM_PLUGINS', path: EXAMPLE_PACK, nodeTypes: ['skew.generate', 'skew.log'], stepKinds: ['skew.log'] },
    ]);
    const module = pathToFileURL(join(EXAMPLE_PACK, 'index.js')).href;
    expect(packs.loaded[0]!.module).toBe(module);
    expect(stepKinds.provider('skew.log')).toEqual({ builtIn: false, pack: 'tensorloom-pack-skew', version: '1.0.0', module });
    expect(stepKinds.packModules()).toContainEqual({ pack: 'tensorloom-pack-skew', version: '1.0.0', module });

    const registry = composeRegistry({ builtins, packs });
    expect(registry.packOf('skew.log')).toBe('tensorloom-pack-skew');
    expect(registry.packOf('data.split')).toBeUndefined();
    const catalog = registry.catalog();
    expect(catalog.find((entry) => entry.type === 'skew.generate')).toMatchObject({ pack: 'tensorloom-pack-skew', category: 'data', title: 'Skewed applicants' });
    expect(catalog.find((entry) => entry.type === 'data.split')).not.toHaveProperty('pack');
    expect(registry.packs()).toEqual(packs.packs);

    // Loading again (another registry in the same process) reuses the same module: no clash with itself.
    const again = await loadPacks({ plugins: [EXAMPLE_PACK], builtins });
    expect(again.packs[0]!.error).toBeUndefined();
  });

  it('finds packs among the dependencies of the nearest package.json, in node_modules; other dependencies are not packs', async () => {
    const workspace = emptyWorkspace();
    writePack(workspace, 'tl-pack-one', { 'index.js': sourceNodeModule('one.source') }, {}, { linked: true });
    writePack(workspace, 'plain-lib', { 'index.js': 'export const x = 1;\n' }, { keywords: ['utility'] }, { linked: true });
    // Listed but not installed: nothing to load (a pipeline that needs it names it).
    writeFileSync(join(workspace, 'package.json'), JSON.stringify({ name: 'w', dependencies: { 'tl-pack-one': '*', 'plain-lib': '*', 'not-installed': '*' } }));
    const pipelines = join(workspace, 'pipelines');
    mkdirSync(pipelines);
    const packs = await loadPacks({ workspace: pipelines, builtins });
    expect(packs.packs.map((pack) => [pack.name, pack.source, pack.error])).toEqual([['tl-pack-one', 'workspace', undefined]]);
    expect(packs.loaded[0]!.nodes.map((node) => node.type)).toEqual(['one.source']);
    // A folder without package.json above it: no workspace packs.
    expect((await loadPacks({ workspace: '/', builtins })).packs).toEqual([]);
  });

  it('reports each pack that cannot load with its name and reason, and loads the others', async () => {
    const workspace = emptyWorkspace();
    const pack = (name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}) => writePack(workspace, name, files, manifest, { linked: true });
    pack('tl-good', { 'index.js': sourceNodeModule('good.source') });
    pack('tl-empty', { 'index.js': 'export const hello = 1;\n' });
    pack('tl-builtin', { 'index.js': sourceNodeModule('data.split') });
    pack('tl-twin-a', { 'index.js': sourceNodeModule('twin.source', 'A') });
    pack('tl-twin-b', { 'index.js': sourceNodeModule('twin.source', 'B') });
    pack('tl-commonjs', { 'index.js': 'module.exports = {};\n' }, { type: 'commonjs' });
    pack('tl-no-entry', {}, { main: 'dist/index.js', scripts: { build: 'tsc' } });
    pack('tl-bad-item', { 'index.js': "export const nodes = [{ type: 'x.y' }];\n" });
    pack('tl-step-clash', {
      'index.js': "export const stepKinds = [{ kind: 'feature.scale', version: 1, parse: (f) => f, apply: (c) => c, flows: () => [] }];\n",
    });
    const packs = await loadPacks({ workspace, builtins });
    const errors = Object.fromEntries(packs.packs.map((summary) => [summary.name, summary.error]));
    const entry = (name: string) => join(workspace, 'node_modules', name, 'index.js');
    expect(errors).toEqual({
      'tl-good': undefined,
      'tl-empty': `${entry('tl-empty')}: it exports no node definitions or step kinds; export default { nodes: [...], stepKinds: [...] } (or export const nodes / stepKinds, or default-export one defineNode definition or an array of them)`,
      'tl-builtin': "node type 'data.split' clashes with Tensorloom's built-in node type of that name; the pack is not loaded (rename the type in the pack)",
      'tl-twin-a': `node type 'twin.source' is also declared by the pack 'tl-twin-b' (${join(workspace, 'node_modules', 'tl-twin-b')}); neither pack is loaded (uninstall one, or rename the type in one of them)`,
      'tl-twin-b': `node type 'twin.source' is also declared by the pack 'tl-twin-a' (${join(workspace, 'node_modules', 'tl-twin-a')}); neither pack is loaded (uninstall one, or rename the type in one of them)`,
      'tl-commonjs': `${join(workspace, 'node_modules', 'tl-commonjs', 'package.json')}: the entry index.js is not an ES module; set "type": "module" in package.json (or use a .mjs file): packs import 'tensorloom/sdk', which CommonJS cannot`,
      'tl-no-entry': `${join(workspace, 'node_modules', 'tl-no-entry', 'package.json')}: "main" points to dist/index.js, which does not exist (build the pack first: npm run build)`,
      'tl-bad-item': `${entry('tl-bad-item')}: the export 'nodes'[0] is not a node definition made with defineNode (got an object with keys type)`,
      'tl-step-clash': "step kind 'feature.scale' clashes with Tensorloom's built-in step kind of that name; the pack is not loaded (rename the type in the pack)",
    });
    // Refused packs still say what they declared; only the good pack's nodes reach the registry.
    expect(packs.packs.find((summary) => summary.name === 'tl-twin-a')!.nodeTypes).toEqual(['twin.source']);
    const registry = composeRegistry({ builtins, packs });
    expect(registry.types().filter((type) => !builtins.some((node) => node.type === type))).toEqual(['good.source']);
    expect(registry.get('data.split')).toBe(builtins.find((node) => node.type === 'data.split'));
  });

  it('attributes step kinds a pack registers itself, while it is imported, to that pack and its module', async () => {
    const workspace = emptyWorkspace();
    const dir = writePack(
      workspace,
      'tl-self',
      {
        'index.js': [
          "import { registerStepKind } from 'tensorloom/sdk';",
          "registerStepKind({ kind: 'selfreg.noop', version: 1, parse: (fitted) => fitted, apply: (columns) => [...columns], flows: () => [] });",
          sourceNodeModule('selfreg.source'),
        ].join('\n'),
      },
      { version: '3.1.0' },
      { linked: true },
    );
    const packs = await loadPacks({ workspace, builtins });
    expect(packs.packs.map((pack) => [pack.name, pack.stepKinds, pack.error])).toEqual([['tl-self', ['selfreg.noop'], undefined]]);
    expect(stepKinds.provider('selfreg.noop')).toEqual({ builtIn: false, pack: 'tl-self', version: '3.1.0', module: pathToFileURL(join(dir, 'index.js')).href });
  });

  it('keeps the TENSORLOOM_PLUGINS module form: a file default-exporting definitions; a missing path or a folder without the keyword is reported', async () => {
    const workspace = emptyWorkspace();
    const module = join(workspace, 'my-nodes.mjs');
    writeFileSync(module, sourceNodeModule('mine.source'));
    const folder = join(workspace, 'no-keyword');
    mkdirSync(folder);
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'no-keyword', type: 'module' }));
    const packs = await loadPacks({ plugins: [module, join(workspace, 'missing.mjs'), folder], builtins });
    expect(packs.packs.map((pack) => [pack.name, pack.source, pack.error])).toEqual([
      ['my-nodes', 'TENSORLOOM_PLUGINS', undefined],
      ['missing', 'TENSORLOOM_PLUGINS', `TENSORLOOM_PLUGINS lists ${join(workspace, 'missing.mjs')}, which does not exist`],
      ['no-keyword', 'TENSORLOOM_PLUGINS', `${join(folder, 'package.json')}: "keywords" lacks "tensorloom-pack"; add it, so Tensorloom knows the package is a node pack`],
    ]);
  });

  it('a pipeline node recording a pack names it when the type is missing, and says why', async () => {
    const doc = (pack: string) => ({ format: 'tensorloom/pipeline@1' as const, name: 'p', nodes: [{ id: 'gen', type: 'skew.generate', pack, params: {} }], edges: [] });
    const without = validatePipeline(doc('tensorloom-pack-skew'), composeRegistry({ builtins }));
    expect(without.ok).toBe(false);
    expect(!without.ok && without.issues[0]).toMatchObject({
      code: 'unknown-type',
      nodeId: 'gen',
      field: 'type',
      message: "node 'gen': node type 'skew.generate' comes from the node pack 'tensorloom-pack-skew', which is not installed in this workspace; install it there (npm install tensorloom-pack-skew) or list it in TENSORLOOM_PLUGINS",
    });
    const failed = composeRegistry({ builtins, packs: { loaded: [], packs: [{ name: 'tensorloom-pack-skew', source: 'workspace', path: '/x', nodeTypes: [], stepKinds: [], error: 'syntax error in /x/index.js:2: Unexpected token' }] } });
    const broken = validatePipeline(doc('tensorloom-pack-skew'), failed);
    expect(!broken.ok && broken.issues[0]!.message).toBe(
      "node 'gen': node type 'skew.generate' comes from the node pack 'tensorloom-pack-skew', which is installed but did not load: syntax error in /x/index.js:2: Unexpected token (see 'tensorloom packs')",
    );
    const withPack = validatePipeline(doc('tensorloom-pack-skew'), composeRegistry({ builtins, packs: await loadPacks({ plugins: [EXAMPLE_PACK], builtins }) }));
    expect(withPack.ok).toBe(true);
  });

  it('registers a pack module\'s step kinds once per thread (what a worker thread does before a job)', async () => {
    const registry = new StepKindRegistry();
    const module = pathToFileURL(join(EXAMPLE_PACK, 'index.js')).href;
    await ensurePackModules([{ pack: 'tensorloom-pack-skew', version: '1.0.0', module }], registry);
    await ensurePackModules([{ pack: 'tensorloom-pack-skew', version: '1.0.0', module }], registry);
    expect(registry.provider('skew.log')).toEqual({ builtIn: false, pack: 'tensorloom-pack-skew', version: '1.0.0', module });
  });
});
