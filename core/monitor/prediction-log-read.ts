/**
 * Reading the model server's prediction log (prediction-log.ts) back: the records of a time
 * window, with feedback labels joined by request id, as one row per predicted row. A line
 * that is not a valid record (a torn tail after a kill -9, a hand edit) is skipped and
 * counted; reading goes on.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Bool, vectorFromArray, type Table, type Vector } from 'apache-arrow';
import { float64Column, stringColumn, tableFromColumns } from '../data/table-ops.js';
import type { FeedbackRecord, PredictionRecord } from './prediction-log.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "90s", "15m", "24h", "7d", "1w" (also "1.5h") in milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const found = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!found) return undefined;
  const value = Number(found[1]) * UNITS[found[2]!]!;
  return value > 0 ? value : undefined;
}

export interface LogWindow {
  /** Epoch ms, inclusive. */
  readonly since?: number;
  /** Epoch ms, exclusive. */
  readonly until?: number;
}

export interface PredictionLogContents {
  /** Records in the window, oldest first. */
  readonly records: PredictionRecord[];
  /** The last label sent for each id (any time: feedback often comes later than the window). */
  readonly labels: Map<string, unknown>;
  /** Lines skipped because they are not valid records, per kind. */
  readonly corrupt: { readonly predictions: number; readonly feedback: number };
  /** Records outside the window, and the time range of the whole log. */
  readonly outside: number;
  readonly first?: string;
  readonly last?: string;
  readonly files: number;
}

function isRecord(value: unknown): value is PredictionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    typeof r.time === 'string' &&
    !Number.isNaN(Date.parse(r.time)) &&
    typeof r.rows === 'number' &&
    Array.isArray(r.predictions) &&
    r.predictions.length === r.rows &&
    (r.features === undefined || (typeof r.features === 'object' && r.features !== null)) &&
    (r.probabilities === undefined || Array.isArray(r.probabilities))
  );
}

function isFeedback(value: unknown): value is FeedbackRecord {
  return typeof value === 'object' && value !== null && typeof (value as FeedbackRecord).id === 'string' && 'label' in value;
}

async function readLines(path: string, each: (value: unknown) => boolean): Promise<number> {
  const text = await readFile(path, 'utf8');
  let corrupt = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      corrupt++;
      continue;
    }
    if (!each(value)) corrupt++;
  }
  return corrupt;
}

/** Reads every log file in `dir` (oldest first); throws ENOENT when the folder is missing. */
export async function readPredictionLog(dir: string, window: LogWindow = {}, signal?: AbortSignal): Promise<PredictionLogContents> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  const records: PredictionRecord[] = [];
  const labels = new Map<string, unknown>();
  const corrupt = { predictions: 0, feedback: 0 };
  let outside = 0;
  let first: number | undefined;
  let last: number | undefined;
  for (const name of names) {
    signal?.throwIfAborted();
    if (name.startsWith('predictions-')) {
      corrupt.predictions += await readLines(join(dir, name), (value) => {
        if (!isRecord(value)) return false;
        const time = Date.parse(value.time);
        first = first === undefined ? time : Math.min(first, time);
        last = last === undefined ? time : Math.max(last, time);
        if ((window.since !== undefined && time < window.since) || (window.until !== undefined && time >= window.until)) outside++;
        else records.push(value);
        return true;
      });
    } else if (name.startsWith('feedback-')) {
      corrupt.feedback += await readLines(join(dir, name), (value) => {
        if (!isFeedback(value)) return false;
        labels.set(value.id, value.label);
        return true;
      });
    }
  }
  records.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return {
    records,
    labels,
    corrupt,
    outside,
    files: names.length,
    ...(first === undefined ? {} : { first: new Date(first).toISOString() }),
    ...(last === undefined ? {} : { last: new Date(last).toISOString() }),
  };
}

/** The label of row `row` of a request of `rows` rows: the label itself for one row, else its element. */
export function rowLabel(label: unknown, row: number, rows: number): unknown {
  if (label === undefined) return null;
  if (rows === 1) return Array.isArray(label) && label.length === 1 ? label[0] : label;
  return Array.isArray(label) && label.length === rows ? label[row] : null;
}

type Cell = string | number | boolean | null;

/** A column typed by its values: numbers → float64, true/false → bool, otherwise text (others as JSON). */
function typedColumn(values: readonly unknown[]): Vector {
  let numbers = 0;
  let booleans = 0;
  let present = 0;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    present++;
    if (typeof value === 'number') numbers++;
    else if (typeof value === 'boolean') booleans++;
  }
  if (present > 0 && numbers === present) return float64Column(values.map((value) => (typeof value === 'number' ? value : NaN)));
  if (present > 0 && booleans === present) return vectorFromArray(values.map((value) => (typeof value === 'boolean' ? value : null)), new Bool());
  return stringColumn(values.map((value) => (value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value))));
}

/**
 * One row per predicted row: the features as logged (null where the sample left them out),
 * then `prediction`, `probability_<class>` (classifiers), `label` (feedback, null when none),
 * `id`, `row` (index in its request), `time`, `version`, `latency_ms`. A feature whose name
 * is one of these keeps it; the log's column is then prefixed `log_`.
 */
export function predictionLogTable(contents: Pick<PredictionLogContents, 'records' | 'labels'>): { table: Table; rows: number; labeled: number; versions: string[] } {
  const { records, labels } = contents;
  const featureNames: string[] = [];
  const seenFeatures = new Set<string>();
  const classes: string[] = [];
  const seenClasses = new Set<string>();
  let rows = 0;
  for (const record of records) {
    rows += record.rows;
    for (const name of Object.keys(record.features ?? {})) {
      if (seenFeatures.has(name)) continue;
      seenFeatures.add(name);
      featureNames.push(name);
    }
    for (const label of record.classes ?? []) {
      if (seenClasses.has(label)) continue;
      seenClasses.add(label);
      classes.push(label);
    }
  }
  const features = featureNames.map(() => new Array<Cell>(rows));
  const probabilities = classes.map(() => new Float64Array(rows).fill(NaN));
  const prediction = new Array<unknown>(rows);
  const label = new Array<unknown>(rows);
  const id = new Array<string>(rows);
  const row = new Float64Array(rows);
  const time = new Array<string>(rows);
  const version = new Array<string>(rows);
  const latency = new Float64Array(rows);
  const versions = new Set<string>();
  let at = 0;
  let labeled = 0;
  for (const record of records) {
    versions.add(record.version);
    const given = labels.get(record.id);
    const classIndex = (record.classes ?? []).map((name) => classes.indexOf(name));
    for (let k = 0; k < record.rows; k++, at++) {
      featureNames.forEach((name, f) => (features[f]![at] = (record.features?.[name]?.[k] as Cell | undefined) ?? null));
      prediction[at] = record.predictions[k];
      const probs = record.probabilities?.[k];
      if (probs) classIndex.forEach((c, j) => (probabilities[c]![at] = probs[j] ?? NaN));
      label[at] = rowLabel(given, k, record.rows);
      if (label[at] !== null) labeled++;
      id[at] = record.id;
      row[at] = k;
      time[at] = record.time;
      version[at] = record.version;
      latency[at] = record.latencyMs;
    }
  }
  const columns: Record<string, Vector> = {};
  featureNames.forEach((name, f) => (columns[name] = typedColumn(features[f]!)));
  const meta = (name: string) => (seenFeatures.has(name) ? `log_${name}` : name);
  columns[meta('prediction')] = typedColumn(prediction);
  classes.forEach((name, c) => (columns[meta(`probability_${name}`)] = float64Column(probabilities[c]!)));
  columns[meta('label')] = typedColumn(label);
  columns[meta('id')] = stringColumn(id);
  columns[meta('row')] = float64Column(row);
  columns[meta('time')] = stringColumn(time);
  columns[meta('version')] = stringColumn(version);
  columns[meta('latency_ms')] = float64Column(latency);
  return { table: tableFromColumns(columns), rows, labeled, versions: [...versions] };
}
