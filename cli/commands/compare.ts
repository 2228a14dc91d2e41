import { compareStoredRuns, formatCell, isTrackingError, type RunComparison } from '../../core/tracking/index.js';
import { bold, dim, formatMs, green, table, UsageError } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

/**
 * `tensorloom compare <runId> <runId>…`: the params that differ (node → param → value per
 * run) and every final metric side by side, the best value of each marked with '*'.
 */
export function compareCommand(options: { runIds: string[]; json: boolean; workspace?: string }): number {
  const store = openStore(findWorkspace(options.workspace));
  let comparison: RunComparison;
  try {
    comparison = compareStoredRuns(store, options.runIds);
  } catch (error) {
    if (isTrackingError(error)) throw new UsageError(error.message);
    throw error;
  } finally {
    store.close();
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
    return 0;
  }
  const ids = comparison.runs.map((run) => run.id);
  const header = (first: string[]) => [...first.map((text) => dim(text)), ...ids.map((id) => dim(id))];

  const runRows = [header(['run'])];
  runRows.push(['  experiment', ...comparison.runs.map((run) => run.experiment)]);
  runRows.push(['  status', ...comparison.runs.map((run) => run.status)]);
  runRows.push(['  took', ...comparison.runs.map((run) => (run.durationMs === null ? '—' : formatMs(run.durationMs)))]);
  runRows.push(['  backend', ...comparison.runs.map((run) => run.backend ?? '—')]);
  if (comparison.runs.some((run) => Object.keys(run.tags).length > 0)) {
    runRows.push(['  tags', ...comparison.runs.map((run) => Object.entries(run.tags).map(([key, value]) => `${key}=${value}`).join(' ') || '—')]);
  }
  process.stdout.write(table(runRows) + '\n\n');

  const paramRows: string[][] = [];
  for (const [node, params] of Object.entries(comparison.params)) {
    for (const [param, values] of Object.entries(params)) paramRows.push([`  ${node}.${param}`, ...values.map(formatCell)]);
  }
  process.stdout.write(paramRows.length === 0 ? `${bold('params')}: the same in every run\n\n` : `${bold('params that differ')}\n${table([header(['  param']), ...paramRows])}\n\n`);

  const metricRows: string[][] = [];
  for (const [node, metrics] of Object.entries(comparison.metrics)) {
    for (const [name, values] of Object.entries(metrics)) {
      const best = new Set(comparison.best[node]?.[name] ?? []);
      metricRows.push([`  ${node}.${name}`, ...values.map((value, index) => (best.has(ids[index]!) ? green(`${formatCell(value)} *`) : formatCell(value)))]);
    }
  }
  process.stdout.write(metricRows.length === 0 ? `${bold('metrics')}: none recorded\n` : `${bold('metrics')} ${dim('(* best: highest, or lowest for losses, errors and timings)')}\n${table([header(['  metric']), ...metricRows])}\n`);
  return 0;
}
