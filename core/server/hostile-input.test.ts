/**
 * File names and bodies the file system or the JSON walkers cannot take, over real HTTP:
 * each is a 4xx naming the problem, never a 500, and no answer names a machine path.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeRegistry } from '../graph/registry.js';
import { ArtifactStore } from '../store/index.js';
import { HttpError, withoutMachinePaths } from './http.js';
import type { TensorloomServer } from './index.js';
import { call, exampleWorkspace, startServer, testRegistry, type Answer } from './test-support/server-fixture.js';
import { fileError } from './workspace-files.js';

const EMPTY = { format: 'tensorloom/pipeline@1', name: 'x', nodes: [], edges: [] };

/** JSON text nested exactly `depth` levels deep (objects inside the body's own object). */
function nestedBody(depth: number): string {
  // `{"document": {…pipeline…, "x": [[…]]}}`: the body is level 1, the document level 2.
  const arrays = depth - 2;
  return `{"document":{"format":"tensorloom/pipeline@1","name":"x","nodes":[],"edges":[],"x":${'['.repeat(arrays)}${']'.repeat(arrays)}}}`;
}

function expectNoMachinePath(answer: Answer, server: TensorloomServer): void {
  expect(answer.text).not.toContain(server.workspaceRoot);
  expect(answer.text).not.toContain(tmpdir());
  expect(answer.text).not.toContain(homedir());
}

describe('server: hostile file names and bodies', () => {
  let server: TensorloomServer;
  const q = (path: string) => `/api/pipelines/file?path=${encodeURIComponent(path)}`;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  /** The same path through every route that takes one: read, save, run, list runs. */
  async function everyRoute(path: string): Promise<Answer[]> {
    return [
      await call(server, 'GET', q(path)),
      await call(server, 'PUT', q(path), { body: { document: EMPTY } }),
      await call(server, 'POST', '/api/runs', { body: { document: EMPTY, path } }),
      await call(server, 'GET', `/api/runs?path=${encodeURIComponent(path)}`),
    ];
  }

  it('refuses a 300-character file name with 400 naming the limit (was a 500 with absolute paths)', async () => {
    const name = `${'a'.repeat(300)}.pipeline.json`;
    for (const answer of await everyRoute(name)) {
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ error: expect.stringContaining('has a name of 314 bytes; file and folder names can be at most 255 bytes') });
      expectNoMachinePath(answer, server);
    }
    // Bytes, not characters: 100 euro signs are 300 bytes.
    const euros = await call(server, 'PUT', q(`${'€'.repeat(100)}.pipeline.json`), { body: { document: EMPTY } });
    expect(euros.status).toBe(400);
    expect(euros.json()).toEqual({ error: expect.stringContaining('has a name of 314 bytes') });
    const folder = await call(server, 'PUT', q(`${'f'.repeat(256)}/x.pipeline.json`), { body: { document: EMPTY } });
    expect(folder.status).toBe(400);
    expect(folder.json()).toEqual({ error: expect.stringContaining('has a name of 256 bytes') });
    // 255 is still fine.
    const longest = `${'b'.repeat(255 - '.pipeline.json'.length)}.pipeline.json`;
    expect((await call(server, 'PUT', q(longest), { body: { document: EMPTY } })).status).toBe(200);
    expect((await call(server, 'GET', q(longest))).status).toBe(200);
  });

  it('refuses paths over 1,024 bytes, and names with NUL or other control characters', async () => {
    for (const answer of await everyRoute(`${'abcdefgh/'.repeat(120)}x.pipeline.json`)) {
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ error: expect.stringContaining('is 1,095 bytes long; a pipeline path can be at most 1,024 bytes') });
    }
    for (const path of ['a\0.pipeline.json', 'data/\0/x.pipeline.json', 'a\nb.pipeline.json', 'tab\t.pipeline.json']) {
      for (const answer of await everyRoute(path)) {
        expect(answer.status, JSON.stringify(path)).toBe(400);
        expect(answer.json()).toEqual({ error: expect.stringContaining('may not contain control characters (such as NUL or a line break)') });
      }
    }
  });

  it('a name that is a folder, or a path through a file, is a 400 naming the workspace path', async () => {
    mkdirSync(join(server.workspaceRoot, 'folder.pipeline.json'));
    const read = await call(server, 'GET', q('folder.pipeline.json'));
    expect(read.status).toBe(400);
    expect(read.json()).toEqual({ error: 'folder.pipeline.json is a folder, not a pipeline file' });
    const save = await call(server, 'PUT', q('folder.pipeline.json'), { body: { document: EMPTY } });
    expect(save.status).toBe(400);
    expect(save.json()).toEqual({ error: 'folder.pipeline.json is a folder, not a pipeline file' });
    expectNoMachinePath(save, server);

    const through = await call(server, 'PUT', q('data/penguins.csv/x.pipeline.json'), { body: { document: EMPTY } });
    expect(through.status).toBe(400);
    expect(through.json()).toEqual({ error: 'cannot save data/penguins.csv/x.pipeline.json: data/penguins.csv is a file, not a folder' });
    expect((await call(server, 'GET', q('data/penguins.csv/x.pipeline.json'))).status).toBe(404);
  });

  it('a loop of links is a 400, not a 500 naming the absolute path', async () => {
    symlinkSync('loop-b', join(server.workspaceRoot, 'loop-a'));
    symlinkSync('loop-a', join(server.workspaceRoot, 'loop-b'));
    for (const answer of await everyRoute('loop-a/x.pipeline.json')) {
      expect(answer.status).toBe(400);
      expect(answer.json()).toEqual({ error: 'path "loop-a/x.pipeline.json" goes through a loop of links (or a link that cannot be read)' });
      expectNoMachinePath(answer, server);
    }
  });

  it('refuses JSON bodies nested deeper than 256 levels with 400 on every body route (was a 500 stack overflow)', async () => {
    const deep = `{"document":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    const routes: [string, string][] = [
      ['PUT', q('deep.pipeline.json')],
      ['POST', '/api/validate'],
      ['POST', '/api/runs'],
    ];
    for (const [method, path] of routes) {
      for (const raw of [deep, '['.repeat(100_000), nestedBody(257)]) {
        const answer = await call(server, method, path, { raw });
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(answer.json()).toEqual({ error: expect.stringMatching(/^request body is refused: the document is nested more than 256 levels deep \(line 1, column \d+\)$/) });
      }
    }
    // Nothing was saved, and exactly 256 levels is still accepted.
    expect((await call(server, 'GET', q('deep.pipeline.json'))).status).toBe(404);
    const atLimit = await call(server, 'POST', '/api/validate', { raw: nestedBody(256) });
    expect(atLimit.status).toBe(200);
    expect((await call(server, 'GET', '/api/health')).status).toBe(200);
  });

  it('opens a deeply nested pipeline file on disk: 200, document null, the issue says why', async () => {
    writeFileSync(join(server.workspaceRoot, 'nested.pipeline.json'), `${'['.repeat(5000)}${']'.repeat(5000)}`);
    const answer = await call(server, 'GET', q('nested.pipeline.json'));
    expect(answer.status).toBe(200);
    const body = answer.json() as { document: unknown; issues: { code: string; message: string }[] };
    expect(body.document).toBeNull();
    expect(body.issues[0]).toMatchObject({ code: 'json', message: 'invalid JSON: the document is nested more than 256 levels deep' });
    expect((await call(server, 'GET', '/api/pipelines')).status).toBe(200);
  });

  it('refuses to open a pipeline file over 5 MiB', async () => {
    writeFileSync(join(server.workspaceRoot, 'huge.pipeline.json'), Buffer.alloc(6 * 1024 * 1024, 0x20));
    const answer = await call(server, 'GET', q('huge.pipeline.json'));
    expect(answer.status).toBe(413);
    expect(answer.json()).toEqual({ error: 'huge.pipeline.json is 6.0 MiB; pipeline files can be at most 5 MiB' });
  });

  it('artifact previews that fail name the artifact, not its file', async () => {
    const artifacts = new ArtifactStore(join(server.workspaceRoot, '.tensorloom'));
    const json = await artifacts.putBytes('{"accuracy": 0.9}');
    const asTable = await call(server, 'GET', `/api/artifacts/${json.hash}/preview?type=table`);
    expect(asTable.status).toBe(400);
    expect(asTable.json()).toEqual({ error: expect.stringMatching(new RegExp(`^artifact ${json.hash} is not a table: it is not an Arrow IPC`)) });
    expectNoMachinePath(asTable, server);
    const deep = await artifacts.putBytes(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    const report = await call(server, 'GET', `/api/artifacts/${deep.hash}/preview?type=report`);
    expect(report.status).toBe(400);
    expect(report.json()).toEqual({ error: `artifact ${deep.hash} is not JSON the preview can show: the document is nested more than 256 levels deep` });
  });
});

describe('server: hostile URL paths for the renderer files', () => {
  it('a URL naming no file (too long, through a file, nested too deep) gets the app or 404, never a 500', async () => {
    const rendererDir = mkdtempSync(join(tmpdir(), 'tensorloom-renderer-'));
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tensorloom</title>');
    const server = await startServer({ rendererDir });
    try {
      // Without an extension a path is a client-side route: the app; with one, a missing file: 404.
      for (const [path, status] of [
        [`/${'a'.repeat(300)}`, 200],
        [`/${'a'.repeat(300)}.js`, 404],
        ['/index.html/x', 200],
        ['/index.html/x.js', 404],
        [`/assets/${'b/'.repeat(3000)}x.js`, 404],
      ] as const) {
        const answer = await call(server, 'GET', path);
        expect({ path: path.slice(0, 40), status: answer.status }).toEqual({ path: path.slice(0, 40), status });
        expect(answer.text).not.toContain(rendererDir);
      }
      // Ids that name nothing: 404, whatever they hold.
      expect((await call(server, 'GET', '/api/runs/%00')).status).toBe(404);
      expect((await call(server, 'POST', `/api/runs/${'r'.repeat(300)}/cancel`)).status).toBe(404);
    } finally {
      await server.close();
      rmSync(rendererDir, { recursive: true, force: true });
    }
  });
});

describe('server: paths the operating system refuses', () => {
  it('an OS refusal the server did not foresee (a file system with shorter names) is a 4xx naming the workspace path', async () => {
    // A real ENAMETOOLONG from the OS, as eCryptfs (143-byte names) would give for a name
    // the server's own 255-byte limit lets through.
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-fs-'));
    const tooLong = await readFile(join(root, 'n'.repeat(300))).catch((error: unknown) => error);
    expect(tooLong).toMatchObject({ code: 'ENAMETOOLONG' });
    const read = fileError(tooLong, root, 'short.pipeline.json', 'read') as HttpError;
    expect(read).toBeInstanceOf(HttpError);
    expect([read.status, read.message]).toEqual([400, 'cannot read short.pipeline.json: the path is too long for this file system']);
    // /sys refuses new folders even to root (EPERM).
    const denied = await mkdir('/sys/tensorloom-cannot').catch((error: unknown) => error);
    expect(denied).toMatchObject({ code: 'EPERM' });
    const save = fileError(denied, root, 'x.pipeline.json', 'save') as HttpError;
    expect([save.status, save.message]).toEqual([403, 'cannot save x.pipeline.json: permission denied']);
    const other = new Error('something else');
    expect(fileError(other, root, 'x.pipeline.json', 'save')).toBe(other);
    rmSync(root, { recursive: true, force: true });
  });

  it('takes out whole machine paths only, never part of a workspace path', () => {
    const tmp = tmpdir();
    expect(withoutMachinePaths(`open '${join(tmp, 'ws', 'a.json')}'`, [join(tmp, 'ws')])).toBe("open '<workspace>/a.json'");
    expect(withoutMachinePaths(`open '${join(tmp, 'other')}'`, [join(tmp, 'ws')])).toBe("open '<tmp>/other'");
    // A workspace path that happens to contain the temp folder's name, and a longer name.
    expect(withoutMachinePaths(`cannot save data${tmp}/x.pipeline.json`, [])).toBe(`cannot save data${tmp}/x.pipeline.json`);
    expect(withoutMachinePaths(`see ${tmp}files/x`, [])).toBe(`see ${tmp}files/x`);
  });

  it('an unexpected error is a 500 whose message names no machine path (the log keeps it)', async () => {
    const workspace = exampleWorkspace();
    class LeakyCatalog extends NodeRegistry {
      override catalog(): never {
        throw new Error(`EACCES: permission denied, open '${join(workspace, 'nodes.json')}' (see ${join(homedir(), '.config', 'x')} or /opt/tensorloom/lib/x.js)`);
      }
    }
    const logged: string[] = [];
    const server = await startServer({ workspaceRoot: workspace, registry: new LeakyCatalog(testRegistry().all()), log: (line) => logged.push(line) });
    try {
      const answer = await call(server, 'GET', '/api/nodes');
      expect(answer.status).toBe(500);
      expect(answer.json()).toEqual({ error: "internal error: EACCES: permission denied, open '<workspace>/nodes.json' (see ~/.config/x or <path>)" });
      expect(logged.join('\n')).toContain(join(workspace, 'nodes.json'));
    } finally {
      await server.close();
    }
  });
});
