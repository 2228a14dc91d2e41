import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fsyncDir, fsyncDirSync, fsyncFile, pathExists, sha256Bytes, sha256File } from './durable-fs.js';
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

  /** A fresh path under tmp/ to build a file or folder at; nothing is created there yet. */
  tempPath(label: string): string {
    const safe = label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'artifact';
    return join(this.tempDir, `${process.pid}.${randomBytes(6).toString('hex')}.${safe}`);
  }

  /** Publishes the file at `tempPath` (moved, not copied). If the content is already stored, the temp file is dropped. */
  async putFile(tempPath: string): Promise<ArtifactRef> {
    const temp = this.requireTemp(tempPath);
    const info = await lstat(temp).catch((error: unknown) => {
      throw fsError('read the new artifact', temp, error);
    });
    if (!info.isFile()) throw new StoreError('invalid-artifact', `cannot store ${temp}: putFile needs a regular file (use putDir for a folder)`, { path: temp });
    try {
      const hex = await sha256File(temp);
      await fsyncFile(temp);
      return await this.publish(temp, hex, info.size, 'file');
    } catch (error) {
      throw asStoreError('store the artifact', temp, error);
    }
  }

  async putBytes(bytes: Uint8Array | string): Promise<ArtifactRef> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    const hex = sha256Bytes(data);
    const existing = this.pathOfHex(hex);
    if (existsSync(existing)) return this.dropDuplicate(null, { hash: `sha256:${hex}`, size: data.byteLength, path: existing, kind: 'file' });
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
  async putDir(tempDir: string): Promise<ArtifactRef> {
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
    let names: string[];
    try {
      names = readdirSync(this.tempDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return 0;
      throw fsError('list', this.tempDir, error);
    }
    let removed = 0;
    for (const name of names) {
      const owner = TEMP_NAME_PATTERN.exec(name)?.[1];
      // Names the store did not make are left alone; so are entries of live processes (this one included).
      if (owner === undefined || isPidAlive(Number(owner))) continue;
      try {
        rmSync(join(this.tempDir, name), { recursive: true, force: true });
        removed += 1;
      } catch (error) {
        throw fsError('remove the leftover temp entry', join(this.tempDir, name), error);
      }
    }
    return removed;
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

  private async publish(temp: string, hex: string, size: number, kind: 'file' | 'dir'): Promise<ArtifactRef> {
    const dest = this.pathOfHex(hex);
    const ref: ArtifactRef = { hash: `sha256:${hex}`, size, path: dest, kind };
    const shard = dirname(dest);
    if (await pathExists(dest)) return this.dropDuplicate(temp, ref);
    if ((await mkdir(shard, { recursive: true })) !== undefined) await fsyncDir(this.casDir);
    if (kind === 'file') await chmod(temp, READ_ONLY_FILE);
    try {
      await rename(temp, dest);
    } catch (error) {
      // Another writer published the same content first (Windows and non-empty folders refuse to be replaced).
      if (await pathExists(dest)) return this.dropDuplicate(temp, ref);
      throw error;
    }
    await fsyncDir(shard);
    return ref;
  }

  private async dropDuplicate(temp: string | null, ref: ArtifactRef): Promise<ArtifactRef> {
    if (temp !== null) await rm(temp, { recursive: true, force: true });
    // The other writer may not have flushed its rename yet; the caller is about to record this path.
    await fsyncDir(dirname(ref.path));
    return ref;
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
