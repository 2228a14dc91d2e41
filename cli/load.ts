import { relative, resolve } from 'node:path';
import { loadPipelineFile, type LoadResult } from '../core/graph/index.js';
import type { NodeRegistry } from '../core/graph/registry.js';

/** A loaded pipeline with its absolute path (the engine's) and the path as the user sees it. */
export type LoadedPipeline = LoadResult & { path: string; shown: string };

/** Reads, parses, applies `--set` overrides and validates; never throws for user mistakes. */
export async function loadPipeline(file: string, registry: NodeRegistry, sets: string[] = []): Promise<LoadedPipeline> {
  const path = resolve(file);
  const shown = displayPath(path);
  return { ...(await loadPipelineFile(shown, registry, { sets })), path, shown };
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}
