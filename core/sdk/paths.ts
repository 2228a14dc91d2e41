import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { NodeError } from './errors.js';

function isWithin(root: string, candidate: string): boolean {
  const fromRoot = relative(root, candidate);
  return fromRoot === '' || (!fromRoot.startsWith('..') && !isAbsolute(fromRoot));
}

/**
 * Resolves a path param: relative to the pipeline's folder, and never outside the
 * workspace (symlinks included), so a shared pipeline cannot read arbitrary files.
 */
export function resolveInside(root: string, pipelineDir: string, path: string, field: string): string {
  if (typeof path !== 'string' || path.trim() === '') throw new NodeError(`param '${field}': a path is required`, { field });
  const absolute = isAbsolute(path) ? resolve(path) : resolve(pipelineDir, path);
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  const outside = () =>
    new NodeError(`param '${field}': '${path}' is outside the workspace ${root}; move the file into it or pass --workspace`, { field });
  if (!isWithin(root, absolute) && !isWithin(realRoot, absolute)) throw outside();
  if (existsSync(absolute) && !isWithin(realRoot, realpathSync(absolute))) throw outside();
  return absolute;
}
