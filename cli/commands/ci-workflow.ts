/**
 * `tensorloom ci-workflow <pipeline.json>`: writes a GitHub Actions workflow that validates
 * and runs the pipeline on every push and pull request and, on the default branch, exports
 * the trained model as an image (core/deploy/ci-workflow.ts).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../core/deploy/bundle.js';
import { githubWorkflow, SOURCE_VARIABLE } from '../../core/deploy/ci-workflow.js';
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
  /** --install-from: where the workflow installs Tensorloom from (git URL#ref, a source tarball URL, or a folder). */
  installFrom?: string;
}

/**
 * The Tensorloom this command runs from, as the workflow can install it: its git checkout's
 * origin at the current commit. Undefined when it is not a checkout with a remote.
 */
export function installSourceOfThisTensorloom(): string | undefined {
  const root = projectRoot();
  const git = (args: string[]) => {
    const result = spawnSync('git', ['-C', root, ...args], { encoding: 'utf8', timeout: 5000 });
    return result.status === 0 ? result.stdout.trim() : '';
  };
  const remote = git(['remote', 'get-url', 'origin']);
  const commit = git(['rev-parse', 'HEAD']);
  if (remote === '' || !/^[0-9a-f]{40}$/.test(commit)) return undefined;
  return `${remote}#${commit}`;
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
  if (options.installFrom !== undefined && options.installFrom.trim() === '') throw new UsageError('--install-from needs a git URL#commit, a source tarball URL (.tar.gz) or a folder holding a Tensorloom checkout');
  const source = options.installFrom ?? installSourceOfThisTensorloom();
  const text = githubWorkflow({ pipeline: fromRoot(loaded.path), workspace: fromRoot(dirname(loaded.path)), modelNode, tag, name, ...(source === undefined ? {} : { source }) });
  mkdirSync(dirname(out), { recursive: true });
  const existed = existsSync(out);
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, out);
  process.stderr.write(`${green('✓', process.stderr)} ${existed ? 'replaced' : 'wrote'} ${displayPath(out)}: validate and run ${fromRoot(loaded.path)} on every push; on the default branch, export the model of node '${modelNode}' as ${tag}\n`);
  process.stderr.write(
    source === undefined
      ? `the workflow installs Tensorloom from the repository variable ${SOURCE_VARIABLE}: set it to Tensorloom's git URL#commit or a source tarball URL (or write the workflow again with --install-from)\n`
      : `the workflow installs Tensorloom from ${source} (the repository needs nothing but its pipelines and data)\n`,
  );
  return 0;
}
