import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { cacheKey } from '../engine/cache-key.js';
import { defineNode } from '../base/define-node.js';
import { port } from '../base/ports.js';
import { pipelineHash } from './canonical.js';
import { loadPipelineFile } from './load.js';
import { migratePipeline } from './migrate.js';
import { parsePipelineText } from './parse.js';
import { codes, fixtureRegistry, pipelineDoc } from './test-support/fixtures.js';
import { lateChainNode, offsetNode } from './test-support/versioned-node.js';
import { pipelineFileText, savedPipelineDoc } from './types.js';
import type { PipelineDoc, PipelineNode } from './types.js';
import { validatePipeline } from './validate.js';

const registry = fixtureRegistry([offsetNode, lateChainNode]);

/** A pipeline saved when test.offset was at version 1 (no typeVersion: version 1). */
function oldDoc(params: Record<string, unknown> = { plus: 3 }, extra: Partial<PipelineNode> = {}): PipelineDoc {
  return pipelineDoc([
    { id: 'load', type: 'data.source', params: { path: 'a.csv' }, position: { x: 0, y: 0 } },
    { id: 'off', type: 'test.offset', label: 'Shift', params, position: { x: 200, y: 10 }, ...extra },
  ]);
}

describe('validatePipeline: versioned node types', () => {
  it('migrates an older node in memory, checks the migrated params and warns', () => {
    const doc = oldDoc();
    const before = structuredClone(doc);
    const result = validatePipeline(doc, registry);
    if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
    expect(result.pipeline.nodes.get('off')!.params).toEqual({ amount: 3, note: '' });
    expect(result.migrated).toEqual([{ nodeId: 'off', type: 'test.offset', from: 1, to: 2 }]);
    expect(result.warnings.filter((warning) => warning.code === 'needs-migration')).toEqual([
      {
        code: 'needs-migration',
        message: "node 'off': test.offset version 1 is older than this Tensorloom's (version 2); its params were migrated in memory — save the file (or run 'tensorloom migrate') to update it",
        nodeId: 'off',
        field: 'typeVersion',
        path: 'nodes[1]',
      },
    ]);
    // The resolved document says every node's version; the input is left alone.
    expect(result.pipeline.doc.nodes.map((node) => [node.id, node.typeVersion, node.params])).toEqual([
      ['load', 1, { path: 'a.csv' }],
      ['off', 2, { amount: 3 }],
    ]);
    expect(doc).toEqual(before);
  });

  it('hashes a migrated node like the same node saved at the current version', () => {
    const old = validatePipeline(oldDoc(), registry);
    const current = validatePipeline(oldDoc({ amount: 3 }, { typeVersion: 2 }), registry);
    if (!old.ok || !current.ok) throw new Error('expected both to validate');
    expect(current.migrated).toEqual([]);
    expect(current.warnings.map((warning) => warning.code)).not.toContain('needs-migration');
    expect(old.pipeline.hash).toBe(current.pipeline.hash);
    expect(pipelineHash(oldDoc(), registry)).toBe(current.pipeline.hash);
  });

  it('checks the params after migration: a wrong value is reported by its new name', () => {
    const result = validatePipeline(oldDoc({ plus: 3, note: 7 }), registry);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.objectContaining({ code: 'invalid-param', nodeId: 'off', field: 'note' })]);
  });

  it('refuses a node saved by a newer version of its type', () => {
    const result = validatePipeline(oldDoc({ amount: 1 }, { typeVersion: 3 }), registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      {
        code: 'newer-version',
        message: "node 'off': test.offset version 3 is newer than this Tensorloom's (version 2); update Tensorloom to open this file",
        nodeId: 'off',
        field: 'typeVersion',
        path: 'nodes[1].typeVersion',
      },
    ]);
  });

  it('passes params unchanged through versions without a step (a bump for results only)', () => {
    // test.late has a step from version 2 only: 1 → 2 kept the params, 2 → 3 sets level.
    const fromOne = validatePipeline(pipelineDoc([{ id: 'late', type: 'test.late', typeVersion: 1, params: { level: 'v1' } }]), registry);
    expect(fromOne.ok && fromOne.pipeline.nodes.get('late')!.params).toEqual({ level: 'v3' });
    expect(fromOne.ok && fromOne.warnings.map((warning) => warning.code)).toEqual(['needs-migration']);
    // A type with no migrations at all opens old files as they are.
    const plain = validatePipeline(pipelineDoc([{ id: 'x', type: 'test.noMigrations', typeVersion: 1, params: { level: 'kept' } }]), fixtureRegistry([defineNode({ ...lateChainNode, type: 'test.noMigrations', migrations: [] })]));
    expect(plain.ok && plain.pipeline.nodes.get('x')!.params).toEqual({ level: 'kept' });
    // …silently: a version bumped for its results only needs no migration note, and the
    // document comes back at the current version.
    expect(plain.ok && plain.warnings).toEqual([]);
    expect(plain.ok && plain.migrated).toEqual([]);
    expect(plain.ok && plain.pipeline.doc.nodes[0]!.typeVersion).toBe(3);
  });

  it('reports a migration step that throws, naming node, type and versions, and goes on checking', () => {
    const doc = pipelineDoc([
      { id: 'off', type: 'test.offset', params: { plus: 'three' } },
      { id: 'split', type: 'data.split' },
    ]);
    const result = validatePipeline(doc, registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues[0]).toEqual({
      code: 'migration-failed',
      message: `node 'off': migrating test.offset from version 1 to 2 failed: 'plus' must be a number to become 'amount' (got "three")`,
      nodeId: 'off',
      field: 'typeVersion',
      path: 'nodes[0]',
    });
    // Its old params are not also reported as unknown to the new schema; other nodes are still checked.
    expect(codes(result.issues)).toEqual(['migration-failed', 'missing-input']);
  });

  it('reports a step that returns something other than plain JSON params', () => {
    const broken = defineNode({
      ...offsetNode,
      type: 'test.broken',
      migrations: [{ from: 1, migrate: (params) => ({ ...params, when: new Date(0) }) }],
    });
    const result = validatePipeline(pipelineDoc([{ id: 'b', type: 'test.broken' }]), fixtureRegistry([broken]));
    expect(result.ok === false && result.issues[0]!.message).toBe(
      "node 'b': migrating test.broken from version 1 to 2 failed: the params it returned is a Date, not a plain object (a bug in the node definition)",
    );
  });

  it('does not let a step that edits its argument change the document', () => {
    const mutating = defineNode({
      ...offsetNode,
      type: 'test.mutating',
      migrations: [
        {
          from: 1,
          migrate(params) {
            params['amount'] = params['plus'];
            delete params['plus'];
            return params;
          },
        },
      ],
    });
    const doc = pipelineDoc([{ id: 'm', type: 'test.mutating', params: { plus: 4 } }]);
    const result = validatePipeline(doc, fixtureRegistry([mutating]));
    expect(result.ok && result.pipeline.nodes.get('m')!.params).toEqual({ amount: 4, note: '' });
    expect(doc.nodes[0]!.params).toEqual({ plus: 4 });
  });
});

describe('migratePipeline', () => {
  it('brings every known node to its version, writes typeVersion on all of them, and keeps the rest', () => {
    const doc = oldDoc();
    doc.nodes.push({ id: 'mystery', type: 'no.such', params: { a: 1 } });
    const result = migratePipeline(doc, registry);
    expect(result.issues).toEqual([]);
    expect(result.migrated).toEqual([{ nodeId: 'off', type: 'test.offset', from: 1, to: 2 }]);
    expect(result.doc.nodes).toEqual([
      { id: 'load', type: 'data.source', typeVersion: 1, params: { path: 'a.csv' }, position: { x: 0, y: 0 } },
      { id: 'off', type: 'test.offset', typeVersion: 2, label: 'Shift', params: { amount: 3 }, position: { x: 200, y: 10 } },
      { id: 'mystery', type: 'no.such', params: { a: 1 } },
    ]);
  });

  it('is idempotent: a migrated document needs nothing more', () => {
    const once = migratePipeline(oldDoc(), registry);
    const twice = migratePipeline(once.doc, registry);
    expect(twice.migrated).toEqual([]);
    expect(pipelineFileText(twice.doc)).toBe(pipelineFileText(once.doc));
  });
});

describe('the saved form', () => {
  it('writes keys in a fixed order, typeVersion after type, and round-trips through the parser', () => {
    const migrated = migratePipeline(oldDoc(), registry).doc;
    const text = pipelineFileText(migrated);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('"id": "off",\n      "type": "test.offset",\n      "typeVersion": 2,\n      "label": "Shift",\n      "params": {');
    const parsed = parsePipelineText(text);
    expect(parsed.ok && pipelineFileText(parsed.doc)).toBe(text);
    expect(parsed.ok && savedPipelineDoc(parsed.doc)).toEqual(JSON.parse(text));
  });
});

describe('loadPipelineFile: versioned node types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-migrate-'));

  it('migrates before --set, so overrides use the current param names', async () => {
    const path = join(dir, 'old.json');
    const text = JSON.stringify(oldDoc(), null, 2);
    writeFileSync(path, text);
    const result = await loadPipelineFile(path, registry, { sets: ['off.amount=10'] });
    if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
    expect(result.pipeline.nodes.get('off')!.params).toEqual({ amount: 10, note: '' });
    expect(result.migrated).toEqual([{ nodeId: 'off', type: 'test.offset', from: 1, to: 2 }]);
    // At the node's opening brace: the file has no typeVersion to point at.
    const line = text.split('\n').findIndex((candidate) => candidate.includes('"id": "off"'));
    expect(result.warnings.filter((warning) => warning.code === 'needs-migration')).toEqual([expect.objectContaining({ nodeId: 'off', file: path, line, column: 5 })]);
  });

  it('locates a newer-version error at the typeVersion in the text', async () => {
    const path = join(dir, 'newer.json');
    const text = JSON.stringify(oldDoc({}, { typeVersion: 5 }), null, 2);
    writeFileSync(path, text);
    const result = await loadPipelineFile(path, registry);
    const line = text.split('\n').findIndex((candidate) => candidate.includes('"typeVersion": 5')) + 1;
    expect(result.ok === false && result.issues).toEqual([expect.objectContaining({ code: 'newer-version', file: path, line, column: 7 })]);
  });
});

describe('the cache key and versions', () => {
  it('includes the definition version, so a new version never reuses an old result', () => {
    const bumped = defineNode({ ...offsetNode, version: 3, migrations: [...offsetNode.migrations!, { from: 2, migrate: (params) => params }] });
    const params = { amount: 1, note: '' };
    expect(cacheKey(bumped as never, params, {}, {})).not.toBe(cacheKey(offsetNode as never, params, {}, {}));
  });

  it('is the same for an old node migrated in memory and the node after `tensorloom migrate`', () => {
    const old = validatePipeline(oldDoc(), registry);
    const migrated = validatePipeline(migratePipeline(oldDoc(), registry).doc, registry);
    if (!old.ok || !migrated.ok) throw new Error('expected both to validate');
    const key = (result: typeof old) => {
      const node = result.pipeline.nodes.get('off')!;
      return cacheKey(node.definition, node.params, {}, {});
    };
    expect(key(old)).toBe(key(migrated));
  });
});

describe('defineNode: migration chains', () => {
  const base = {
    type: 'test.chain',
    category: 'util' as const,
    title: 'Chain',
    description: 'A test node.',
    inputs: {},
    outputs: { out: port('metrics') },
    params: z.object({}),
    run: async () => ({ out: {} }),
  };
  const step = (from: number) => ({ from, migrate: (params: Record<string, unknown>) => params });

  it('accepts steps from any versions below the current one, in any order, with gaps', () => {
    expect(() => defineNode({ ...base, version: 4, migrations: [step(3), step(1), step(2)] })).not.toThrow();
    expect(() => defineNode({ ...base, version: 4, migrations: [step(1), step(3)] })).not.toThrow();
    expect(() => defineNode({ ...base, version: 4, migrations: [step(1)] })).not.toThrow();
  });

  it.each([
    ['a duplicate', 3, [1, 2, 2], "node definition 'test.chain': version 2 has two migrations; give each version at most one"],
    ['a step from the current version', 2, [1, 2], "node definition 'test.chain': a migration's 'from' must be a version from 1 to 1 (got 2)"],
    ['a step from version 0', 2, [0, 1], "node definition 'test.chain': a migration's 'from' must be a version from 1 to 1 (got 0)"],
  ])('refuses %s', (_what, version, froms, message) => {
    expect(() => defineNode({ ...base, version, migrations: froms.map(step) })).toThrow(message);
  });
});
