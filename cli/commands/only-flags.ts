/** The flags of `run --only` (see run-only.ts), checked before the pipeline is read: kept apart so run.ts loads run-only.ts only when used. */
import { STEP_RUN_ID_PATTERN } from '../../core/engine/step-results.js';
import { UsageError } from '../output.js';

/** Checks the flags that go with --only before anything is read or written. */
export function checkOnlyFlags(options: { only?: string; until?: string; resultsDir?: string; runId?: string; mergeFrom?: string }): void {
  if (options.mergeFrom !== undefined && options.resultsDir === undefined) throw new UsageError('--merge-from goes with --only NODE --results-dir DIR (a workflow step handed its upstream steps\' stores)');
  if (options.only === undefined) {
    if (options.resultsDir !== undefined) throw new UsageError('--results-dir goes with --only NODE (a step of a run spread over several processes)');
    if (options.runId !== undefined) throw new UsageError('--run-id goes with --only NODE --results-dir DIR');
    return;
  }
  if (options.until !== undefined) throw new UsageError('--only and --until do not go together: --only runs exactly one node, --until a node and its ancestors');
  if (options.resultsDir !== undefined && options.runId === undefined) {
    throw new UsageError('--results-dir needs --run-id ID: the id every step of the run shares (in an Argo workflow, its name)');
  }
  if (options.runId !== undefined && options.resultsDir === undefined) throw new UsageError('--run-id goes with --results-dir DIR (without it, the step is recorded as a run in the workspace database)');
  if (options.runId !== undefined && !STEP_RUN_ID_PATTERN.test(options.runId)) {
    throw new UsageError(`--run-id '${options.runId}': use 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}
