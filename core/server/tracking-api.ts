/**
 * The API behind a runs page and a compare view (API.md, "Tracking"): runs with their
 * experiment, params, metrics and tags, filtered and sorted like `tensorloom runs`;
 * comparisons with overlaid series; tags and notes.
 */
import type { IncomingMessage } from 'node:http';
import { isStoreError } from '../store/index.js';
import {
  compareStoredRuns,
  comparedSeries,
  isQuerySyntaxError,
  isTrackingError,
  MAX_COMPARED_RUNS,
  queryRuns,
  type RunTable,
  type TrackedRun,
} from '../tracking/index.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError, readJsonBody } from './http.js';
import { pipelineFile, workspacePath } from './workspace-files.js';

const DEFAULT_RUN_LIMIT = 50;
const MAX_RUN_LIMIT = 1000;

/** A run as the runs page lists it. */
export function runItem(ctx: ApiContext, run: TrackedRun) {
  return {
    runId: run.id,
    status: run.status,
    pipeline: run.pipelineName,
    pipelinePath: workspacePath(ctx.root, run.pipelinePath),
    experiment: run.experiment,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    backend: run.backend,
    until: run.until,
    error: run.error,
    nodeCounts: run.nodeCounts,
    parentRunId: run.parentRunId,
    tags: run.tags,
    note: run.note,
    params: run.params,
    metrics: jsonSafeMetrics(run.metrics),
  };
}

/** JSON has no NaN: a metric that is NaN is sent as null. */
function jsonSafeMetrics(metrics: Record<string, Record<string, number>>): Record<string, Record<string, number | null>> {
  return Object.fromEntries(Object.entries(metrics).map(([node, values]) => [node, Object.fromEntries(Object.entries(values).map(([name, value]) => [name, Number.isNaN(value) ? null : value]))]));
}

/** The runs a listing asks for: `experiment`, `where`, `sort`, `limit`, `children`, and `path` (one pipeline file's runs). */
function findRuns(ctx: ApiContext, url: URL): RunTable {
  const params = url.searchParams;
  const limitText = params.get('limit');
  const limit = limitText === null ? DEFAULT_RUN_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RUN_LIMIT) throw new HttpError(400, `limit must be a whole number from 1 to ${MAX_RUN_LIMIT}`);
  const pathParam = params.get('path');
  const file = pathParam === null ? undefined : pipelineFile(ctx.root, pathParam);
  const experiment = params.get('experiment');
  const where = params.get('where');
  const sort = params.get('sort');
  const children = params.get('children');
  if (children !== null && children !== 'true' && children !== 'false') throw new HttpError(400, "children must be 'true' or 'false'");
  try {
    const found = queryRuns(
      ctx.store,
      {
        // One file's runs are picked after the query: then every run is looked at.
        ...(file === undefined ? { limit } : {}),
        ...(experiment === null ? {} : { experiment }),
        ...(where === null ? {} : { where }),
        ...(sort === null ? {} : { sort }),
        children: children === 'true',
      },
      ctx.registry,
    );
    if (file === undefined) return found;
    const runs = found.runs.filter((run) => run.pipelinePath === file).slice(0, limit);
    return { runs, columns: found.columns };
  } catch (error) {
    if (isQuerySyntaxError(error)) throw new HttpError(400, `${error.origin}: ${error.message} (column ${error.column})`, { field: error.origin, column: error.column });
    throw error;
  }
}

/** GET /api/runs: newest first (or `sort`), each with experiment, tags, params and final metrics. */
export function listRuns(ctx: ApiContext, _req: IncomingMessage, url: URL): ApiAnswer {
  return { body: findRuns(ctx, url).runs.map((run) => runItem(ctx, run)) };
}

/** GET /api/runs/table: the same runs, the columns worth showing (main metrics, params that differ), and the experiments. */
export function runTable(ctx: ApiContext, _req: IncomingMessage, url: URL): ApiAnswer {
  const found = findRuns(ctx, url);
  return { body: { runs: found.runs.map((run) => runItem(ctx, run)), columns: found.columns, experiments: ctx.store.experiments() } };
}

/** GET /api/experiments */
export function listExperiments(ctx: ApiContext): ApiAnswer {
  return { body: ctx.store.experiments() };
}

/** GET /api/runs/compare?ids=a,b,…: params that differ, final metrics with the best marked, and each run's series for overlaid curves. */
export function compare(ctx: ApiContext, _req: IncomingMessage, url: URL): ApiAnswer {
  const ids = (url.searchParams.get('ids') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
  if (ids.length > MAX_COMPARED_RUNS) throw new HttpError(400, `ids: at most ${MAX_COMPARED_RUNS} runs`);
  try {
    const comparison = compareStoredRuns(ctx.store, ids, ctx.registry);
    const metrics = Object.fromEntries(
      Object.entries(comparison.metrics).map(([node, values]) => [node, Object.fromEntries(Object.entries(values).map(([name, list]) => [name, list.map((value) => (value !== null && Number.isNaN(value) ? null : value))]))]),
    );
    return { body: { ...comparison, metrics, series: comparedSeries(ctx.store, ids) } };
  } catch (error) {
    if (isTrackingError(error)) throw new HttpError(error.code === 'unknown-run' ? 404 : 400, error.message);
    throw error;
  }
}

/** POST /api/runs/:id/tags `{ tags: { key: value | null } }`: sets (a value) or removes (null) tags; answers all of them. */
export async function setTags(ctx: ApiContext, req: IncomingMessage, _url: URL, [runId]: string[]): Promise<ApiAnswer> {
  const body = (await readJsonBody(req)) as { tags?: unknown };
  const tags = body?.tags;
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) throw new HttpError(400, "'tags' must be an object of key → value (a string, or null to remove the tag)");
  for (const [key, value] of Object.entries(tags)) {
    if (value !== null && typeof value !== 'string') throw new HttpError(400, `tag '${key}': the value must be a string, or null to remove the tag`);
  }
  return { body: { runId, tags: storeCall(() => ctx.store.setRunTags(runId!, tags as Record<string, string | null>)) } };
}

/** PUT /api/runs/:id/note `{ note: string | null }`: sets the note (null or blank removes it). */
export async function setNote(ctx: ApiContext, req: IncomingMessage, _url: URL, [runId]: string[]): Promise<ApiAnswer> {
  const body = (await readJsonBody(req)) as { note?: unknown };
  const note = body?.note;
  if (note !== null && typeof note !== 'string') throw new HttpError(400, "'note' must be a string, or null to remove it");
  return { body: { runId, note: storeCall(() => ctx.store.setRunNote(runId!, note)) } };
}

/** The store's refusals as the client's errors: an unknown run 404, a bad tag or note 400. */
function storeCall<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isStoreError(error) && error.code === 'unknown-run') throw new HttpError(404, error.message);
    if (isStoreError(error) && error.code === 'invalid-input') throw new HttpError(400, error.message);
    throw error;
  }
}

/** The routes above, for api.ts (before `/api/runs/:id`, which would take `table` and `compare` for run ids). */
export const TRACKING_ROUTES = [
  { method: 'GET', pattern: /^\/api\/runs\/table$/, handler: runTable },
  { method: 'GET', pattern: /^\/api\/runs\/compare$/, handler: compare },
  { method: 'GET', pattern: /^\/api\/experiments$/, handler: listExperiments },
  { method: 'POST', pattern: /^\/api\/runs\/([^/]+)\/tags$/, handler: setTags },
  { method: 'PUT', pattern: /^\/api\/runs\/([^/]+)\/note$/, handler: setNote },
] as const;
