/**
 * The static half of the workspace rule: a path param written in the file (a source a node
 * reads, a file or folder it writes) must stay inside the workspace, and writes must stay
 * out of its `.tensorloom` store, links included. Checked when a pipeline is validated, so
 * `tensorloom validate` refuses what a run would refuse; the engine checks again at run time.
 */
import { existsSync } from 'node:fs';
import { isNodeError } from '../base/errors.js';
import { resolveInside, type PathAccess } from '../base/paths.js';
import { pathJoin } from './issues.js';
import type { ResolvedPipeline, ValidationIssue } from './types.js';

export interface WorkspacePlace {
  /** The workspace folder. */
  root: string;
  /** The pipeline file's folder: relative paths resolve against it. */
  pipelineDir: string;
}

export function checkWorkspacePaths(pipeline: ResolvedPipeline, place: WorkspacePlace): { issues: ValidationIssue[]; warnings: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];
  for (const node of pipeline.nodes.values()) {
    const params = node.params as never;
    const paths: { param: string; path: string; access: PathAccess }[] = [
      ...(node.definition.sourceFiles?.(params) ?? []).map((file) => ({ ...file, access: 'read' as const })),
      ...(node.definition.outputPaths?.(params) ?? []).map((file) => ({ ...file, access: 'write' as const })),
    ];
    for (const { param, path, access } of paths) {
      const at = { nodeId: node.id, field: param, path: pathJoin(pathJoin(pathJoin('nodes', node.index), 'params'), param) };
      let real: string;
      try {
        real = resolveInside(place.root, place.pipelineDir, path, param, access);
      } catch (error) {
        if (!isNodeError(error)) throw error;
        issues.push({ code: 'path-outside', message: `node '${node.id}': ${error.message}`, ...at });
        continue;
      }
      if (access === 'read' && !existsSync(real)) {
        warnings.push({ code: 'missing-file', message: `node '${node.id}': param '${param}': file not found: ${path}; the run will fail unless it is there by then`, ...at });
      }
    }
  }
  return { issues, warnings };
}
