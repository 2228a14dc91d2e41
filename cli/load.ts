import { dirname, relative, resolve } from 'node:path';
import { loadPipelineFile, type LoadResult } from '../core/graph/index.js';
import type { NodeRegistry } from '../core/graph/registry.js';
import { workspaceFor } from './workspace.js';

/** A loaded pipeline with its absolute path (the engine's) and the path as the user sees it. */
export type LoadedPipeline = LoadResult & { path: string; shown: string };

/**
 * Reads, parses, applies `--set` overrides and validates; never throws for user mistakes.
 * With `workspace` (the `--workspace` flag, or null for the default: the pipeline's folder),
 * path params are also checked against that workspace, as a run would.
 */
export async function loadPipeline(
  file: string,
  registry: NodeRegistry,
  options: { sets?: string[]; workspace?: string | null } = {},
): Promise<LoadedPipeline> {
  const path = resolve(file);
  const shown = displayPath(path);
  const workspace =
    options.workspace === undefined ? undefined : { root: workspaceFor(path, options.workspace ?? undefined), pipelineDir: dirname(path) };
  return { ...(await loadPipelineFile(shown, registry, { sets: options.sets ?? [], ...(workspace ? { workspace } : {}) })), path, shown };
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
