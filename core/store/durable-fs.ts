import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, statfsSync } from 'node:fs';
import { access, open } from 'node:fs/promises';
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
