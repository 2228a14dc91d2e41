/**
 * Versioned node types through the real CLI: `test.offset` (core/graph/test-support/
 * versioned-node.ts) is at version 2 and renames its version-1 param `plus` to `amount`. It is
 * loaded as a plugin, as a third-party node pack would be.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, tensorloom } from './test-support/run-cli.js';

const env = { TENSORLOOM_PLUGINS: join(REPO, 'cli', 'test-support', 'versioned-plugin.ts') };

/** A file saved when test.offset was at version 1: `a` has no typeVersion (so 1), `b` is already at 2. */
const OLD_TEXT = `{
  "format": "tensorloom/pipeline@1",
  "name": "offsets",
  "description": "two offsets in a row",
  "nodes": [
    { "id": "a", "type": "test.offset", "params": { "plus": 3 }, "position": { "x": 10.5, "y": 0 }, "label": "First" },
    { "id": "b", "type": "test.offset", "typeVersion": 2, "params": { "amount": 4, "note": "n" } },
    { "id": "load", "type": "data.csv", "params": { "path": "data/none.csv" }, "position": { "x": 0, "y": 200 } }
  ],
  "edges": [ { "from": "a.out", "to": "b.in" } ]
}
`;

/** What `tensorloom migrate` writes: the UI's saved form (key order, two spaces), typeVersion on every node. */
const MIGRATED_TEXT = `{
  "format": "tensorloom/pipeline@1",
  "name": "offsets",
  "description": "two offsets in a row",
  "nodes": [
    {
      "id": "a",
      "type": "test.offset",
      "typeVersion": 2,
      "label": "First",
      "params": {
        "amount": 3
      },
      "position": {
        "x": 10.5,
        "y": 0
      }
    },
    {
      "id": "b",
      "type": "test.offset",
      "typeVersion": 2,
      "params": {
        "amount": 4,
        "note": "n"
      }
    },
    {
      "id": "load",
      "type": "data.csv",
      "typeVersion": 1,
      "params": {
        "path": "data/none.csv"
      },
      "position": {
        "x": 0,
        "y": 200
      }
    }
  ],
  "edges": [
    {
      "from": "a.out",
      "to": "b.in"
    }
  ]
}
`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-migrate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('tensorloom migrate', () => {
  it('--check lists what needs migrating and writes nothing; migrate rewrites the file once; then it is current', () => {
    const dir = workspace({ 'p.pipeline.json': OLD_TEXT });
    const file = join(dir, 'p.pipeline.json');

    const check = tensorloom(['migrate', 'p.pipeline.json', '--check'], { cwd: dir, env });
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('p.pipeline.json: 1 node saved by an older version of its type:\n  a: test.offset version 1 → 2\n');
    expect(readFileSync(file, 'utf8')).toBe(OLD_TEXT);

    const migrate = tensorloom(['migrate', 'p.pipeline.json'], { cwd: dir, env });
    expect(migrate.status).toBe(0);
    expect(migrate.stdout).toContain('p.pipeline.json: migrated 1 node:\n  a: test.offset version 1 → 2\n');
    expect(readFileSync(file, 'utf8')).toBe(MIGRATED_TEXT);
    // Atomic write: no temp file left beside it.
    expect(readdirSync(dir)).toEqual(['p.pipeline.json']);

    const modified = statSync(file).mtimeMs;
    const again = tensorloom(['migrate', 'p.pipeline.json'], { cwd: dir, env });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('already current; nothing to change');
    expect(readFileSync(file, 'utf8')).toBe(MIGRATED_TEXT);
    expect(statSync(file).mtimeMs).toBe(modified);

    expect(tensorloom(['migrate', 'p.pipeline.json', '--check'], { cwd: dir, env })).toMatchObject({ status: 0, stdout: expect.stringContaining("every node is at its type's current version") });
  });

  it('writes typeVersion on nodes that were already current', () => {
    const text = JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'one', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'a.csv' } }] });
    const dir = workspace({ 'one.pipeline.json': text });
    expect(tensorloom(['migrate', 'one.pipeline.json', '--check'], { cwd: dir }).status).toBe(0);
    const result = tensorloom(['migrate', 'one.pipeline.json'], { cwd: dir });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("every node was current; wrote each node's typeVersion");
    expect(JSON.parse(readFileSync(join(dir, 'one.pipeline.json'), 'utf8'))).toEqual({
      format: 'tensorloom/pipeline@1',
      name: 'one',
      nodes: [{ id: 'load', type: 'data.csv', typeVersion: 1, params: { path: 'a.csv' } }],
      edges: [],
    });
  });

  it('refuses a node from a newer version, and a migration that throws, leaving the file untouched (exit 2)', () => {
    const newer = OLD_TEXT.replace('"typeVersion": 2', '"typeVersion": 3');
    const failing = OLD_TEXT.replace('"plus": 3', '"plus": "three"');
    const dir = workspace({ 'newer.pipeline.json': newer, 'failing.pipeline.json': failing, 'broken.pipeline.json': '{ "format": ' });

    const refused = tensorloom(['migrate', 'newer.pipeline.json'], { cwd: dir, env });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("error [newer-version] node 'b': test.offset version 3 is newer than this Tensorloom's (version 2); update Tensorloom to open this file");
    expect(refused.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack
    expect(readFileSync(join(dir, 'newer.pipeline.json'), 'utf8')).toBe(newer);
    expect(tensorloom(['migrate', 'newer.pipeline.json', '--check'], { cwd: dir, env }).status).toBe(2);

    const thrown = tensorloom(['migrate', 'failing.pipeline.json'], { cwd: dir, env });
    expect(thrown.status).toBe(2);
    expect(thrown.stderr).toMatch(/failing\.pipeline\.json:6:\d+: error \[migration-failed\] node 'a': migrating test\.offset from version 1 to 2 failed: 'plus' must be a number to become 'amount' \(got "three"\)/);
    expect(readFileSync(join(dir, 'failing.pipeline.json'), 'utf8')).toBe(failing);

    expect(tensorloom(['migrate', 'broken.pipeline.json'], { cwd: dir, env }).status).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['broken.pipeline.json', 'failing.pipeline.json', 'newer.pipeline.json']);
  });
});

describe('tensorloom validate and run with an old file', () => {
  /** Only the offsets: a run needs no data. */
  const RUNNABLE = JSON.stringify({
    format: 'tensorloom/pipeline@1',
    name: 'offsets',
    nodes: [
      { id: 'a', type: 'test.offset', params: { plus: 3 } },
      { id: 'b', type: 'test.offset', typeVersion: 2, params: { amount: 4 } },
    ],
    edges: [{ from: 'a.out', to: 'b.in' }],
  }, null, 2);

  it('validate warns about each node to migrate and lists them in --json', () => {
    const dir = workspace({ 'p.pipeline.json': RUNNABLE });
    const text = tensorloom(['validate', 'p.pipeline.json'], { cwd: dir, env });
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("warning [needs-migration] node 'a': test.offset version 1 is older than this Tensorloom's (version 2)");
    const json = JSON.parse(tensorloom(['validate', 'p.pipeline.json', '--json'], { cwd: dir, env }).stdout) as { migrated: unknown };
    expect(json.migrated).toEqual([{ nodeId: 'a', type: 'test.offset', from: 1, to: 2 }]);
  });

  it('run migrates in memory, says so once, leaves the file alone, and shares its cache with the migrated file', () => {
    const dir = workspace({ 'p.pipeline.json': RUNNABLE });
    const text = tensorloom(['run', 'p.pipeline.json'], { cwd: dir, env });
    expect(text.status).toBe(0);
    expect(text.stderr).toContain("migrated in memory (the file is unchanged): a (test.offset 1 → 2); run 'tensorloom migrate p.pipeline.json' to update the file");
    expect(text.stderr).not.toContain('[needs-migration]');
    expect(text.stdout).toMatch(/b\s+value\s+7/);
    expect(readFileSync(join(dir, 'p.pipeline.json'), 'utf8')).toBe(RUNNABLE);

    const json = JSON.parse(tensorloom(['run', 'p.pipeline.json', '--json'], { cwd: dir, env }).stdout) as { migrated: unknown; metrics: Record<string, Record<string, number>>; nodes: Record<string, { cached: boolean }> };
    expect(json.migrated).toEqual([{ nodeId: 'a', type: 'test.offset', from: 1, to: 2 }]);
    expect(json.metrics).toMatchObject({ a: { value: 3 }, b: { value: 7 } });

    // After `tensorloom migrate` the params are the same ones, so every result is reused.
    expect(tensorloom(['migrate', 'p.pipeline.json'], { cwd: dir, env }).status).toBe(0);
    const after = JSON.parse(tensorloom(['run', 'p.pipeline.json', '--json'], { cwd: dir, env }).stdout) as typeof json;
    expect(after.migrated).toEqual([]);
    expect(Object.values(after.nodes).map((node) => node.cached)).toEqual([true, true]);
  });

  it('run refuses a node from a newer version (exit 2)', () => {
    const dir = workspace({ 'p.pipeline.json': RUNNABLE.replace('"typeVersion": 2', '"typeVersion": 9') });
    const result = tensorloom(['run', 'p.pipeline.json'], { cwd: dir, env });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("node 'b': test.offset version 9 is newer than this Tensorloom's (version 2); update Tensorloom to open this file");
  });
});
