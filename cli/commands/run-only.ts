/**
 * `tensorloom run <pipeline.json> --only NODE [--results-dir DIR --run-id ID]`: one node from
 * its inputs' stored artifacts (core/engine/run-one.ts). Without --results-dir the step is a
 * run of one node in the workspace database; with it, the database is never opened and the
 * step writes `DIR/<ID>/<NODE>.json` for `tensorloom import-results` (steps on several
 * machines sharing one artifact folder).
 */
import { dirname, join, resolve } from 'node:path';
import { isNodeError } from '../../core/base/errors.js';
import type { DiskBudgetSetting, EngineEvent } from '../../core/engine/index.js';
import { RunOneError, runOnlyNode, type RunOneResult } from '../../core/engine/run-one.js';
import { mergeStore, storesUnder } from '../../core/engine/step-results.js';
import { ArtifactStore } from '../../core/store/index.js';
import type { ResolvedPipeline } from '../../core/graph/types.js';
import { dim, green, red, UsageError, yellow } from '../output.js';
import { openStore, STORE_DIR } from '../workspace.js';
import { ProgressPrinter } from './run.js';

export interface RunOnlyOptions {
  pipeline: ResolvedPipeline;
  path: string;
  root: string;
  only: string;
  overrides: Record<string, unknown>;
  json: boolean;
  diskBudget: DiskBudgetSetting;
  experiment?: string;
  resultsDir?: string;
  runId?: string;
  /** --merge-from DIR: store folders (each with artifacts/ and results/) merged into this one first (Argo's S3 mode). */
  mergeFrom?: string;
}

/** Exit codes: 0 succeeded (or cached), 1 the node failed, 2 usage or an upstream result missing, 130 cancelled. */
export async function runOnlyCommand(options: RunOnlyOptions): Promise<number> {
  const { pipeline, only } = options;
  if (!pipeline.nodes.has(only)) throw new UsageError(`--only ${only}: no such node in the pipeline; nodes are: ${pipeline.order.join(', ')}`);
  const storeDir = join(options.root, STORE_DIR);
  const store = options.resultsDir === undefined ? openStore(options.root) : undefined;
  if (options.mergeFrom !== undefined) {
    const artifacts = new ArtifactStore(storeDir);
    for (const from of storesUnder(resolve(options.mergeFrom))) {
      const merged = await mergeStore(from, artifacts, resolve(options.resultsDir!));
      if (!options.json) process.stderr.write(dim(`merged ${merged.artifacts} artifact${merged.artifacts === 1 ? '' : 's'} and ${merged.records} step result${merged.records === 1 ? '' : 's'} from ${from}`, process.stderr) + '\n');
    }
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printer = options.json ? undefined : new ProgressPrinter();
  let result: RunOneResult;
  try {
    result = await runOnlyNode({
      pipeline,
      pipelinePath: options.path,
      pipelineDir: dirname(options.path),
      workspaceRoot: options.root,
      nodeId: only,
      target: store ? { kind: 'store', store } : { kind: 'results', storeDir, resultsDir: resolve(options.resultsDir!), runId: options.runId! },
      overrides: options.overrides,
      diskBudget: options.diskBudget,
      trigger: 'cli',
      ...(options.experiment === undefined ? {} : { experiment: options.experiment }),
      signal: controller.signal,
      ...(printer ? { onEvent: (event: EngineEvent) => printer.onEvent(event) } : {}),
    });
  } catch (error) {
    // A missing upstream result, or a source file that is not there: the user's to fix, in one line.
    if (error instanceof RunOneError || isNodeError(error)) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    store?.close();
  }
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const verdict = result.status === 'succeeded' ? green(result.cached ? 'cached' : 'succeeded') : result.status === 'failed' ? red('failed') : yellow('cancelled');
    process.stdout.write(`\n${result.node} ${verdict}${result.error ? `: ${result.error}` : ''}\n`);
    for (const [port, id] of Object.entries(result.outputs)) process.stdout.write(`  ${port} ${id}\n`);
    process.stdout.write(dim(result.record ? `step result: ${result.record}` : `details: tensorloom show ${result.runId}`) + '\n');
  }
  return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
}
