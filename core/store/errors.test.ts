import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { fsError, isStoreError, StoreError } from './errors.js';
import { SCHEMA_VERSION } from './migrations.js';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const isRoot = process.getuid?.() === 0;

function openError(dotDir: string): StoreError {
  try {
    WorkspaceStore.open(dotDir).close();
  } catch (error) {
    if (isStoreError(error)) return error;
    throw error;
  }
  throw new Error('expected open to fail');
}

describe('errors a user sees', () => {
  it('a file where the .tensorloom folder should be', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    writeFileSync(dotDir, 'oops');
    const error = openError(dotDir);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ name: 'StoreError', code: 'not-a-folder', path: dotDir });
    expect(error.message).toContain(dotDir);
  });

  it('a database file that is not SQLite', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    mkdirSync(dotDir);
    const dbPath = join(dotDir, 'tensorloom.db');
    writeFileSync(dbPath, 'this is a text file, not a database '.repeat(200));
    const error = openError(dotDir);
    expect(error).toMatchObject({ code: 'not-a-database', path: dbPath });
    expect(error.message).toContain(`${dbPath} is not a SQLite database`);
  });

  it('a database written by a newer Tensorloom', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    WorkspaceStore.open(dotDir).close();
    const db = new Database(join(dotDir, 'tensorloom.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = openError(dotDir);
    expect(error).toMatchObject({ code: 'newer-schema' });
    expect(error.message).toMatch(/newer version of Tensorloom/);
  });

  it.skipIf(isRoot)('a workspace folder that is not writable', () => {
    const parent = dirs.make();
    chmodSync(parent, 0o555);
    try {
      const error = openError(join(parent, '.tensorloom'));
      expect(error).toMatchObject({ code: 'not-writable' });
      expect(error.message).toContain(join(parent, '.tensorloom'));
    } finally {
      chmodSync(parent, 0o755);
    }
  });

  it.skipIf(isRoot)('an existing .tensorloom folder that is not writable', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    WorkspaceStore.open(dotDir).close();
    chmodSync(dotDir, 0o555);
    try {
      expect(openError(dotDir)).toMatchObject({ code: 'not-writable', path: dotDir });
    } finally {
      chmodSync(dotDir, 0o755);
    }
  });

  it.skipIf(isRoot)('a database file that is read-only', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    WorkspaceStore.open(dotDir).close();
    const dbPath = join(dotDir, 'tensorloom.db');
    chmodSync(dbPath, 0o444);
    expect(openError(dotDir)).toMatchObject({ code: 'not-writable', path: dbPath });
  });

  it('permission and disk-full failures are described in words (also checked where tests run as root)', () => {
    const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    expect(fsError('create the workspace folder', '/w/.tensorloom', denied)).toMatchObject({
      code: 'not-writable',
      path: '/w/.tensorloom',
      message: 'cannot create the workspace folder /w/.tensorloom: permission denied; the workspace must be a folder you can write to',
    });
    const full = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    expect(fsError('store the artifact', '/w/x', full)).toMatchObject({
      code: 'disk-full',
      message: 'the disk holding the workspace is full: could not store the artifact /w/x; free space and run again',
    });
    const quota = Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' });
    expect(fsError('store the artifact', '/w/x', quota)).toMatchObject({ code: 'disk-full' });
  });
});
