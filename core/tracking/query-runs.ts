import type { NodeRegistry } from '../graph/registry.js';
import type { WorkspaceStore } from '../store/index.js';
import { matchesWhere, sortRuns } from './evaluate.js';
import { fieldText, fieldValue, metricSource, type FieldPath } from './run-fields.js';
import { DEFAULT_SORT, parseSort } from './sort-spec.js';
import { toTrackedRun, type TrackedRun } from './tracked-run.js';
import { sameValue } from './values.js';
import { fieldSegments, parseWhere, type WhereExpr } from './where.js';

export interface RunQuery {
  /** Only this experiment's runs. */
  experiment?: string;
  /** A filter (see where.ts). */
  where?: string;
  /** Sort keys (see sort-spec.ts); default newest first. */
  sort?: string;
  /** At most this many runs (after filtering and sorting). */
  limit?: number;
  /** Include child runs (tune trials); default false. */
  children?: boolean;
}

export interface RunTable {
  runs: TrackedRun[];
  columns: {
    /** Metric columns worth showing, as `metrics.` fields without the prefix: `accuracy`, `train.loss`. */
    metrics: string[];
    /** `node.param` for every param whose value differs between the listed runs. */
    params: string[];
  };
}

/** How many metric columns the table picks by itself. */
const MAIN_METRICS = 6;
/** Runs read per batch while filtering or sorting a whole workspace. */
const BATCH = 500;

/**
 * Finds runs: newest first (or by `sort`), filtered by experiment and `where`, at most
 * `limit`. Throws QuerySyntaxError for a filter or sort that does not parse.
 */
export function queryRuns(store: WorkspaceStore, query: RunQuery, registry?: NodeRegistry): RunTable {
  const where = query.where === undefined || query.where.trim() === '' ? undefined : parseWhere(query.where);
  const sort = query.sort === undefined || query.sort.trim() === '' ? DEFAULT_SORT : parseSort(query.sort);
  const limit = query.limit;
  const byDate = where === undefined && sort === DEFAULT_SORT;
  // Newest first with no filter: the store stops at the limit. Otherwise every run of the experiment is looked at.
  const ids = store.trackedRunIds({
    ...(query.experiment === undefined ? {} : { experiment: query.experiment }),
    children: query.children === true,
    ...(byDate && limit !== undefined ? { limit } : {}),
  });
  let runs: TrackedRun[] = [];
  for (let start = 0; start < ids.length; start += BATCH) {
    for (const row of store.trackedRuns(ids.slice(start, start + BATCH))) {
      const run = toTrackedRun(row, registry);
      if (where === undefined || matchesWhere(run, where)) runs.push(run);
    }
  }
  if (!byDate) runs = sortRuns(runs, sort);
  if (limit !== undefined) runs = runs.slice(0, limit);
  return { runs, columns: { metrics: mainMetrics(runs, [...fieldsIn(where), ...sort.map((key) => key.field)]), params: differingParams(runs) } };
}

function fieldsIn(expr: WhereExpr | undefined): FieldPath[] {
  if (expr === undefined) return [];
  switch (expr.kind) {
    case 'and':
    case 'or':
      return [...fieldsIn(expr.left), ...fieldsIn(expr.right)];
    case 'not':
      return fieldsIn(expr.expr);
    case 'compare':
      return [expr.field];
  }
}

/**
 * The metrics a runs table shows: those the filter and sort name, then what evaluation
 * nodes (`eval.*`) report, else what training nodes (`train.*`) report without steps, up to
 * MAIN_METRICS. Evaluation metrics show by name (`accuracy`, resolved as `metrics.accuracy`
 * is); others as `node.metric`.
 */
export function mainMetrics(runs: readonly TrackedRun[], named: readonly FieldPath[]): string[] {
  const columns: string[] = [];
  const add = (column: string) => {
    if (!columns.includes(column)) columns.push(column);
  };
  for (const field of named) if (field[0] === 'metrics') add(fieldText(field.slice(1)));
  const picked = columns.length;
  for (const prefix of ['eval.', 'train.']) {
    for (const run of runs) {
      for (const [node, type] of Object.entries(run.nodeTypes)) {
        if (!type?.startsWith(prefix)) continue;
        for (const name of Object.keys(run.metrics[node] ?? {})) {
          if (columns.length - picked >= MAIN_METRICS) break;
          add(prefix === 'eval.' && metricSource(run, name) === node ? fieldText([name]) : fieldText([node, name]));
        }
      }
    }
    if (columns.length > picked) break;
  }
  return columns;
}

/** `node.param` keys whose values are not the same in every run (a param one run lacks counts as different). */
export function differingParams(runs: readonly TrackedRun[]): string[] {
  if (runs.length < 2) return [];
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const [node, params] of Object.entries(run.params)) {
      for (const param of Object.keys(params)) {
        const key = `${node}.${param}`;
        if (!seen.has(key)) {
          seen.add(key);
          keys.push(key);
        }
      }
    }
  }
  return keys.filter((key) => {
    const dot = key.indexOf('.');
    const [node, param] = [key.slice(0, dot), key.slice(dot + 1)];
    const first = runs[0]!.params[node]?.[param];
    return runs.some((run) => !sameValue(run.params[node]?.[param], first));
  });
}

/** The value of a metric column (`accuracy`, `train.loss`) on a run. */
export function metricColumnValue(run: TrackedRun, column: string): number | undefined {
  const value = fieldValue(run, ['metrics', ...fieldSegments(column)]);
  return typeof value === 'number' ? value : undefined;
}
