/**
 * Pipeline files inside the workspace, addressed by '/'-separated relative paths that can
 * never leave it: no absolute paths, no '..', no backslashes, no symlink out of the root.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { realLocation } from '../base/paths.js';
import { HttpError } from './http.js';

export const PIPELINE_SUFFIX = '.pipeline.json';
/** The workspace store's folder (runs, cache, artifacts), as the CLI names it. */
export const STORE_FOLDER = '.tensorloom';
/** Folders never searched for pipelines: the store, dependencies, build output. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'release', 'coverage']);
const MAX_DEPTH = 6;
const MAX_LISTED = 2000;

export interface PipelineListing {
  path: string;
  name: string;
  description?: string;
  /** Milliseconds since the epoch. */
  modified: number;
}

/** Longer file or folder names are refused by Linux and macOS (bytes of UTF-8; Windows: 255 UTF-16 units). */
const MAX_NAME_BYTES = 255;
/** Longest workspace path accepted: with the workspace's own location it must stay under the OS limit (1,024 on macOS). */
const MAX_PATH_BYTES = 1024;

/** A client's path as a message shows it: quoted, escaped, and cut short when long. */
function shown(path: string): string {
  return JSON.stringify(path.length > 60 ? `${path.slice(0, 40)}…${path.slice(-15)}` : path);
}

/** Checks a client's pipeline path and returns the absolute file path; 400 for anything else. */
export function pipelineFile(root: string, path: unknown): string {
  return workspaceFile(root, path, { what: 'pipeline', example: 'folder/name.pipeline.json', suffixes: [PIPELINE_SUFFIX] });
}

/**
 * Checks a client's path to a file in the workspace (one of `suffixes`) and returns the
 * absolute path; 400 for anything else.
 */
export function workspaceFile(root: string, path: unknown, kind: { what: string; example: string; suffixes: readonly string[]; anyCase?: boolean }): string {
  const refuse = (why: string) => new HttpError(400, `path ${shown(path as string)} ${why}`);
  if (typeof path !== 'string' || path === '') throw new HttpError(400, `a ${kind.what} path is required (?path=${kind.example})`);
  // NUL ends a path for the OS (Node refuses it); other control characters make names no one can type.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(path)) throw refuse('may not contain control characters (such as NUL or a line break)');
  if (path.includes('\\')) throw refuse("must use '/' as the separator");
  const bytes = Buffer.byteLength(path, 'utf8');
  if (bytes > MAX_PATH_BYTES) throw refuse(`is ${bytes.toLocaleString('en-US')} bytes long; a pipeline path can be at most ${MAX_PATH_BYTES.toLocaleString('en-US')} bytes`);
  if (path.startsWith('/') || isAbsolute(path) || /^[A-Za-z]:/.test(path)) throw refuse('must be relative to the workspace');
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) throw refuse("may not contain empty, '.' or '..' parts (it must stay inside the workspace)");
  const longName = segments.find((segment) => Buffer.byteLength(segment, 'utf8') > MAX_NAME_BYTES);
  if (longName !== undefined) {
    const which = segments.length > 1 ? ` (${shown(longName)})` : '';
    throw refuse(`has a name of ${Buffer.byteLength(longName, 'utf8')} bytes${which}; file and folder names can be at most ${MAX_NAME_BYTES} bytes`);
  }
  if (segments[0] === STORE_FOLDER) throw refuse(`may not point into the store (${STORE_FOLDER}/)`);
  const compared = kind.anyCase ? path.toLowerCase() : path;
  const suffix = kind.suffixes.find((candidate) => compared.endsWith(candidate) && path.length > candidate.length);
  if (suffix === undefined) throw refuse(`must end in ${kind.suffixes.join(', ')}`);
  const absolute = join(root, ...segments);
  // No link in any part of the path (folder, file, dangling, link to a link) may lead out of
  // the workspace or into its store.
  let realRoot: string;
  let real: string;
  try {
    realRoot = realLocation(root);
    real = realLocation(absolute);
  } catch {
    // realLocation's own message names the absolute path: not for the client.
    throw refuse('goes through a loop of links (or a link that cannot be read)');
  }
  if (!isWithin(realRoot, real)) throw refuse('leads outside the workspace through a link');
  if (isWithin(join(realRoot, STORE_FOLDER), real)) throw refuse(`leads into the store (${STORE_FOLDER}/) through a link`);
  return absolute;
}

/**
 * What a failed read or save of a pipeline file means for the client, by the OS error code,
 * named by workspace paths only (Node's messages carry absolute paths). Anything else is
 * returned as is, for the server's 500.
 */
export function fileError(error: unknown, root: string, path: string, action: 'read' | 'save'): unknown {
  const failure = error as NodeJS.ErrnoException | undefined;
  const verb = action === 'read' ? 'cannot read' : 'cannot save';
  switch (failure?.code) {
    case 'ENOENT':
      return action === 'read' ? new HttpError(404, `no pipeline file ${path} in the workspace`) : error;
    case 'ENOTDIR':
    case 'EEXIST': {
      if (action === 'read') return new HttpError(404, `no pipeline file ${path} in the workspace`);
      const part = failure.path === undefined ? null : workspacePath(root, failure.path);
      const which = part !== null && path.startsWith(`${part}/`) ? `${part} is a file, not a folder` : 'a part of its folder is a file, not a folder';
      return new HttpError(400, `${verb} ${path}: ${which}`);
    }
    case 'EISDIR':
      return new HttpError(400, `${path} is a folder, not a pipeline file`);
    case 'ENAMETOOLONG':
      return new HttpError(400, `${verb} ${path}: the path is too long for this file system`);
    case 'ELOOP':
      return new HttpError(400, `${verb} ${path}: it goes through a loop of links`);
    case 'EACCES':
    case 'EPERM':
      return new HttpError(403, `${verb} ${path}: permission denied`);
    case 'EROFS':
      return new HttpError(403, `${verb} ${path}: the file system is read-only`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new HttpError(507, `${verb} ${path}: the disk is full`);
    default:
      return error;
  }
}

/** The client's name for an absolute path inside the workspace, or null outside it. */
export function workspacePath(root: string, absolute: string | null): string | null {
  if (absolute === null) return null;
  const rel = relative(root, absolute);
  if (rel === '' || !isWithin(root, absolute)) return null;
  return rel.split(sep).join('/');
}

export function isWithin(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Every `*.pipeline.json` under `folder` (a workspace path, '' for the root), newest first. */
export async function listPipelines(root: string, folder = ''): Promise<PipelineListing[]> {
  const found: PipelineListing[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // unreadable or vanished folders are simply not listed
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= MAX_LISTED) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (depth < MAX_DEPTH && !entry.name.startsWith('.') && !SKIPPED_FOLDERS.has(entry.name)) await walk(full, depth + 1);
      } else if (entry.isFile() && entry.name.endsWith(PIPELINE_SUFFIX)) {
        const listing = await describePipeline(root, full);
        if (listing) found.push(listing);
      }
    }
  };
  await walk(folder === '' ? root : join(root, ...folder.split('/')), 0);
  return found.sort((a, b) => b.modified - a.modified || (a.path < b.path ? -1 : 1));
}

async function describePipeline(root: string, file: string): Promise<PipelineListing | undefined> {
  const path = workspacePath(root, file);
  if (path === null) return undefined;
  try {
    const info = await stat(file);
    const fallback = path.split('/').pop()!.slice(0, -PIPELINE_SUFFIX.length);
    let name = fallback;
    let description: string | undefined;
    // A broken file is still listed (by its file name), so the user can open and fix it.
    if (info.size < 5 * 1024 * 1024) {
      try {
        const doc = JSON.parse(await readFile(file, 'utf8')) as { name?: unknown; description?: unknown };
        if (typeof doc.name === 'string' && doc.name !== '') name = doc.name;
        if (typeof doc.description === 'string') description = doc.description;
      } catch {
        // not JSON: keep the file name
      }
    }
    return { path, name, ...(description === undefined ? {} : { description }), modified: Math.round(info.mtimeMs) };
  } catch {
    return undefined;
  }
}

/**
 * Writes a file so that a crash leaves the old or the new content, never a mix: a temp file
 * beside it, flushed, then renamed over it.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
