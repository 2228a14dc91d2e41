/**
 * `tensorloom import-results DIR`: merges step result records (what `run --only --results-dir`
 * wrote on other machines) into the workspace's run history: one run per run id, with each
 * step's node execution, outputs, metrics, logs and trials, and cache entries, so the next
 * local run reuses what the steps computed. Importing the same run twice changes nothing.
 */
import { existsSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { importStepRun, mergeStore, readStepRun, StepRecordError, stepRunFolders, storesUnder, type ImportedRun } from '../../core/engine/step-results.js';
import { bold, dim, green, red, UsageError, yellow } from '../output.js';
import { findWorkspace, openStore, STORE_DIR } from '../workspace.js';

export interface ImportResultsOptions {
  dir: string;
  workspace?: string;
  json: boolean;
}

/** The workspace whose .tensorloom folder holds `dir` (the usual place: .tensorloom/results). */
function enclosingWorkspace(dir: string): string | undefined {
  const parts = dir.split(sep);
  const at = parts.lastIndexOf(STORE_DIR);
  return at > 0 ? parts.slice(0, at).join(sep) || sep : undefined;
}

/**
 * Exit codes: 0 every run imported (whatever their status), 2 no records or a record that
 * cannot be imported. DIR is a folder of step records (`<results>/<run id>/*.json`, or one
 * run's folder), or store folders with `artifacts/` and `results/` (the store artifacts of an
 * Argo workflow in S3 mode), whose artifacts are merged into the workspace's store first.
 */
export async function importResultsCommand(options: ImportResultsOptions): Promise<number> {
  const dir = resolve(options.dir);
  if (!existsSync(dir)) throw new UsageError(`${options.dir}: no such folder (give the folder the steps wrote with --results-dir, or downloaded store folders)`);
  const stores = storesUnder(dir);
  const root =
    options.workspace !== undefined
      ? findWorkspace(options.workspace)
      : ((stores.length === 0 ? enclosingWorkspace(dir) : undefined) ?? findWorkspace(undefined));
  const store = openStore(root, { cleanTemp: false });
  const imported: ImportedRun[] = [];
  try {
    let folders: string[];
    try {
      if (stores.length > 0) {
        const results = join(store.dir, 'results');
        const runs = new Set<string>();
        for (const from of stores) {
          await mergeStore(from, store.artifacts, results);
          for (const folder of existsSync(join(from, 'results')) ? stepRunFolders(join(from, 'results')) : []) runs.add(join(results, basename(folder)));
        }
        folders = [...runs].sort();
      } else folders = stepRunFolders(dir);
    } catch (error) {
      if (error instanceof StepRecordError) throw new UsageError(error.message);
      throw error;
    }
    if (folders.length === 0) throw new UsageError(`${options.dir}: no step result records (*.json) in it or in its subfolders`);
    for (const folder of folders) {
      try {
        imported.push(importStepRun(store, readStepRun(folder)));
      } catch (error) {
        if (error instanceof StepRecordError) throw new UsageError(error.message);
        throw error;
      }
    }
  } finally {
    store.close();
  }
  if (options.json) {
    process.stdout.write(JSON.stringify({ workspace: root, runs: imported }, null, 2) + '\n');
    return 0;
  }
  for (const run of imported) {
    const states = Object.entries(run.nodes);
    const done = states.filter(([, state]) => state === 'succeeded' || state === 'cached').length;
    const verdict = run.status === 'succeeded' ? green('succeeded') : red('failed');
    const note = run.alreadyImported ? yellow(' (imported before: unchanged)') : '';
    process.stdout.write(`${bold(run.stepRunId)} → run ${run.runId} ${verdict}: ${done}/${states.length} nodes${note}\n`);
    for (const [id, state] of states) if (state !== 'succeeded' && state !== 'cached') process.stdout.write(`  ${red(state)} ${id}\n`);
  }
  const shown = relative(process.cwd(), root) || '.';
  process.stdout.write(dim(`details: tensorloom runs --workspace ${shown.startsWith('..') ? root : shown}`) + '\n');
  return 0;
}
