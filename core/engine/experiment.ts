import { basename } from 'node:path';

/** The name a new document has until the user names it (the renderer's default). */
const PLACEHOLDER_NAMES = new Set(['', 'untitled']);

/**
 * The experiment a run groups under when none is given: the pipeline's name, which follows
 * the file it is saved as. A document still called 'untitled' (or nothing) that has a file
 * takes the file's name (`wine.pipeline.json` → `wine`).
 */
export function defaultExperiment(pipelineName: string, pipelinePath: string | null): string {
  const name = pipelineName.trim();
  if (!PLACEHOLDER_NAMES.has(name) || pipelinePath === null) return name === '' ? 'untitled' : name;
  return basename(pipelinePath).replace(/\.pipeline\.json$|\.json$/, '') || 'untitled';
}
