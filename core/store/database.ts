import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { diskLooksFull } from './durable-fs.js';
import { diskFullError, errnoCode, isDiskFull, isSqliteIoError, isStoreError, StoreError } from './errors.js';
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
  try {
    return connect(path, false);
  } catch (error) {
    // On a full disk SQLite cannot create the -shm file that lets processes share a WAL
    // database. One connection that keeps the WAL index in its own memory (exclusive
    // locking: other processes wait until it closes) can still read, and write once there
    // is room; so `tensorloom runs` works on a full disk.
    if (existsSync(path) && mayBeNoRoom(error)) {
      try {
        return connect(path, true);
      } catch {
        // Report the first failure: it says why the normal open did not work.
      }
    }
    throw describeDatabaseError(path, error);
  }
}

function connect(path: string, exclusive: boolean): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS, fileMustExist: exclusive });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    // Reading the schema first reports a non-SQLite file as SQLITE_NOTADB before anything is written.
    db.pragma('schema_version');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    throw error;
  }
}

function mayBeNoRoom(error: unknown): boolean {
  const code = errnoCode(error) ?? '';
  return code === 'SQLITE_FULL' || code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR');
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
  // SQLite reports some full-disk failures as I/O errors (no room for the -shm file: SQLITE_IOERR_SHMSIZE).
  if (isDiskFull(error) || ((isSqliteIoError(error) || code === 'SQLITE_CANTOPEN') && diskLooksFull(dirname(path)))) {
    return diskFullError(`could not open the workspace database ${path}`, { path, cause: error });
  }
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
      return diskFullError(`could not write the workspace database ${path}`, { path, cause: error });
    case 'SQLITE_BUSY':
      return new StoreError('io', `the workspace database ${path} stayed locked by another process for ${BUSY_TIMEOUT_MS / 1000} s`, { path, cause: error });
    default:
      return new StoreError('io', `cannot open the workspace database ${path}: ${detail}`, { path, cause: error });
  }
}
