import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, statfsSync } from 'node:fs';
import { access, open, type FileHandle } from 'node:fs/promises';
import { errnoCode } from './errors.js';

/**
 * The file-system steps that make a write survive a crash: data is flushed before the
 * rename that publishes it, and the rename itself is flushed by syncing its folder.
 */

/** Flushes a file's content to disk. Works on read-only files (copied artifacts may be 0o444). */
export async function fsyncFile(path: string): Promise<void> {
  try {
    await syncOpened(path, 'r');
  } catch (error) {
    // Windows flushes only handles opened for writing.
    if (process.platform !== 'win32') throw error;
    await syncOpened(path, 'r+');
  }
}

async function syncOpened(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (a rename or a new file in it). A no-op where folders cannot be opened (Windows). */
export async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (process.platform === 'win32' && ['EISDIR', 'EPERM', 'EACCES'].includes(errnoCode(error) ?? '')) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EPERM', 'EBADF'].includes(errnoCode(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}

/** `fsyncDir` for constructors, which cannot wait. */
export function fsyncDirSync(path: string): void {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (process.platform === 'win32') return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    if (!['EINVAL', 'ENOTSUP', 'EPERM', 'EBADF'].includes(errnoCode(error) ?? '')) throw error;
  } finally {
    closeSync(fd);
  }
}

/** A file written by `writeFileDurably`: its content hash and size, already flushed to disk. */
export interface DurableFile {
  readonly sha256: string;
  readonly size: number;
}

/** Bytes handed to one write call: large enough to keep syscalls few, small enough to overlap with hashing. */
const WRITE_GROUP_BYTES = 4 << 20;

/**
 * Creates `path` (it must not exist) with `chunks` as its content, hashing the bytes while
 * they are written (each group of chunks is hashed on this thread while the thread pool
 * writes it, so there is no second pass over the file), then flushes it with one fsync
 * on the same handle. The caller publishes the file with a rename and flushes the folder
 * (ArtifactStore.putFile with the returned DurableFile): the content is on disk before
 * the name that points at it, as with a separate fsync, one open and one read pass fewer.
 */
export async function writeFileDurably(path: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<DurableFile> {
  const hash = createHash('sha256');
  const handle = await open(path, 'wx');
  try {
    let size = 0;
    let group: Uint8Array[] = [];
    let groupBytes = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const flush = async (): Promise<void> => {
      const pending = group;
      group = [];
      groupBytes = 0;
      await writing;
      writing = writeAll(handle, pending);
      for (const chunk of pending) hash.update(chunk);
    };
    for await (const chunk of chunks) {
      if (chunk.byteLength === 0) continue;
      group.push(chunk);
      groupBytes += chunk.byteLength;
      size += chunk.byteLength;
      if (groupBytes >= WRITE_GROUP_BYTES) await flush();
    }
    await flush();
    await writing;
    await handle.sync();
    return { sha256: hash.digest('hex'), size };
  } finally {
    await handle.close();
  }
}

/** Writes every byte of `chunks` at the handle's position (writev may write fewer than asked). */
async function writeAll(handle: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    let k = 0;
    while (k < rest.length && bytesWritten >= rest[k]!.byteLength) bytesWritten -= rest[k++]!.byteLength;
    rest = rest.slice(k);
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}

/** The lowercase hex SHA-256 of a file's content, read as a stream so size does not matter. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256Bytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Room on the file system holding `path`: bytes free to this user, and its size; undefined where the OS cannot say. */
export function diskSpace(path: string): { free: number; size: number } | undefined {
  try {
    const info = statfsSync(path);
    return { free: info.bavail * info.bsize, size: info.blocks * info.bsize };
  } catch {
    return undefined;
  }
}

/** Whether the disk holding `path` has (next to) no room: under 1 MiB, or under 5% on a disk smaller than 20 MiB. */
export function diskLooksFull(path: string): boolean {
  const space = diskSpace(path);
  if (space === undefined) return false;
  return space.free < Math.min(1024 * 1024, space.size * 0.05);
}
