import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { sha256File } from './durable-fs.js';
import { errnoCode, fsError, isWriteFailure, StoreError } from './errors.js';

/**
 * A file changed within this long before it was hashed is not memoised: on file systems
 * with coarse timestamps (FAT: 2 s) a second write in the same tick would keep size and
 * mtime, and the memo would hand out the old hash. Git calls this the "racy" case.
 */
const RACY_WINDOW_NS = 3_000_000_000n;

/**
 * Content hashes of source files (the data a pipeline reads), memoised by the file's
 * identity (path, size, mtime, inode, ctime in nanoseconds), so re-hashing a large file
 * that did not change costs one stat.
 */
export class FileHashes {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare<[string, number, string, string, string], { hash: string }>(
        'SELECT hash FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ? AND ino = ? AND ctime_ns = ?',
      ),
      put: db.prepare<[string, number, string, string, string, string, number]>(`
        INSERT INTO file_hashes (path, size, mtime_ns, ino, ctime_ns, hash, hashed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ino = excluded.ino,
          ctime_ns = excluded.ctime_ns, hash = excluded.hash, hashed_at = excluded.hashed_at`),
    };
  }

  /** `sha256:<hex>` of the file's content. */
  async hash(absPath: string): Promise<string> {
    const path = resolve(absPath);
    const before = await statFile(path);
    const key = identity(before);
    const memo = this.statements.get.get(path, key.size, key.mtimeNs, key.ino, key.ctimeNs);
    if (memo !== undefined) return memo.hash;

    const startedNs = BigInt(Date.now()) * 1_000_000n;
    const hash = `sha256:${await sha256File(path).catch((error: unknown) => {
      throw fsError('read', path, error);
    })}`;
    const after = await statFile(path);
    const unchanged = sameIdentity(key, identity(after));
    const settled = before.mtimeNs < startedNs - RACY_WINDOW_NS;
    if (unchanged && settled) {
      try {
        this.statements.put.run(path, key.size, key.mtimeNs, key.ino, key.ctimeNs, hash, Date.now());
      } catch (error) {
        // The memo only saves time: on a full disk the hash is still right.
        if (!isWriteFailure(error)) throw error;
      }
    }
    return hash;
  }
}

interface FileIdentity {
  size: number;
  mtimeNs: string;
  ino: string;
  ctimeNs: string;
}

function identity(info: BigIntStats): FileIdentity {
  return { size: Number(info.size), mtimeNs: info.mtimeNs.toString(), ino: info.ino.toString(), ctimeNs: info.ctimeNs.toString() };
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.ctimeNs === b.ctimeNs;
}

async function statFile(path: string): Promise<BigIntStats> {
  let info: BigIntStats;
  try {
    info = await stat(path, { bigint: true });
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new StoreError('invalid-input', `cannot hash ${path}: no such file`, { path, cause: error });
    throw fsError('read', path, error);
  }
  if (!info.isFile()) throw new StoreError('invalid-input', `cannot hash ${path}: not a file`, { path });
  return info;
}
