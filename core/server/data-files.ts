/**
 * Data files in the workspace for the builder: a listing for the path picker, and copying a
 * file in (a drop from the desktop, an upload) since a pipeline may only read inside its
 * workspace. A copy never overwrites: the same bytes under the same name are reused, other
 * bytes get a free name (`penguins-2.csv`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { HttpError } from './http.js';
import { fileError, STORE_FOLDER, workspaceFile, workspacePath } from './workspace-files.js';

/** What the data source nodes read (data.csv, data.json, data.jsonl, data.parquet, data.sqlite). */
export const DATA_SUFFIXES = ['.csv', '.tsv', '.txt', '.json', '.jsonl', '.ndjson', '.parquet', '.sqlite', '.db'] as const;
/** The largest file copied in through the API (4 GiB): beyond that, copy it with the file manager. */
export const MAX_UPLOAD_BYTES = 4 * 1024 ** 3;
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'release', 'coverage']);
const MAX_DEPTH = 6;
const MAX_LISTED = 2000;

export interface DataFileListing {
  path: string;
  size: number;
  /** Milliseconds since the epoch. */
  modified: number;
}

const DATA_KIND = { what: 'data file', example: 'data/name.csv', suffixes: DATA_SUFFIXES, anyCase: true };

/** Every data file in the workspace (outside the store and dependencies), by path. */
export async function listDataFiles(root: string): Promise<DataFileListing[]> {
  const found: DataFileListing[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (found.length >= MAX_LISTED) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !entry.name.startsWith('.') && entry.name !== STORE_FOLDER && !SKIPPED_FOLDERS.has(entry.name)) await walk(full, depth + 1);
      } else if (entry.isFile() && (DATA_SUFFIXES as readonly string[]).includes(extname(entry.name).toLowerCase())) {
        const path = workspacePath(root, full);
        const info = await stat(full).catch(() => undefined);
        if (path !== null && info) found.push({ path, size: info.size, modified: Math.round(info.mtimeMs) });
      }
    }
  };
  await walk(root, 0);
  return found;
}

/** Streams the request body to a temp file beside `target`, hashing it; 413 past the limit. */
async function receive(req: IncomingMessage, folder: string, limit: number): Promise<{ temp: string; hash: string; size: number }> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpError(413, `the file is ${declared.toLocaleString('en-US')} bytes; at most ${limit.toLocaleString('en-US')} can be copied in this way — copy it into the workspace folder instead`);
  await mkdir(folder, { recursive: true });
  const temp = join(folder, `.${randomBytes(6).toString('hex')}.upload`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(new HttpError(413, `the file is larger than ${limit.toLocaleString('en-US')} bytes; copy it into the workspace folder instead`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, meter, createWriteStream(temp, { flags: 'wx' }));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { temp, hash: hash.digest('hex'), size };
}

async function hashOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * PUT /api/files?path=data/name.csv with the file's bytes as the body. Answers the workspace
 * path the file now has, and whether an identical file was there already.
 */
export async function copyDataFileIn(root: string, req: IncomingMessage, path: unknown, limit = MAX_UPLOAD_BYTES): Promise<{ path: string; size: number; reused: boolean }> {
  const target = workspaceFile(root, path, DATA_KIND);
  const folder = dirname(target);
  let received;
  try {
    received = await receive(req, folder, limit);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw fileError(error, root, path as string, 'save');
  }
  try {
    const extension = extname(target);
    const stem = basename(target, extension);
    for (let attempt = 1; attempt < 1000; attempt += 1) {
      const candidate = attempt === 1 ? target : join(folder, `${stem}-${attempt}${extension}`);
      const existing = await stat(candidate).catch(() => undefined);
      if (existing) {
        if (existing.isFile() && existing.size === received.size && (await hashOf(candidate)) === received.hash) {
          return { path: workspacePath(root, candidate)!, size: received.size, reused: true };
        }
        continue;
      }
      try {
        // link, then remove the temp: never replaces a file that appeared meanwhile.
        await link(received.temp, candidate);
        return { path: workspacePath(root, candidate)!, size: received.size, reused: false };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw fileError(error, root, path as string, 'save');
      }
    }
    throw new HttpError(409, `too many files named like ${path as string} in the workspace`);
  } finally {
    await rm(received.temp, { force: true });
  }
}
