/**
 * Writing a build context folder as a whole: it is built next to its destination and
 * swapped in by renames, so an interrupted export never leaves half a context, and a
 * folder that is not an earlier context (someone's own files) is never replaced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmod, cp, lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { NodeError } from '../base/errors.js';

/** The file that marks a folder as a build context Tensorloom wrote (and may replace). */
export const LOCK_FILE = 'runtime-lock.json';
export const LOCK_FORMAT = 'tensorloom/runtime-lock@1';

async function isReplaceable(dir: string): Promise<boolean> {
  const names = await readdir(dir);
  if (names.length === 0) return true;
  if (!names.includes(LOCK_FILE)) return false;
  try {
    return (JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as { format?: string }).format === LOCK_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Calls `fill(tempDir)` to write the context, then puts it at `outDir` (replacing an
 * earlier context there). Files get mode 0644 and folders 0755 whatever the umask, so the
 * context's bytes and modes are the same on every machine.
 */
export async function writeContextDir(outDir: string, field: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const target = resolve(outDir);
  if (existsSync(target)) {
    const info = await lstat(target);
    if (!info.isDirectory()) throw new NodeError(`${field} '${outDir}' is a file; give a folder for the build context`, { field });
    if (!(await isReplaceable(target))) {
      throw new NodeError(`${field} '${outDir}' already holds files that are not a Tensorloom build context; choose an empty or new folder`, { field });
    }
  }
  await mkdir(dirname(target), { recursive: true });
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(temp);
  try {
    await fill(temp);
    await normaliseModes(temp);
    if (existsSync(target)) {
      const old = `${temp}.old`;
      await rename(target, old);
      await rename(temp, target);
      await rm(old, { recursive: true, force: true });
    } else await rename(temp, target);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return target;
}

async function normaliseModes(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await normaliseModes(path);
    else await chmod(path, 0o644);
  }
}

/** Copies a folder's regular files (a model bundle from the read-only artifact store). */
export async function copyFolder(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true, dereference: true, preserveTimestamps: false });
}

export async function writeText(dir: string, path: string, text: string): Promise<void> {
  const full = join(dir, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, text);
}

/** The sha256 of each file at or under `paths` in `dir` ('/'-separated, sorted), for runtime-lock.json. */
export async function fileDigests(dir: string, paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (path: string): Promise<void> => {
    const full = join(dir, path);
    if ((await lstat(full)).isDirectory()) {
      for (const name of (await readdir(full)).sort()) await visit(`${path}/${name}`);
    } else out[path] = `sha256:${createHash('sha256').update(await readFile(full)).digest('hex')}`;
  };
  for (const path of [...paths].sort()) await visit(path);
  return out;
}
