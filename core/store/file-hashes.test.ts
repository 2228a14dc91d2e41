import { createHash } from 'node:crypto';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let root: string;
let store: WorkspaceStore;
beforeEach(() => {
  root = dirs.make();
  store = WorkspaceStore.open(join(root, '.tensorloom'));
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const anHourAgo = () => new Date(Date.now() - 3_600_000);

/** Writes a file whose mtime is in the past, as data files usually are. */
function settledFile(name: string, content: string, mtime = anHourAgo()): string {
  const path = join(root, name);
  writeFileSync(path, content);
  utimesSync(path, mtime, mtime);
  return path;
}

/** Replaces the memoised hash, so a test can tell a memo hit from a re-hash. */
function forgeMemo(path: string, hash: string): number {
  const db = new Database(store.dbPath);
  const { changes } = db.prepare('UPDATE file_hashes SET hash = ? WHERE path = ?').run(hash, path);
  db.close();
  return changes;
}

describe('file hashes', () => {
  it('hashes a file and answers from the memo while the file is unchanged', async () => {
    const path = settledFile('data.csv', 'a,b\n1,2\n');
    expect(await store.fileHash(path)).toBe(sha('a,b\n1,2\n'));
    expect(forgeMemo(path, 'sha256:from-the-memo')).toBe(1);
    expect(await store.fileHash(path)).toBe('sha256:from-the-memo');
  });

  it('re-hashes when size or mtime changes', async () => {
    const path = settledFile('data.csv', 'v1');
    await store.fileHash(path);
    forgeMemo(path, 'sha256:stale');
    settledFile('data.csv', 'v2 longer');
    expect(await store.fileHash(path)).toBe(sha('v2 longer'));

    forgeMemo(path, 'sha256:stale');
    settledFile('data.csv', 'v3 longer', new Date(Date.now() - 7_200_000)); // same size, other mtime
    expect(await store.fileHash(path)).toBe(sha('v3 longer'));
  });

  it('does not memoise a file modified moments ago (its timestamp tick may not be over)', async () => {
    const path = join(root, 'fresh.csv');
    writeFileSync(path, 'just written');
    expect(await store.fileHash(path)).toBe(sha('just written'));
    expect(forgeMemo(path, 'sha256:x')).toBe(0);
  });

  it('says so when the file is missing or a folder', async () => {
    await expect(store.fileHash(join(root, 'nope.csv'))).rejects.toThrow(`cannot hash ${join(root, 'nope.csv')}: no such file`);
    await expect(store.fileHash(root)).rejects.toThrow(/not a file/);
  });
});
