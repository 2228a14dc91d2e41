import type { NodeRegistry } from '../graph/registry.js';
import type { SeriesPoint, WorkspaceStore } from '../store/index.js';
import { lowerIsBetter } from './metric-names.js';
import { toTrackedRun, type TrackedRun } from './tracked-run.js';
import { TrackingError } from './tracking-error.js';
import { sameValue } from './values.js';

/** What `tensorloom compare` and `GET /api/runs/compare` answer: only what tells the runs apart, and every final metric. */
export interface RunComparison {
  runs: {
    id: string;
    experiment: string;
    pipelineName: string;
    status: string;
    startedAt: number;
    finishedAt: number | null;
    durationMs: number | null;
    backend: string | null;
    tags: Record<string, string>;
    note: string | null;
  }[];
  /** node → param → one value per run (in `runs` order; null where the run has none), only params that differ. */
  params: Record<string, Record<string, unknown[]>>;
  /** node → metric → one final value per run (null where the run has none). */
  metrics: Record<string, Record<string, (number | null)[]>>;
  /**
   * node → metric → the ids of the runs with the best value (higher is better, lower for
   * losses, errors and timings: metric-names.ts); left out where fewer than two runs have a
   * value or all values are equal.
   */
  best: Record<string, Record<string, string[]>>;
}

export const MAX_COMPARED_RUNS = 50;

/** Reads the runs (in the order given) and compares them; an unknown or repeated id is a TrackingError naming it. */
export function compareStoredRuns(store: WorkspaceStore, ids: readonly string[], registry?: NodeRegistry): RunComparison {
  if (ids.length < 2) throw new TrackingError('usage', `compare needs at least two run ids (got ${ids.length})`);
  if (ids.length > MAX_COMPARED_RUNS) throw new TrackingError('usage', `compare takes at most ${MAX_COMPARED_RUNS} runs (got ${ids.length})`);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) throw new TrackingError('usage', `run ${repeated} is listed twice`);
  const rows = store.trackedRuns(ids);
  const missing = ids.filter((id) => !rows.some((row) => row.id === id));
  if (missing.length > 0) throw new TrackingError('unknown-run', `no run ${missing.map((id) => `'${id}'`).join(', ')} in this workspace; list them with: tensorloom runs`);
  return compareRuns(rows.map((row) => toTrackedRun(row, registry)));
}

export function compareRuns(runs: readonly TrackedRun[]): RunComparison {
  const params: RunComparison['params'] = {};
  for (const node of unionKeys(runs.map((run) => run.params))) {
    for (const param of unionKeys(runs.map((run) => run.params[node] ?? {}))) {
      const values = runs.map((run) => run.params[node]?.[param]);
      if (values.every((value) => sameValue(value, values[0]))) continue;
      (params[node] ??= {})[param] = values.map((value) => (value === undefined ? null : value));
    }
  }
  const metrics: RunComparison['metrics'] = {};
  const best: RunComparison['best'] = {};
  for (const node of unionKeys(runs.map((run) => run.metrics))) {
    for (const name of unionKeys(runs.map((run) => run.metrics[node] ?? {}))) {
      const values = runs.map((run) => run.metrics[node]?.[name] ?? null);
      (metrics[node] ??= {})[name] = values;
      const winners = bestOf(values, lowerIsBetter(name));
      if (winners.length > 0) (best[node] ??= {})[name] = winners.map((index) => runs[index]!.id);
    }
  }
  return {
    runs: runs.map((run) => ({
      id: run.id,
      experiment: run.experiment,
      pipelineName: run.pipelineName,
      status: run.status,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      durationMs: run.durationMs,
      backend: run.backend,
      tags: run.tags,
      note: run.note,
    })),
    params,
    metrics,
    best,
  };
}

/** Indexes of the best values; none when fewer than two values are numbers or all are equal. */
function bestOf(values: readonly (number | null)[], lower: boolean): number[] {
  const present = values.flatMap((value, index) => (value === null || Number.isNaN(value) ? [] : [{ value, index }]));
  if (present.length < 2) return [];
  const target = lower ? Math.min(...present.map((entry) => entry.value)) : Math.max(...present.map((entry) => entry.value));
  const winners = present.filter((entry) => entry.value === target).map((entry) => entry.index);
  return winners.length === present.length ? [] : winners;
}

/** Keys of several objects in first-seen order. */
function unionKeys(objects: readonly Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const object of objects) for (const key of Object.keys(object)) keys.add(key);
  return [...keys];
}

/** node → metric → run id → points: each run's step series, for curves overlaid in the compare view. */
export function comparedSeries(store: WorkspaceStore, ids: readonly string[]): Record<string, Record<string, Record<string, SeriesPoint[]>>> {
  const series: Record<string, Record<string, Record<string, SeriesPoint[]>>> = {};
  for (const id of ids) {
    for (const [node, metrics] of Object.entries(store.getRun(id)?.series ?? {})) {
      for (const [name, points] of Object.entries(metrics)) ((series[node] ??= {})[name] ??= {})[id] = points;
    }
  }
  return series;
}
