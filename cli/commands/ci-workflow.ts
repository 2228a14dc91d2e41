/**
 * `tensorloom ci-workflow <pipeline.json>`: writes a GitHub Actions workflow that validates
 * and runs the pipeline on every push and pull request and, on the default branch, exports
 * the trained model as an image (core/deploy/ci-workflow.ts).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { githubWorkflow } from '../../core/deploy/ci-workflow.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { formatIssue } from '../../core/graph/index.js';
import { displayPath, loadPipeline } from '../load.js';
import { green, UsageError } from '../output.js';
import { requireTag } from './export.js';

export interface CiWorkflowOptions {
  pipeline: string;
  out?: string;
  modelNode?: string;
  tag?: string;
}

export const DEFAULT_WORKFLOW = '.github/workflows/tensorloom.yml';

/** The repository root: the folder holding `.github/` in the workflow's path, else the current folder. */
function repositoryRoot(workflow: string): string {
  const parts = workflow.split(sep);
  const at = parts.lastIndexOf('.github');
  return at > 0 ? parts.slice(0, at).join(sep) || sep : process.cwd();
}

export async function ciWorkflowCommand(registry: NodeRegistry, options: CiWorkflowOptions): Promise<number> {
  const loaded = await loadPipeline(options.pipeline, registry);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.shown} is not a valid pipeline (${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}):\n`);
    for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return 2;
  }
  const nodes = [...loaded.pipeline.nodes.values()];
  const withModel = nodes.filter((node) => node.definition.outputs.model?.type === 'model');
  let modelNode: string;
  if (options.modelNode !== undefined) {
    if (!withModel.some((node) => node.id === options.modelNode)) {
      throw new UsageError(`--model-node ${options.modelNode}: no node with a 'model' output of that id in ${loaded.shown}; nodes with one: ${withModel.map((node) => node.id).join(', ') || 'none'}`);
    }
    modelNode = options.modelNode;
  } else {
    const trainers = withModel.filter((node) => node.type.startsWith('train.'));
    if (trainers.length !== 1) {
      throw new UsageError(
        trainers.length === 0
          ? `${loaded.shown} has no train.* node, so there is no model to export; pass --model-node NODE (a node with a 'model' output)`
          : `${loaded.shown} has several train.* nodes (${trainers.map((node) => node.id).join(', ')}); pick one with --model-node NODE`,
      );
    }
    modelNode = trainers[0]!.id;
  }
  const name = loaded.pipeline.doc.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'model';
  // Checked without the expression, which GitHub fills in with the commit id.
  const tag = options.tag ?? `${name}:\${{ github.sha }}`;
  if (options.tag !== undefined && !options.tag.includes('${{')) await requireTag(options.tag, 'ci-workflow');
  const out = resolve(options.out ?? DEFAULT_WORKFLOW);
  const root = repositoryRoot(out);
  const fromRoot = (path: string) => relative(root, path).split(sep).join('/') || '.';
  if (fromRoot(loaded.path).startsWith('../')) throw new UsageError(`${loaded.shown} is outside the repository at ${root}; write the workflow inside the pipeline's repository (--out)`);
  const text = githubWorkflow({ pipeline: fromRoot(loaded.path), workspace: fromRoot(dirname(loaded.path)), modelNode, tag, name });
  mkdirSync(dirname(out), { recursive: true });
  const existed = existsSync(out);
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, out);
  process.stderr.write(`${green('✓', process.stderr)} ${existed ? 'replaced' : 'wrote'} ${displayPath(out)}: validate and run ${fromRoot(loaded.path)} on every push; on the default branch, export the model of node '${modelNode}' as ${tag}\n`);
  process.stderr.write(`the repository's package.json must list tensorloom (npm ci installs it; npx runs it)\n`);
  return 0;
}
