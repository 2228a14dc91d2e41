/**
 * Monitoring of served models (API.md, Monitoring): the prediction logs that `tensorloom serve`
 * writes under `.tensorloom/predictions/<model>/` in the workspace, read back as a list of
 * logged models and, per model, throughput, latency percentiles and accuracy (or RMSE) per
 * time window with feedback labels joined by request id.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { parseDuration, readPredictionLog, rowLabel, type PredictionLogContents } from '../monitor/prediction-log-read.js';
import { performance, type LatencyScores, type PerformanceRow, type PerformanceTask } from '../monitor/performance.js';
import type { PredictionRecord } from '../monitor/prediction-log.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError } from './http.js';

/** Where `tensorloom serve` logs by default, relative to the workspace. */
export const PREDICTION_LOG_ROOT = join('.tensorloom', 'predictions');

/** Windows one answer may hold (empty ones included). */
export const MAX_WINDOWS = 1000;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
/** Window lengths picked when none is asked for: the shortest that gives at most 48 windows. */
const WINDOW_LADDER = ['1m', '5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'];

export interface MonitoredModel {
  name: string;
  versions: string[];
  first: string | null;
  last: string | null;
  requests: number;
  rows: number;
  labeled: number;
  corrupt: { predictions: number; feedback: number };
}

export interface MonitoringWindow {
  start: string;
  end: string;
  requests: number;
  rows: number;
  labeled: number;
  accuracy?: number;
  f1?: number;
  rmse?: number;
  mae?: number;
  latencyMs?: LatencyScores;
}

function logRoot(ctx: ApiContext): string {
  return join(ctx.root, PREDICTION_LOG_ROOT);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function labeledRows(contents: Pick<PredictionLogContents, 'records' | 'labels'>): number {
  let labeled = 0;
  for (const record of contents.records) {
    const label = contents.labels.get(record.id);
    if (label === undefined) continue;
    for (let k = 0; k < record.rows; k++) if (rowLabel(label, k, record.rows) !== null) labeled++;
  }
  return labeled;
}

/** `GET /api/monitoring`: every folder of the log root that holds prediction log files. */
export async function listMonitoredModels(ctx: ApiContext): Promise<ApiAnswer> {
  let entries;
  try {
    entries = await readdir(logRoot(ctx), { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return { body: [] };
    throw error;
  }
  const models: MonitoredModel[] = [];
  for (const entry of entries.filter((found) => found.isDirectory() && NAME.test(found.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const contents = await readPredictionLog(join(logRoot(ctx), entry.name));
    if (contents.files === 0) continue;
    const versions = [...new Set(contents.records.map((record) => record.version))];
    models.push({
      name: entry.name,
      versions,
      first: contents.first ?? null,
      last: contents.last ?? null,
      requests: contents.records.length,
      rows: contents.records.reduce((sum, record) => sum + record.rows, 0),
      labeled: labeledRows(contents),
      corrupt: contents.corrupt,
    });
  }
  return { body: models };
}

function durationParam(url: URL, name: string, fallback: string | undefined): { text: string; ms: number } | undefined {
  const text = url.searchParams.get(name) ?? fallback;
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new HttpError(400, `'${name}' must be a duration such as 1h, 24h or 7d (a number and one of ms, s, m, h, d, w); got '${text}'`, { field: name });
  return { text: text.trim(), ms };
}

/** Classification when the log carries classes or text/boolean predictions, as monitor.performance's `auto`. */
function taskOf(records: readonly PredictionRecord[]): PerformanceTask {
  return records.some((record) => (record.classes?.length ?? 0) > 0 || record.predictions.some((value) => typeof value === 'string' || typeof value === 'boolean'))
    ? 'classification'
    : 'regression';
}

/** `GET /api/monitoring/<model>?last=24h&window=1h[&until=ISO]`. */
export async function getMonitoring(ctx: ApiContext, _req: IncomingMessage, url: URL, [name]: string[]): Promise<ApiAnswer> {
  if (!NAME.test(name!)) throw new HttpError(400, `'${name}' is not a model name (letters, digits, '.', '_' and '-')`, { field: 'model' });
  const last = durationParam(url, 'last', '24h')!;
  const untilText = url.searchParams.get('until');
  const until = untilText === null ? Date.now() : Date.parse(untilText);
  if (Number.isNaN(until)) throw new HttpError(400, `'until' must be an ISO 8601 time; got '${untilText}'`, { field: 'until' });
  const window = durationParam(url, 'window', undefined) ?? (() => {
    const text = WINDOW_LADDER.find((candidate) => last.ms / parseDuration(candidate)! <= 48) ?? WINDOW_LADDER[WINDOW_LADDER.length - 1]!;
    return { text, ms: parseDuration(text)! };
  })();
  const since = until - last.ms;
  // Windows start at multiples of the window length (UTC), as in monitor.performance.
  const firstWindow = Math.floor(since / window.ms);
  const windowCount = Math.ceil(until / window.ms) - firstWindow;
  if (windowCount > MAX_WINDOWS) throw new HttpError(400, `${last.text} in windows of ${window.text} is ${windowCount} windows; at most ${MAX_WINDOWS}: choose a longer window`, { field: 'window' });

  let contents: PredictionLogContents;
  try {
    contents = await readPredictionLog(join(logRoot(ctx), name!), { since, until });
    if (contents.files === 0) throw Object.assign(new Error('no log files'), { code: 'ENOENT' });
  } catch (error) {
    if (!isMissing(error)) throw error;
    const known = ((await listMonitoredModels(ctx)).body as MonitoredModel[]).map((model) => model.name);
    throw new HttpError(404, `no prediction log for '${name}' in ${PREDICTION_LOG_ROOT}; ${known.length > 0 ? `logged models: ${known.join(', ')}` : 'no model has a log yet: serve one with `tensorloom serve <model>`'}`);
  }
  const task = taskOf(contents.records);
  const rows: PerformanceRow[] = [];
  for (const record of contents.records) {
    const time = Date.parse(record.time);
    const label = contents.labels.get(record.id);
    for (let k = 0; k < record.rows; k++) rows.push({ time, prediction: record.predictions[k], label: rowLabel(label, k, record.rows), id: record.id, latencyMs: record.latencyMs });
  }
  const result = performance(rows, task, window.ms);
  const filled = new Map(result.windows.map((scores) => [scores.start, scores]));
  const windows: MonitoringWindow[] = [];
  for (let index = firstWindow; index < firstWindow + windowCount; index++) {
    const start = new Date(index * window.ms).toISOString();
    const found = filled.get(start);
    if (found) {
      const { step: _step, ...scores } = found;
      windows.push(scores);
    } else windows.push({ start, end: new Date((index + 1) * window.ms).toISOString(), requests: 0, rows: 0, labeled: 0 });
  }
  const pick = <K extends 'accuracy' | 'f1' | 'rmse' | 'mae'>(key: K) => (result[key] === undefined ? {} : { [key]: result[key] });
  return {
    body: {
      model: name,
      task,
      last: last.text,
      window: window.text,
      windowMs: window.ms,
      since: new Date(since).toISOString(),
      until: new Date(until).toISOString(),
      versions: [...new Set(contents.records.map((record) => record.version))],
      totals: {
        requests: result.requests,
        rows: result.rows,
        labeled: result.labeled,
        ...pick('accuracy'),
        ...pick('f1'),
        ...pick('rmse'),
        ...pick('mae'),
        ...(result.latencyMs ? { latencyMs: result.latencyMs } : {}),
        unusableLabels: result.unusable,
      },
      windows,
      corrupt: contents.corrupt,
      outside: contents.outside,
      log: { files: contents.files, first: contents.first ?? null, last: contents.last ?? null },
    },
  };
}

/** The routes above, for api.ts. */
export const MONITORING_ROUTES = [
  { method: 'GET', pattern: /^\/api\/monitoring$/, handler: listMonitoredModels },
  { method: 'GET', pattern: /^\/api\/monitoring\/([^/]+)$/, handler: getMonitoring },
] as const;
