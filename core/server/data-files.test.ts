/** Copying data files into the workspace and listing them for the path picker, over real HTTP. */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorloomServer } from './index.js';
import { call, startServer } from './test-support/server-fixture.js';

const csv = 'a,b\n1,2\n3,4\n';

describe('data files API', () => {
  let server: TensorloomServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('copies a file in, reuses identical bytes, and never overwrites different ones', async () => {
    const first = await call(server, 'PUT', '/api/files?path=data/dropped.csv', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(first.status, first.text).toBe(200);
    expect(first.json()).toEqual({ path: 'data/dropped.csv', size: csv.length, reused: false });
    expect(readFileSync(join(server.workspaceRoot, 'data', 'dropped.csv'), 'utf8')).toBe(csv);

    const again = await call(server, 'PUT', '/api/files?path=data/dropped.csv', { raw: csv, headers: { 'content-type': 'text/csv' } });
    expect(again.json()).toEqual({ path: 'data/dropped.csv', size: csv.length, reused: true });

    const other = await call(server, 'PUT', '/api/files?path=data/dropped.csv', { raw: 'a,b\n9,9\n', headers: { 'content-type': 'text/csv' } });
    expect(other.json()).toEqual({ path: 'data/dropped-2.csv', size: 8, reused: false });
    expect(readFileSync(join(server.workspaceRoot, 'data', 'dropped.csv'), 'utf8')).toBe(csv);

    const listed = (await call(server, 'GET', '/api/files')).json() as { path: string; size: number }[];
    expect(listed.map((file) => file.path)).toEqual(expect.arrayContaining(['data/dropped.csv', 'data/dropped-2.csv', 'data/penguins.csv']));
    expect(listed.some((file) => file.path.startsWith('.tensorloom/'))).toBe(false);
  });

  it('refuses paths that leave the workspace, point into the store, or are not data files, naming the path', async () => {
    mkdirSync(join(server.workspaceRoot, 'out'), { recursive: true });
    symlinkSync(tmpdir(), join(server.workspaceRoot, 'out', 'away'));
    for (const [path, reason] of [
      ['../escape.csv', /may not contain empty, '\.' or '\.\.' parts/],
      ['/etc/x.csv', /must be relative to the workspace/],
      ['.tensorloom/x.csv', /may not point into the store/],
      ['data/run.sh', /must end in \.csv/],
      ['out/away/x.csv', /leads outside the workspace through a link/],
    ] as const) {
      const answer = await call(server, 'PUT', `/api/files?path=${encodeURIComponent(path)}`, { raw: csv, headers: { 'content-type': 'text/csv' } });
      expect(answer.status, path).toBe(400);
      expect((answer.json() as { error: string }).error).toMatch(reason);
    }
  });

  it('answers 413 for a file over the limit, and leaves no partial file behind', async () => {
    const { copyDataFileIn } = await import('./data-files.js');
    const { Readable } = await import('node:stream');
    const body = Object.assign(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), { headers: {} });
    await expect(copyDataFileIn(server.workspaceRoot, body as never, 'data/big.csv', 1000)).rejects.toMatchObject({ status: 413 });
    expect(readdirSync(join(server.workspaceRoot, 'data')).filter((name) => name.startsWith('big') || name.endsWith('.upload'))).toEqual([]);
  });
});
