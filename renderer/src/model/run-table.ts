/**
 * The runs page's table and the compare view as data: sort toggling, cell text, which runs
 * a compare needs, and points for a trials scatter. Pure, so tests check it without a browser.
 */
import type { TrackedRunItem } from '../api/protocol';

/** Clicking a column: sort by it descending first (best metrics on top), again ascending, then back to newest first. */
export function nextSort(current: string, field: string): string {
  if (current === `-${field}`) return field;
  if (current === field) return '';
  return `-${field}`;
}

export function sortDirection(current: string, field: string): 'ascending' | 'descending' | 'none' {
  return current === `-${field}` ? 'descending' : current === field ? 'ascending' : 'none';
}

/** A value as a cell shows it: numbers to 4 significant digits, lists and objects as JSON, nothing as an em dash. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return String(value);
    const abs = Math.abs(value);
    return abs !== 0 && (abs < 1e-3 || abs >= 1e6) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The value of a table column (`metrics.accuracy`, `metrics.evaluate.accuracy`, `params.train.epochs`) on a run. */
export function columnValue(run: TrackedRunItem, column: string): unknown {
  const [root, ...rest] = column.split('.');
  if (root === 'params') {
    const [node, ...param] = rest;
    return node === undefined ? undefined : run.params[node]?.[param.join('.')];
  }
  if (root === 'metrics') {
    if (rest.length >= 2 && run.metrics[rest[0]!] !== undefined) return run.metrics[rest[0]!]![rest.slice(1).join('.')];
    const name = rest.join('.');
    // As the server resolves metrics.<name>: an evaluation node's value first.
    const nodes = Object.keys(run.metrics);
    const reporting = nodes.filter((node) => run.metrics[node]![name] !== undefined && run.metrics[node]![name] !== null);
    const preferred = reporting.find((node) => /^eval/i.test(node)) ?? reporting[0];
    return preferred === undefined ? undefined : run.metrics[preferred]![name];
  }
  return undefined;
}

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  best: boolean;
}

/**
 * One scatter per searched param: the param's value against the metric, one point per
 * finished trial, the best marked. Non-numeric params (a list of layer sizes, an activation)
 * are placed by their position among the distinct values.
 */
export function trialScatters(
  trials: readonly { id: string; params: Record<string, unknown>; metric: number | null }[],
  direction: 'max' | 'min',
): { param: string; categories: string[] | null; points: ScatterPoint[] }[] {
  const finished = trials.filter((trial): trial is { id: string; params: Record<string, unknown>; metric: number } => typeof trial.metric === 'number' && Number.isFinite(trial.metric));
  if (finished.length === 0) return [];
  const bestValue = direction === 'max' ? Math.max(...finished.map((trial) => trial.metric)) : Math.min(...finished.map((trial) => trial.metric));
  const bestId = finished.find((trial) => trial.metric === bestValue)!.id;
  const params = [...new Set(finished.flatMap((trial) => Object.keys(trial.params)))].sort();
  return params.map((param) => {
    const values = finished.map((trial) => trial.params[param]);
    const numeric = values.every((value) => typeof value === 'number');
    const categories = numeric ? null : [...new Set(values.map((value) => cellText(value)))].sort();
    const points = finished.map((trial) => ({
      x: numeric ? (trial.params[param] as number) : categories!.indexOf(cellText(trial.params[param])),
      y: trial.metric,
      label: `${trial.id}: ${param} ${cellText(trial.params[param])} → ${cellText(trial.metric)}`,
      best: trial.id === bestId,
    }));
    return { param, categories, points };
  });
}
