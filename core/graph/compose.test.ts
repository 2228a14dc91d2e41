/** One way to build a registry (built-ins, packs, extras), and the `pack` a pipeline node records. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineNode, type AnyNodeDefinition } from '../base/define-node.js';
import { port } from '../base/ports.js';
import { composeRegistry } from './compose.js';
import { parsePipelineValue } from './parse.js';
import { NodeRegistry } from './registry.js';
import { dataSplit, fixtureNodes } from './test-support/fixtures.js';
import { pipelineFileText, type PipelineDoc } from './types.js';
import { validatePipeline } from './validate.js';

/** Every optional part of a definition at once: what registries must take as it comes from defineNode. */
const everything = defineNode({
  type: 'test.everything',
  version: 2,
  migrations: [{ from: 1, migrate: (params) => params }],
  category: 'util',
  title: 'Everything',
  description: 'Optional ports, a worker, source files and a cache rule.',
  worker: { whenInputBytesOver: 1024 },
  module: import.meta.url,
  inputs: { table: port('table'), extra: port('model', { optional: true }) },
  outputs: { report: port('report') },
  params: z.object({ path: z.string().default('x.csv'), level: z.enum(['a', 'b']).default('a') }),
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  cacheable: (params) => params.level === 'a',
  async run({ inputs, params }) {
    return { report: { rows: inputs.table.table.numRows, level: params.level, model: inputs.extra?.dir ?? null } };
  },
});

const packNode = defineNode({
  type: 'mypack.source',
  version: 1,
  category: 'data',
  title: 'Pack source',
  description: 'A source from a pack.',
  inputs: {},
  outputs: { table: port('table') },
  params: z.object({}),
  run: async () => {
    throw new Error('not run here');
  },
});

describe('composeRegistry', () => {
  it('takes defineNode results as they are, with no cast', () => {
    // Compile-time: both lines fail `npm run typecheck` if defineNode's type stops fitting.
    const list: AnyNodeDefinition[] = [everything, packNode, ...fixtureNodes];
    const registry = new NodeRegistry([everything, packNode]);
    expect(list).toHaveLength(2 + fixtureNodes.length);
    expect(registry.get('test.everything')).toBe(everything);
  });

  it('adds built-ins, then the loaded packs under their names, then extras; records every pack found', () => {
    const summaries = [
      { name: 'mypack', version: '2.0.0', source: 'workspace' as const, path: '/w/node_modules/mypack', nodeTypes: ['mypack.source'], stepKinds: [] },
      { name: 'broken', source: 'TENSORLOOM_PLUGINS' as const, path: '/p/broken.mjs', nodeTypes: [], stepKinds: [], error: 'it exports no node definitions or step kinds' },
    ];
    const registry = composeRegistry({ builtins: fixtureNodes, packs: { loaded: [{ name: 'mypack', nodes: [packNode] }], packs: summaries }, extra: [everything] });
    expect(registry.types()).toEqual([...fixtureNodes.map((node) => node.type), 'mypack.source', 'test.everything'].sort());
    expect(registry.packOf('mypack.source')).toBe('mypack');
    expect(registry.packOf('test.everything')).toBeUndefined();
    expect(registry.catalog().find((entry) => entry.type === 'mypack.source')!.pack).toBe('mypack');
    expect(registry.catalog().find((entry) => entry.type === 'data.split')).not.toHaveProperty('pack');
    expect(registry.packs()).toEqual(summaries);
    // core/packs refuses clashes before composing; one that gets here anyway is a bug, named as such.
    expect(() => composeRegistry({ builtins: fixtureNodes, packs: { loaded: [{ name: 'mypack', nodes: [dataSplit] }], packs: [] } })).toThrow(
      "node type 'data.split' is registered twice (built in and pack 'mypack')",
    );
  });
});

describe("a pipeline node's pack", () => {
  // Built loosely on purpose: some of these nodes are not valid pipeline nodes.
  const doc = (node: Record<string, unknown>): PipelineDoc =>
    ({ format: 'tensorloom/pipeline@1', name: 'p', nodes: [{ id: 'load', type: 'data.source', params: { path: 'a.csv' } }, node], edges: [{ from: 'load.table', to: 'split.table' }] }) as unknown as PipelineDoc;

  it('is read, kept in the saved form after typeVersion, and never changes the hash', () => {
    const parsed = parsePipelineValue(doc({ id: 'split', type: 'data.split', pack: 'mypack', typeVersion: 1, label: 'Split', params: {} }));
    expect(parsed.ok && parsed.doc.nodes[1]!.pack).toBe('mypack');
    const text = pipelineFileText(parsed.ok ? parsed.doc : doc({}));
    expect(Object.keys((JSON.parse(text) as { nodes: Record<string, unknown>[] }).nodes[1]!)).toEqual(['id', 'type', 'typeVersion', 'pack', 'label', 'params']);
    const registry = composeRegistry({ builtins: fixtureNodes });
    const withPack = validatePipeline(doc({ id: 'split', type: 'data.split', pack: 'mypack', params: {} }), registry);
    const without = validatePipeline(doc({ id: 'split', type: 'data.split', params: {} }), registry);
    expect(withPack.ok && without.ok && withPack.pipeline.hash === without.pipeline.hash).toBe(true);
  });

  it('must be a pack name', () => {
    const parsed = parsePipelineValue(doc({ id: 'split', type: 'data.split', pack: 3, params: {} }));
    expect(!parsed.ok && parsed.issues).toEqual([
      { code: 'shape', message: `node 'split': "pack" must be the name of the node pack its type comes from (got 3)`, field: 'pack', path: 'nodes[1].pack', nodeId: 'split' },
    ]);
  });

  it("names the pack of an unknown type, and whether it is missing, broken, or lacks the type", () => {
    const node = { id: 'src', type: 'mypack.other', pack: 'mypack', params: {} };
    const message = (registry: NodeRegistry) => {
      const result = validatePipeline({ format: 'tensorloom/pipeline@1', name: 'p', nodes: [node], edges: [] }, registry);
      return result.ok ? '' : result.issues[0]!.message;
    };
    expect(message(composeRegistry({ builtins: fixtureNodes }))).toBe(
      "node 'src': node type 'mypack.other' comes from the node pack 'mypack', which is not installed in this workspace; install it there (npm install mypack) or list it in TENSORLOOM_PLUGINS",
    );
    const loaded = composeRegistry({ builtins: fixtureNodes, packs: { loaded: [{ name: 'mypack', nodes: [packNode] }], packs: [{ name: 'mypack', source: 'workspace', path: '/w', nodeTypes: ['mypack.source'], stepKinds: [] }] } });
    expect(message(loaded)).toBe(
      "node 'src': node type 'mypack.other' comes from the node pack 'mypack', which is loaded but has no such node type (it has mypack.source); a newer or older version of the pack may be installed",
    );
  });
});
