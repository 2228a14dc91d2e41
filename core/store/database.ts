import { accessSync, constants, existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { isStoreError, StoreError } from './errors.js';
import { migrate } from './migrations.js';

/** How long a writer waits for another process's transaction before giving up. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) and migrates the workspace database.
 *
 * WAL lets readers (the UI, `tensorloom runs`) work while a run writes, and several
 * processes share the file safely; `synchronous = NORMAL` is the WAL setting that never
 * corrupts on a crash or power loss, but may lose the last transactions on power loss
 * (not on a process crash). Artifact files are flushed before the rows naming them, so
 * what is lost is never a row pointing at a missing file.
 */
export function openDatabase(path: string): Database.Database {
  requireWritableFiles(path);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Reading the schema first reports a non-SQLite file as SQLITE_NOTADB before anything is written.
    db.pragma('schema_version');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw describeDatabaseError(path, error);
  }
}

/** SQLite opens a read-only file without complaint and fails at the first write; say it up front. */
function requireWritableFiles(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    try {
      accessSync(file, constants.W_OK);
    } catch (error) {
      throw new StoreError('not-writable', `the workspace database file ${file} is read-only; make it writable (or open a copy of the workspace)`, {
        path: file,
        cause: error,
      });
    }
  }
}

/** Turns SQLite's codes into messages that name the file and what to do. */
export function describeDatabaseError(path: string, error: unknown): StoreError {
  if (isStoreError(error)) return error;
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'SQLITE_NOTADB':
      return new StoreError(
        'not-a-database',
        `${path} is not a SQLite database (or it is encrypted or overwritten); move it aside and Tensorloom will start a new one (run history and the cache index are in that file)`,
        { path, cause: error },
      );
    case 'SQLITE_CORRUPT':
      return new StoreError('damaged-database', `the workspace database ${path} is damaged (${detail}); move it aside and Tensorloom will start a new one`, { path, cause: error });
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_READONLY':
    case 'SQLITE_READONLY_DIRECTORY':
    case 'SQLITE_READONLY_DBMOVED':
    case 'SQLITE_IOERR_WRITE':
      return new StoreError('not-writable', `cannot open the workspace database ${path} for writing (${detail}); the workspace must be a folder you can write to`, { path, cause: error });
    case 'SQLITE_FULL':
      return new StoreError('io', `cannot write the workspace database ${path}: the disk is full`, { path, cause: error });
    case 'SQLITE_BUSY':
      return new StoreError('io', `the workspace database ${path} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s`, { path, cause: error });
    default:
      return new StoreError('io', `cannot open the workspace database ${path}: ${detail}`, { path, cause: error });
  }
}
