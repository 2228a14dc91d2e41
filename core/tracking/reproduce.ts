import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Engine, type EngineEventListener, type EngineOptions } from '../engine/index.js';
import { formatIssue, migratePipeline, validatePipeline } from '../graph/index.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { PipelineDoc } from '../graph/types.js';
import type { RunDetail, WorkspaceStore } from '../store/index.js';
import { isTimingMetric } from './metric-names.js';
import { TrackingError } from './tracking-error.js';

export interface ReproduceOptions {
  store: WorkspaceStore;
  registry: NodeRegistry;
  workspaceRoot: string;
  runId: string;
  signal?: AbortSignal;
  onEvent?: EngineEventListener;
  /** Passed on to the engine (concurrency, disk budget, …). */
  engine?: Partial<Omit<EngineOptions, 'registry' | 'store' | 'workspaceRoot'>>;
  /** What started it, recorded with the new run (default 'cli'). */
  trigger?: string;
}

export interface MetricDifference {
  node: string;
  metric: string;
  original: number | null;
  reproduced: number | null;
  /** Largest |original − reproduced| over the final value and every step; null when one run lacks the metric. */
  maxAbsDiff: number | null;
  /** A timing (secondsPerEpoch, latency…): expected to differ, not counted. */
  timing: boolean;
}

export interface OutputDifference {
  node: string;
  port: string;
  type: string;
  original: string | null;
  reproduced: string | null;
  identical: boolean;
  /** For a metrics or report output that differs: the difference is in timing fields only. */
  timingOnly?: boolean;
}

export interface ReproduceReport {
  runId: string;
  reproducedRunId: string;
  status: string;
  /** Same metrics (timings aside) and same output bytes (a metrics output may differ in timings only). */
  identical: boolean;
  backend: { original: string | null; reproduced: string; same: boolean };
  /** Did the pipeline resolve to the same canonical hash (node versions may have moved since)? */
  samePipeline: boolean;
  metrics: MetricDifference[];
  outputs: OutputDifference[];
  /** Source files whose content changed since the run (or are gone): the new run read different data. */
  changedSources: { node: string; path: string; recorded: string; now: string | null }[];
}

/**
 * Re-runs a run's own pipeline snapshot (its params and `--set` overrides are in it) with
 * the cache bypassed, records the new run (tagged `reproduce.of`), and compares: metrics
 * (final values and every step) and the content hashes of every output.
 */
export async function reproduceRun(options: ReproduceOptions): Promise<ReproduceReport> {
  const { store, registry, workspaceRoot, runId } = options;
  const original = store.getRun(runId);
  if (original === undefined) throw new TrackingError('unknown-run', `no run '${runId}' in this workspace; list them with: tensorloom runs`);
  if (original.status === 'running') throw new TrackingError('not-reproducible', `run ${runId} is still running; reproduce it once it has ended`);
  const pipeline = resolveSnapshot(original, registry);
  const pipelineDir = original.pipelinePath === null ? workspaceRoot : dirname(original.pipelinePath);
  const changedSources = await changedSourceFiles(store, workspaceRoot, original);

  const engine = new Engine({ ...options.engine, registry, store, workspaceRoot });
  let result;
  try {
    result = await engine.run({
      pipeline,
      pipelinePath: original.pipelinePath,
      pipelineDir,
      ...(original.until === null ? {} : { until: original.until }),
      overrides: original.overrides,
      experiment: original.experiment,
      trigger: options.trigger ?? 'cli',
      tags: { 'reproduce.of': runId },
      useCache: false,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    });
  } finally {
    await engine.close();
  }
  const reproduced = store.getRun(result.runId)!;
  const metrics = metricDifferences(original, reproduced);
  const outputs = await outputDifferences(store, original, reproduced);
  const identical =
    reproduced.status === 'succeeded' &&
    metrics.every((metric) => metric.timing || metric.maxAbsDiff === 0) &&
    outputs.every((output) => output.identical || output.timingOnly === true);
  return {
    runId,
    reproducedRunId: reproduced.id,
    status: reproduced.status,
    identical,
    backend: { original: original.backend, reproduced: result.backend, same: (original.backend ?? 'none') === result.backend },
    samePipeline: pipeline.hash === original.pipelineHash,
    metrics,
    outputs,
    changedSources,
  };
}

/** The run's pipeline document, migrated to today's node versions and validated; a TrackingError says why it cannot run. */
function resolveSnapshot(run: RunDetail, registry: NodeRegistry) {
  let doc: PipelineDoc;
  try {
    doc = JSON.parse(run.pipelineJson) as PipelineDoc;
  } catch {
    throw new TrackingError('not-reproducible', `run ${run.id} has no readable pipeline snapshot`);
  }
  const migration = migratePipeline(doc, registry);
  const validated = validatePipeline(migration.doc, registry);
  if (!validated.ok) {
    const problems = validated.issues.slice(0, 3).map((issue) => formatIssue(issue)).join('; ');
    throw new TrackingError('not-reproducible', `run ${run.id}'s pipeline does not validate with the node types installed now: ${problems}${validated.issues.length > 3 ? `; and ${validated.issues.length - 3} more` : ''}`);
  }
  if (run.until !== null && !validated.pipeline.nodes.has(run.until)) throw new TrackingError('not-reproducible', `run ${run.id} ran until node '${run.until}', which its pipeline no longer has`);
  return validated.pipeline;
}

async function changedSourceFiles(store: WorkspaceStore, workspaceRoot: string, run: RunDetail): Promise<ReproduceReport['changedSources']> {
  const changed: ReproduceReport['changedSources'] = [];
  for (const source of run.sources) {
    const absolute = isAbsolute(source.path) ? source.path : resolve(workspaceRoot, source.path);
    const now = existsSync(absolute) && statSync(absolute).isFile() ? await store.fileHash(absolute) : null;
    if (now !== source.hash) changed.push({ node: source.nodeId, path: source.path, recorded: source.hash, now });
  }
  return changed;
}

function metricDifferences(original: RunDetail, reproduced: RunDetail): MetricDifference[] {
  const differences: MetricDifference[] = [];
  const nodes = new Set([...Object.keys(original.metrics), ...Object.keys(reproduced.metrics)]);
  for (const node of nodes) {
    const names = new Set([...Object.keys(original.metrics[node] ?? {}), ...Object.keys(reproduced.metrics[node] ?? {})]);
    for (const metric of names) {
      const a = original.metrics[node]?.[metric];
      const b = reproduced.metrics[node]?.[metric];
      let diff: number | null = a === undefined || b === undefined ? null : distance(a, b);
      const seriesA = original.series[node]?.[metric] ?? [];
      const seriesB = new Map((reproduced.series[node]?.[metric] ?? []).map((point) => [point.step, point.value]));
      if (diff !== null && (seriesA.length !== seriesB.size || seriesA.some((point) => !seriesB.has(point.step)))) diff = Number.POSITIVE_INFINITY;
      for (const point of seriesA) if (diff !== null && seriesB.has(point.step)) diff = Math.max(diff, distance(point.value, seriesB.get(point.step)!));
      differences.push({ node, metric, original: a ?? null, reproduced: b ?? null, maxAbsDiff: diff, timing: isTimingMetric(metric) });
    }
  }
  return differences;
}

/** |a − b|, with two NaNs the same (0) and one NaN infinitely far. */
function distance(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Number.POSITIVE_INFINITY;
  return a === b ? 0 : Math.abs(a - b);
}

async function outputDifferences(store: WorkspaceStore, original: RunDetail, reproduced: RunDetail): Promise<OutputDifference[]> {
  const differences: OutputDifference[] = [];
  for (const [node, execution] of Object.entries(original.nodes)) {
    const again = reproduced.nodes[node]?.outputs ?? {};
    for (const [port, ref] of Object.entries(execution.outputs)) {
      const other = again[port];
      const identical = other?.hash === ref.hash;
      const difference: OutputDifference = { node, port, type: ref.type, original: ref.hash, reproduced: other?.hash ?? null, identical };
      if (!identical && other !== undefined && (ref.type === 'metrics' || ref.type === 'report')) {
        difference.timingOnly = await differsInTimingOnly(store, ref.hash, other.hash);
      }
      differences.push(difference);
    }
  }
  return differences;
}

/** Two JSON artifacts that are equal once timing fields (secondsPerEpoch, …) are left out, at any depth. */
async function differsInTimingOnly(store: WorkspaceStore, a: string, b: string): Promise<boolean> {
  try {
    const [left, right] = await Promise.all([a, b].map(async (hash) => withoutTimings(JSON.parse(await readFile(store.artifacts.pathOf(hash), 'utf8')))));
    return JSON.stringify(left) === JSON.stringify(right);
  } catch {
    return false;
  }
}

function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !isTimingMetric(key))
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
      .map(([key, entry]) => [key, withoutTimings(entry)]),
  );
}
