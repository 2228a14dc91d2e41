import { lstatSync, readlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { NodeError } from './errors.js';

/** The workspace's own store (database, artifacts, temp files): no node writes there by any route. */
export const STORE_FOLDER = '.tensorloom';

/** Links followed while resolving one path, as the kernel's own limit (ELOOP past it). */
const MAX_LINK_HOPS = 40;

export type PathAccess = 'read' | 'write';

function isWithin(root: string, candidate: string): boolean {
  const fromRoot = relative(root, candidate);
  return fromRoot === '' || (!fromRoot.startsWith('..') && !isAbsolute(fromRoot));
}

function components(path: string): string[] {
  return path.split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
}

/**
 * Where a path really leads: every existing component is looked at with lstat, and each
 * link (to a folder or a file, dangling or not, links to links) is replaced by its target
 * before going on; `..` steps back from the real location, as the kernel does. Components
 * that do not exist yet are taken as written, so the result is also where a new file would
 * land. Checking only the path text, or only an existing target, lets a link in a parent
 * folder send a write anywhere.
 */
export function realLocation(path: string): string {
  if (!isAbsolute(path)) throw new Error(`realLocation needs an absolute path, got '${path}'`);
  const pending = components(path).reverse(); // a stack: the next component is at the end
  let current: string = sep;
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const candidate = join(current, part);
    let isLink = false;
    try {
      isLink = lstatSync(candidate).isSymbolicLink();
    } catch {
      // Missing (or unreadable): nothing below it can be a link yet; the later open reports it.
    }
    if (!isLink) {
      current = candidate;
      continue;
    }
    if (++hops > MAX_LINK_HOPS) throw new NodeError(`'${path}' goes through more than ${MAX_LINK_HOPS} links (a link loop?)`);
    const target = readlinkSync(candidate);
    pending.push(...components(target).reverse());
    if (isAbsolute(target)) current = sep;
  }
  return current;
}

/**
 * Resolves a path param: relative to the pipeline's folder, and never outside the
 * workspace by any route (folder links, links to links, dangling links, `..` after a link),
 * so a shared pipeline can neither read arbitrary files nor write over them. The result is
 * the real location, so the file operation that follows goes through no link. With
 * `access: 'write'`, the workspace's `.tensorloom` store is refused too.
 */
export function resolveInside(root: string, pipelineDir: string, path: string, field: string, access: PathAccess = 'read'): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NodeError(`param '${field}': a path is required`, { field });
  if (path.includes('\0')) throw new NodeError(`param '${field}': the path contains a NUL character`, { field });
  const written = isAbsolute(path) ? path : `${pipelineDir}${sep}${path}`;
  let real: string;
  let realRoot: string;
  try {
    real = realLocation(written);
    realRoot = realLocation(root);
  } catch (error) {
    if (error instanceof NodeError) throw new NodeError(`param '${field}': ${error.message}`, { field });
    throw error;
  }
  const viaLink = (): string => {
    const lexical = isAbsolute(path) ? path : join(pipelineDir, path);
    return real === lexical ? '' : ` (through a link it leads to ${real})`;
  };
  if (!isWithin(realRoot, real)) {
    throw new NodeError(`param '${field}': '${path}' is outside the workspace ${root}${viaLink()}; move the file into it or pass --workspace`, { field });
  }
  if (access === 'write' && isWithin(join(realRoot, STORE_FOLDER), real)) {
    throw new NodeError(
      `param '${field}': '${path}' is inside the workspace's ${STORE_FOLDER} folder${viaLink()}, which Tensorloom manages; write somewhere else`,
      { field },
    );
  }
  return real;
}

