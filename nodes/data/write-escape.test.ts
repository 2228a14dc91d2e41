/**
 * No pipeline writes outside the workspace or into its `.tensorloom` store, by any link:
 * through the node, `tensorloom validate`, `tensorloom run` and the UI API's POST /api/runs.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorloom } from '../../cli/test-support/run-cli.js';
import type { TensorloomServer } from '../../core/server/index.js';
import { call, EventClient, startServer } from '../../core/server/test-support/server-fixture.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import csvNode from './csv.js';
import writeNode from './write.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'data');

const pipeline = (path: string) =>
  JSON.stringify({
    format: 'tensorloom/pipeline@1',
    name: 'escape',
    nodes: [
      { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
      { id: 'save', type: 'data.write', params: { path, format: 'csv' } },
    ],
    edges: [{ from: 'load.table', to: 'save.table' }],
  });

/** A workspace with data, and links that lead out of it and into its store in several ways. */
function linkedWorkspace() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'tensorloom-escape-')));
  const root = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(outside);
  mkdirSync(join(root, '.tensorloom'), { recursive: true });
  cpSync(EXAMPLES, join(root, 'data'), { recursive: true });
  symlinkSync(outside, join(root, 'data', 'linkdir')); // folder link out
  symlinkSync(join(root, 'data', 'linkdir'), join(root, 'data', 'linkdir2')); // link to a link
  symlinkSync('../.tensorloom', join(root, 'data', 'storelink')); // relative folder link into the store
  symlinkSync(root, join(root, 'data', 'rootlink')); // link to the workspace root
  symlinkSync(join(outside, 'planted.csv'), join(root, 'data', 'planted.csv')); // dangling file link out
  return { root, outside };
}

const ESCAPES = ['data/linkdir/x.csv', 'data/linkdir2/new/x.csv', 'data/planted.csv', 'data/rootlink/../outside/x.csv'];
const INTO_STORE = ['data/storelink/tensorloom.db', 'data/rootlink/.tensorloom/tensorloom.db', 'data/storelink/artifacts/x.csv'];

describe('data.write through links (node)', () => {
  it('refuses every escape and every route into the store, and writes nothing there', async () => {
    const { root, outside } = linkedWorkspace();
    const ctx = createTestContext({ root, nodeType: 'data.write' });
    const table = (await csvNode.run({ inputs: {}, params: csvNode.params.parse({ path: 'data/penguins.csv' }) }, ctx)).table;
    for (const path of ESCAPES) {
      const error = await expectNodeError(writeNode.run({ inputs: { table }, params: { path, format: 'csv' } }, ctx));
      expect(error.field, path).toBe('path');
      expect(error.message, path).toContain('outside the workspace');
    }
    for (const path of INTO_STORE) {
      const error = await expectNodeError(writeNode.run({ inputs: { table }, params: { path, format: 'csv' } }, ctx));
      expect(error.message, path).toContain("inside the workspace's .tensorloom folder");
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(join(root, '.tensorloom'))).toEqual([]);
    // A link that stays inside the workspace and outside the store still works.
    await writeNode.run({ inputs: { table }, params: { path: 'data/rootlink/out/ok.csv', format: 'csv' } }, ctx);
    expect(readFileSync(join(root, 'out', 'ok.csv'), 'utf8').split('\n')[0]).toContain('species');
  });
});

describe('data.write through links (CLI)', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    ({ root, outside } = linkedWorkspace());
    writeFileSync(join(root, 'ok.pipeline.json'), pipeline('out/ok.csv'));
    const first = tensorloom(['run', 'ok.pipeline.json', '--json'], { cwd: root });
    expect(first.status, first.stderr).toBe(0);
  });

  it('validate and run refuse a write through a link out of the workspace, before anything runs', () => {
    for (const path of ESCAPES) {
      writeFileSync(join(root, 'escape.pipeline.json'), pipeline(path));
      const validate = tensorloom(['validate', 'escape.pipeline.json'], { cwd: root });
      expect(validate.status, path).toBe(2);
      expect(validate.stderr).toContain(`node 'save': param 'path': '${path}' is outside the workspace`);
      expect(validate.stderr).not.toMatch(/\n\s+at /);
      const run = tensorloom(['run', 'escape.pipeline.json'], { cwd: root });
      expect(run.status, path).toBe(2);
      expect(run.stderr).toContain('[path-outside]');
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it('never replaces the workspace database through a link; the run history stays readable', () => {
    const database = readFileSync(join(root, '.tensorloom', 'tensorloom.db'));
    for (const path of INTO_STORE) {
      writeFileSync(join(root, 'store.pipeline.json'), pipeline(path));
      const run = tensorloom(['run', 'store.pipeline.json', '--json'], { cwd: root });
      expect(run.status, path).toBe(2);
      expect(run.stdout).toContain("inside the workspace's .tensorloom folder");
    }
    expect(readFileSync(join(root, '.tensorloom', 'tensorloom.db')).subarray(0, 16).toString()).toBe('SQLite format 3\0');
    expect(readFileSync(join(root, '.tensorloom', 'tensorloom.db')).length).toBeGreaterThanOrEqual(database.length);
    const runs = tensorloom(['runs', '--json'], { cwd: root });
    expect(runs.status, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'succeeded' })]));
  });

  it('validate warns about a source file that is not there, and refuses a read through a link out', () => {
    writeFileSync(
      join(root, 'read.pipeline.json'),
      JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'read', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data/nope.csv' } }], edges: [] }),
    );
    const missing = tensorloom(['validate', 'read.pipeline.json'], { cwd: root });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toContain("warning [missing-file]");
    writeFileSync(join(outside, 'secret.csv'), 'a\n1\n');
    writeFileSync(
      join(root, 'read.pipeline.json'),
      JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'read', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data/linkdir/secret.csv' } }], edges: [] }),
    );
    const escape = tensorloom(['validate', 'read.pipeline.json'], { cwd: root });
    expect(escape.status).toBe(2);
    expect(escape.stderr).toContain("node 'load': param 'path': 'data/linkdir/secret.csv' is outside the workspace");
  });
});

describe('data.write through links (UI API, real HTTP)', () => {
  let server: TensorloomServer;
  let events: EventClient;
  let outside: string;
  beforeAll(async () => {
    const made = linkedWorkspace();
    outside = made.outside;
    server = await startServer({ workspaceRoot: made.root });
    events = await EventClient.connect(server);
  });
  afterAll(async () => {
    events.close();
    await server.close();
  });

  it('POST /api/validate refuses a write through a link, as tensorloom validate does', async () => {
    const answer = await call(server, 'POST', '/api/validate', { body: { document: JSON.parse(pipeline('data/storelink/tensorloom.db')) } });
    expect(answer.status).toBe(200);
    expect(answer.json()).toMatchObject({
      ok: false,
      issues: [expect.objectContaining({ severity: 'error', nodeId: 'save', field: 'path', message: expect.stringContaining("inside the workspace's .tensorloom folder") })],
    });
    const fine = await call(server, 'POST', '/api/validate', { body: { document: JSON.parse(pipeline('out/fine.csv')), path: 'p.pipeline.json' } });
    expect(fine.json()).toMatchObject({ ok: true });
  });

  it('a run posted with a write through a link fails on that node and writes nothing outside or in the store', async () => {
    for (const path of [...ESCAPES, ...INTO_STORE]) {
      const answer = await call(server, 'POST', '/api/runs', { body: { document: JSON.parse(pipeline(path)), path: 'escape.pipeline.json' } });
      expect(answer.status, answer.text).toBe(202);
      const { runId } = answer.json() as { runId: string };
      const finished = await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
      expect(finished, path).toMatchObject({ status: 'failed' });
      const run = (await call(server, 'GET', `/api/runs/${runId}`)).json() as { nodes: Record<string, { status: string; error?: string }> };
      expect(run.nodes.save, path).toMatchObject({ status: 'failed', error: expect.stringMatching(/outside the workspace|inside the workspace's \.tensorloom folder/) });
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(server.workspaceRoot, '.tensorloom', 'artifacts', 'x.csv'))).toBe(false);
    expect((await call(server, 'GET', '/api/runs?limit=50')).status).toBe(200);
  });
});
