import type { EngineEvent } from '../../core/engine/index.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { isTrackingError, reproduceRun, type ReproduceReport } from '../../core/tracking/index.js';
import { bold, dim, green, red, table, UsageError, yellow } from '../output.js';
import { openStore } from '../workspace.js';
import { ProgressPrinter } from './run.js';

/**
 * `tensorloom reproduce <runId>`: re-runs the run's own pipeline snapshot with the cache
 * bypassed and says whether metrics and output bytes came out identical, or how far they
 * differ. Exit 0 when identical, 1 when not (or the new run failed), 130 when cancelled.
 */
export async function reproduceCommand(registry: NodeRegistry, options: { runId: string; json: boolean; root: string }): Promise<number> {
  const store = openStore(options.root);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const printer = options.json ? undefined : new ProgressPrinter();
  let report: ReproduceReport;
  try {
    if (!options.json) process.stderr.write(dim(`reproducing run ${options.runId} from its pipeline snapshot, cache bypassed`, process.stderr) + '\n');
    report = await reproduceRun({
      store,
      registry,
      workspaceRoot: options.root,
      runId: options.runId,
      signal: controller.signal,
      ...(printer ? { onEvent: (event: EngineEvent) => printer.onEvent(event) } : {}),
    });
  } catch (error) {
    if (isTrackingError(error)) throw new UsageError(error.message);
    throw error;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    store.close();
  }
  if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else printReport(report);
  if (report.status === 'cancelled') return 130;
  return report.identical ? 0 : 1;
}

function printReport(report: ReproduceReport): void {
  const backend = report.backend.same
    ? `backend ${report.backend.reproduced}, as before`
    : `backend ${report.backend.reproduced}, the original ran on ${report.backend.original ?? 'none'}: exact equality is not expected`;
  const verdict = report.identical ? green('identical') : report.status !== 'succeeded' ? red(`the new run ${report.status}`) : yellow('differs');
  process.stdout.write(`\nrun ${report.runId} reproduced as ${report.reproducedRunId} (${backend}): ${verdict}\n`);
  if (!report.samePipeline) process.stdout.write(yellow('the pipeline snapshot resolves differently today (a node type changed version)') + '\n');
  for (const source of report.changedSources) {
    process.stdout.write(yellow(`source file changed since the run: ${source.node} ${source.path}${source.now === null ? ' (gone)' : ''}`) + '\n');
  }

  const compared = report.metrics.filter((metric) => !metric.timing);
  const differing = compared.filter((metric) => metric.maxAbsDiff !== 0);
  const timings = report.metrics.length - compared.length;
  process.stdout.write(`metrics: ${compared.length - differing.length} of ${compared.length} identical${timings > 0 ? dim(` (${timings} timing${timings === 1 ? '' : 's'} not compared)`) : ''}\n`);
  if (differing.length > 0) {
    const rows = differing.map((metric) => [
      `  ${metric.node}.${metric.metric}`,
      metric.maxAbsDiff === null ? 'missing in one run' : `max |Δ| ${formatDiff(metric.maxAbsDiff)}`,
      dim(`${metric.original ?? '—'} → ${metric.reproduced ?? '—'}`),
    ]);
    process.stdout.write(table(rows) + '\n');
  }

  const same = report.outputs.filter((output) => output.identical).length;
  const timingOnly = report.outputs.filter((output) => !output.identical && output.timingOnly === true);
  const differ = report.outputs.filter((output) => !output.identical && output.timingOnly !== true);
  process.stdout.write(`outputs: ${same} of ${report.outputs.length} byte-identical${timingOnly.length > 0 ? dim(`, ${timingOnly.length} differing in timings only (${timingOnly.map((output) => `${output.node}.${output.port}`).join(', ')})`) : ''}\n`);
  if (differ.length > 0) {
    process.stdout.write(`${bold('outputs that differ')}\n`);
    const rows = differ.map((output) => [`  ${output.node}.${output.port}`, output.type, dim(`${short(output.original)} → ${short(output.reproduced)}`)]);
    process.stdout.write(table(rows) + '\n');
  }
  process.stdout.write(dim(`compare them: tensorloom compare ${report.runId} ${report.reproducedRunId}`) + '\n');
}

function short(hash: string | null): string {
  return hash === null ? 'none' : `${hash.slice(0, 19)}…`;
}

function formatDiff(value: number): string {
  return Number.isFinite(value) ? value.toPrecision(3) : 'different steps or NaN';
}
