import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fsyncDir, fsyncDirSync, fsyncFile, pathExists, sha256Bytes, sha256File, type DurableFile } from './durable-fs.js';
import { errnoCode, fsError, StoreError } from './errors.js';
import { isPidAlive } from './process-owner.js';
import type { ArtifactRef } from './types.js';

const HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** Temp entries are named `<pid>.<random>.<label>`, so the owner of a leftover is known. */
const TEMP_NAME_PATTERN = /^(\d+)\.[0-9a-f]+\./;
/** Hashes of folders are over this tag plus their manifest, so no file's bytes are a folder's by accident. */
const DIR_MANIFEST_TAG = 'tensorloom-dir-v1\n';
const READ_ONLY_FILE = 0o444;

export function isArtifactHash(value: string): boolean {
  return HASH_PATTERN.test(value);
}

/** What a `put*` call stored: `fresh` is false when the content was already there (nothing new on disk). */
export interface StoredArtifact extends ArtifactRef {
  fresh: boolean;
}

/** One entry of tmp/: its owner process (when the store named it) and whether that process lives. */
export interface TempEntry {
  name: string;
  path: string;
  ownerPid: number | undefined;
  ownerAlive: boolean;
}

/** One entry of a folder artifact's manifest. Paths use '/' on every platform. */
export interface DirEntry {
  path: string;
  size: number;
  sha256: string;
}

/**
 * Content-addressed, immutable artifact files under `<root>/artifacts/sha256/ab/<rest>`.
 *
 * Writers build a file or folder at a `tempPath()` (same file system, so publishing is a
 * rename), then `put*` hashes it, flushes it, makes it read-only and renames it into place,
 * then flushes the folder. A path in the store therefore always holds complete content that
 * matches its name, whatever moment a crash happens at. Needs no database, so worker
 * threads can build their own.
 */
export class ArtifactStore {
  readonly root: string;
  readonly artifactsDir: string;
  readonly tempDir: string;
  private readonly casDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.artifactsDir = join(this.root, 'artifacts');
    this.casDir = join(this.artifactsDir, 'sha256');
    this.tempDir = join(this.root, 'tmp');
    try {
      const created = [mkdirSync(this.casDir, { recursive: true }), mkdirSync(this.tempDir, { recursive: true })];
      // New folders must survive a power loss before artifacts are renamed into them.
      if (created.some((path) => path !== undefined)) for (const dir of [dirname(this.root), this.root, this.artifactsDir]) fsyncDirSync(dir);
    } catch (error) {
      throw fsError('create the artifact folders in', this.root, error);
    }
  }

  /**
   * A fresh path under tmp/ (or under `within`, a folder inside tmp/, such as one node's
   * work folder) to build a file or folder at; nothing is created there yet.
   */
  tempPath(label: string, within?: string): string {
    const safe = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'artifact';
    const parent = within === undefined ? this.tempDir : this.requireTemp(within);
    return join(parent, `${process.pid}.${randomBytes(6).toString('hex')}.${safe}`);
  }

  /**
   * Publishes the file at `tempPath` (moved, not copied). If the content is already stored, the temp file is dropped.
   * `written` is what `writeFileDurably` returned for that file: its hash and the fsync are
   * already done, so the file is neither read again nor flushed again.
   */
  async putFile(tempPath: string, written?: DurableFile): Promise<StoredArtifact> {
    const temp = this.requireTemp(tempPath);
    const info = await lstat(temp).catch((error: unknown) => {
      throw fsError('read the new artifact', temp, error);
    });
    if (!info.isFile()) throw new StoreError('invalid-artifact', `cannot store ${temp}: putFile needs a regular file (use putDir for a folder)`, { path: temp });
    if (written !== undefined && written.size !== info.size) {
      throw new StoreError('invalid-artifact', `cannot store ${temp}: it holds ${info.size} bytes, not the ${written.size} written`, { path: temp });
    }
    try {
      let hex: string;
      if (written !== undefined) {
        hex = written.sha256;
      } else {
        hex = await sha256File(temp);
        await fsyncFile(temp);
      }
      return await this.publish(temp, hex, info.size, 'file');
    } catch (error) {
      throw asStoreError('store the artifact', temp, error);
    }
  }

  async putBytes(bytes: Uint8Array | string): Promise<StoredArtifact> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const hex = sha256Bytes(data);
    const existing = this.pathOfHex(hex);
    if (await touch(existing)) return this.dropDuplicate(null, { hash: `sha256:${hex}`, size: data.byteLength, path: existing, kind: 'file' });
    const temp = this.tempPath('bytes');
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      return await this.publish(temp, hex, data.byteLength, 'file');
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw asStoreError('store an artifact of', `${data.byteLength} bytes in ${this.root}`, error);
    }
  }

  /**
   * Publishes the folder at `tempDir` (a model bundle). Its hash covers every file's
   * relative path, size and content; empty folders and file modes do not count, and
   * symbolic links are refused so the artifact is self-contained.
   */
  async putDir(tempDir: string): Promise<StoredArtifact> {
    const temp = this.requireTemp(tempDir);
    const info = await lstat(temp).catch((error: unknown) => {
      throw fsError('read the new artifact', temp, error);
    });
    if (!info.isDirectory()) throw new StoreError('invalid-artifact', `cannot store ${temp}: putDir needs a folder (use putFile for a file)`, { path: temp });
    try {
      const entries = await manifestOf(temp);
      for (const entry of entries) {
        const file = join(temp, ...entry.path.split('/'));
        await fsyncFile(file);
        await chmod(file, READ_ONLY_FILE);
      }
      for (const folder of await foldersOf(temp)) await fsyncDir(folder);
      const size = entries.reduce((sum, entry) => sum + entry.size, 0);
      return await this.publish(temp, dirHashHex(entries), size, 'dir');
    } catch (error) {
      throw asStoreError('store the folder artifact', temp, error);
    }
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  /** Where the artifact lives (or would live). Throws a StoreError for a malformed hash. */
  pathOf(hash: string): string {
    if (!isArtifactHash(hash)) throw new StoreError('invalid-hash', `not an artifact id: '${hash}' (expected sha256: and 64 lowercase hex digits)`);
    return this.pathOfHex(hash.slice('sha256:'.length));
  }

  /** Whether the stored artifact is a file or a folder; undefined when it is not in the store. */
  kindOf(hash: string): 'file' | 'dir' | undefined {
    const info = statSync(this.pathOf(hash), { throwIfNoEntry: false });
    if (info === undefined) return undefined;
    return info.isDirectory() ? 'dir' : 'file';
  }

  /** The stored artifact's reference (a folder's size is summed over its files), or undefined when it is not in the store. */
  refOf(hash: string): ArtifactRef | undefined {
    const path = this.pathOf(hash);
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined) return undefined;
    if (info.isDirectory()) return { hash, size: sumFileSizes(path), path, kind: 'dir' };
    return { hash, size: info.size, path, kind: 'file' };
  }

  async readBytes(hash: string): Promise<Uint8Array> {
    const path = this.pathOf(hash);
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw missingArtifact(hash, path);
      if (errnoCode(error) === 'EISDIR') throw new StoreError('invalid-artifact', `artifact ${hash} is a folder, not a file: ${path}`, { path });
      throw fsError('read artifact', path, error);
    }
  }

  /** Re-hashes a stored artifact and says whether its content still matches its name. */
  async verify(hash: string): Promise<boolean> {
    const path = this.pathOf(hash);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return false;
    const hex = info.isDirectory() ? dirHashHex(await manifestOf(path)) : await sha256File(path);
    return `sha256:${hex}` === hash;
  }

  /** Removes temp entries whose process is gone (a crash mid-write). Returns how many. */
  cleanTemp(): number {
    let removed = 0;
    for (const entry of this.tempEntries()) {
      // Names the store did not make are left alone; so are entries of live processes (this one included).
      if (entry.ownerPid === undefined || entry.ownerAlive) continue;
      this.removeTemp(entry.path);
      removed += 1;
    }
    return removed;
  }

  /** The entries of tmp/, each with its owner process when the store named it. */
  tempEntries(): TempEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.tempDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return [];
      throw fsError('list', this.tempDir, error);
    }
    return names.map((name) => {
      const owner = TEMP_NAME_PATTERN.exec(name)?.[1];
      const ownerPid = owner === undefined ? undefined : Number(owner);
      return { name, path: join(this.tempDir, name), ownerPid, ownerAlive: ownerPid !== undefined && isPidAlive(ownerPid) };
    });
  }

  /** Removes a file or folder under tmp/ (read-only files included). */
  removeTemp(path: string): void {
    const temp = this.requireTemp(path);
    try {
      rmSync(temp, { recursive: true, force: true });
    } catch (error) {
      throw fsError('remove the temp entry', temp, error);
    }
  }

  /**
   * Every entry in the content-addressed folder, with its hash, path and modification
   * time; names the store did not make are skipped. For garbage collection.
   */
  listStored(): { hash: string; path: string; mtimeMs: number }[] {
    const found: { hash: string; path: string; mtimeMs: number }[] = [];
    let shards: string[];
    try {
      shards = readdirSync(this.casDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return found;
      throw fsError('list', this.casDir, error);
    }
    for (const shard of shards) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      let names: string[];
      try {
        names = readdirSync(join(this.casDir, shard));
      } catch (error) {
        if (errnoCode(error) === 'ENOTDIR' || errnoCode(error) === 'ENOENT') continue;
        throw fsError('list', join(this.casDir, shard), error);
      }
      for (const name of names) {
        if (!/^[0-9a-f]{62}$/.test(name)) continue;
        const path = join(this.casDir, shard, name);
        const info = statSync(path, { throwIfNoEntry: false });
        if (info !== undefined) found.push({ hash: `sha256:${shard}${name}`, path, mtimeMs: info.mtimeMs });
      }
    }
    return found;
  }

  /** Bytes a stored artifact or temp entry takes: a file's size, or the sum over a folder's files. */
  sizeOnDisk(path: string): number {
    const info = statSync(path, { throwIfNoEntry: false });
    if (info === undefined) return 0;
    return info.isDirectory() ? sumFileSizes(path) : info.size;
  }

  private pathOfHex(hex: string): string {
    return join(this.casDir, hex.slice(0, 2), hex.slice(2));
  }

  private requireTemp(path: string): string {
    const absolute = resolve(path);
    const inside = relative(this.tempDir, absolute);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      // Moving a file from elsewhere could take a user's own data away from them.
      throw new StoreError('invalid-input', `cannot store ${absolute}: artifacts are built at a path from tempPath(), inside ${this.tempDir}`, { path: absolute });
    }
    return absolute;
  }

  private async publish(temp: string, hex: string, size: number, kind: 'file' | 'dir'): Promise<StoredArtifact> {
    const dest = this.pathOfHex(hex);
    const ref: ArtifactRef = { hash: `sha256:${hex}`, size, path: dest, kind };
    const shard = dirname(dest);
    if (await touch(dest)) return this.dropDuplicate(temp, ref);
    if ((await mkdir(shard, { recursive: true })) !== undefined) await fsyncDir(this.casDir);
    if (kind === 'file') await chmod(temp, READ_ONLY_FILE);
    try {
      await rename(temp, dest);
    } catch (error) {
      // Another writer published the same content first (Windows and non-empty folders refuse to be replaced).
      if (await touch(dest)) return this.dropDuplicate(temp, ref);
      throw error;
    }
    await fsyncDir(shard);
    return { ...ref, fresh: true };
  }

  private async dropDuplicate(temp: string | null, ref: ArtifactRef): Promise<StoredArtifact> {
    if (temp !== null) await rm(temp, { recursive: true, force: true });
    // The other writer may not have flushed its rename yet; the caller is about to record this path.
    await fsyncDir(dirname(ref.path));
    return { ...ref, fresh: false };
  }
}

/**
 * Marks a stored artifact as just used (its modification time becomes now) and says
 * whether it exists. Garbage collection never deletes an artifact touched after the
 * oldest live run started, so content a run found already stored (and is about to
 * record) is safe from a concurrent `tensorloom gc`.
 */
async function touch(path: string): Promise<boolean> {
  const now = new Date();
  try {
    await utimes(path, now, now);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    // Not ours to touch (another user's file on a shared drive): it exists, which is what matters here.
    return pathExists(path);
  }
}

function missingArtifact(hash: string, path: string): StoreError {
  return new StoreError('missing-artifact', `artifact ${hash} is missing from the workspace (expected at ${path}); re-run the node that made it`, { path });
}

function asStoreError(action: string, path: string, error: unknown): StoreError {
  return error instanceof StoreError ? error : fsError(action, path, error);
}

/** The folder's files in a stable order (by UTF-8 bytes of the path), each with its size and hash. */
export async function manifestOf(root: string): Promise<DirEntry[]> {
  const entries: DirEntry[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const item of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, item.name);
      const path = prefix === '' ? item.name : `${prefix}/${item.name}`;
      if (item.isDirectory()) await walk(full, path);
      else if (item.isFile()) entries.push({ path, size: (await lstat(full)).size, sha256: await sha256File(full) });
      else {
        const what = item.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
        throw new StoreError('invalid-artifact', `cannot store the folder ${root}: ${full} is ${what}; artifacts hold only files and folders`, { path: full });
      }
    }
  };
  await walk(root, '');
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.path, 'utf8'), Buffer.from(b.path, 'utf8')));
}

export function dirHashHex(entries: readonly DirEntry[]): string {
  const manifest = JSON.stringify(entries.map((entry) => [entry.path, entry.size, entry.sha256]));
  return createHash('sha256').update(DIR_MANIFEST_TAG).update(manifest).digest('hex');
}

async function foldersOf(root: string): Promise<string[]> {
  const folders: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const item of await readdir(folder, { withFileTypes: true })) {
      if (item.isDirectory()) await walk(join(folder, item.name));
    }
    folders.push(folder); // children first, so each folder is flushed after what it holds
  };
  await walk(root);
  return folders;
}

function sumFileSizes(folder: string): number {
  let total = 0;
  for (const item of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (item.isFile()) total += statSync(join(item.parentPath, item.name)).size;
  }
  return total;
}
