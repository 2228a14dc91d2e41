import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real, small file system for disk-full tests: a tmpfs of `size` (e.g. '4m') mounted on a
 * fresh folder (or on `at`). Needs Linux and the right to mount (root, or CAP_SYS_ADMIN);
 * where that is missing, `skip` says why and the test should be skipped.
 */
export interface SmallDisk {
  dir: string;
  /** Writes a file of zeros until the disk is full (leaving `leave` bytes free, roughly); returns its path. */
  fill(leave?: number): string;
  unmount(): void;
}

/**
 * Whether this machine lets tests mount a tmpfs: tries once (mount, unmount) and says why
 * not. For `describe.skipIf` at collection time; mount the real one in `beforeAll`, so a
 * filtered-out suite leaves nothing mounted.
 */
export function smallDiskSupport(): { ok: true } | { ok: false; skip: string } {
  const probe = mountSmallDisk('1m');
  if ('skip' in probe) return { ok: false, skip: probe.skip };
  probe.unmount();
  return { ok: true };
}

export function mountSmallDisk(size: string, at?: string): SmallDisk | { skip: string } {
  if (process.platform !== 'linux') return { skip: `needs Linux to mount a small tmpfs (this is ${process.platform})` };
  const dir = at ?? mkdtempSync(join(tmpdir(), 'tensorloom-small-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    if (at === undefined) rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot mount a ${size} tmpfs here (${(mounted.stderr || mounted.error?.message || `exit ${mounted.status}`).trim()}); run as root to test a full disk` };
  }
  let fills = 0;
  return {
    dir,
    fill(leave = 0) {
      fills += 1;
      const path = join(dir, `filler-${fills}`);
      const fd = openSync(path, 'w');
      const chunk = Buffer.alloc(64 * 1024);
      try {
        for (let size = chunk.length; size >= 512; ) {
          const free = freeBytes(dir);
          if (free <= leave) break;
          let written = 0;
          try {
            written = writeSync(fd, chunk, 0, Math.min(size, Math.max(512, free - leave)));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          }
          if (written === 0) size = Math.floor(size / 2); // the last pages: smaller writes fill them
        }
      } finally {
        closeSync(fd);
      }
      return path;
    },
    unmount() {
      spawnSync('umount', ['-l', dir]);
      if (at === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function freeBytes(dir: string): number {
  const info = statfsSync(dir);
  return info.bavail * info.bsize;
}
