/**
 * A served model's performance from its prediction log: accuracy and macro F1 (classifiers)
 * or RMSE and MAE (regressors) over the rows that have a ground-truth label, per time window
 * and overall, plus request latency percentiles. Windows are aligned to multiples of the
 * window length since the epoch (so "1h" windows start on the hour, UTC); a series' step is
 * the window's index from the first window that holds a prediction.
 */

export type PerformanceTask = 'classification' | 'regression';

export interface PerformanceRow {
  /** Epoch ms. */
  readonly time: number;
  readonly prediction: unknown;
  /** null: no ground truth for this row. */
  readonly label: unknown;
  /** The request it belongs to (latency is per request, counted once). */
  readonly id: string;
  readonly latencyMs: number;
}

export interface QualityScores {
  readonly labeled: number;
  readonly accuracy?: number;
  readonly f1?: number;
  readonly rmse?: number;
  readonly mae?: number;
}

export interface LatencyScores {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface WindowScores extends QualityScores {
  readonly step: number;
  readonly start: string;
  readonly end: string;
  readonly rows: number;
  readonly requests: number;
  readonly latencyMs?: LatencyScores;
}

export interface PerformanceResult extends QualityScores {
  readonly task: PerformanceTask;
  readonly rows: number;
  readonly requests: number;
  readonly windowMs: number;
  readonly latencyMs?: LatencyScores;
  readonly windows: WindowScores[];
  /** Labels that could not be compared (a text label for a regressor). */
  readonly unusable: number;
}

/** Nearest-rank percentile of sorted values (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function latencies(rows: readonly PerformanceRow[]): LatencyScores | undefined {
  const perRequest = new Map<string, number>();
  for (const row of rows) perRequest.set(row.id, row.latencyMs);
  const values = [...perRequest.values()].filter(Number.isFinite).sort((a, b) => a - b);
  if (values.length === 0) return undefined;
  return { p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) };
}

/** The label as the prediction's type, so "1" compares with 1 and "true" with true. */
function sameKind(label: unknown, prediction: unknown): unknown {
  if (typeof prediction === 'number' && typeof label === 'string' && label.trim() !== '' && Number.isFinite(Number(label))) return Number(label);
  if (typeof prediction === 'boolean' && (label === 'true' || label === 'false')) return label === 'true';
  if (typeof prediction === 'string' && (typeof label === 'number' || typeof label === 'boolean')) return String(label);
  return label;
}

function quality(task: PerformanceTask, rows: readonly PerformanceRow[]): QualityScores & { unusable: number } {
  const pairs: [unknown, unknown][] = [];
  let unusable = 0;
  for (const row of rows) {
    if (row.label === null || row.label === undefined) continue;
    const label = sameKind(row.label, row.prediction);
    if (task === 'regression' && (typeof label !== 'number' || !Number.isFinite(label) || typeof row.prediction !== 'number')) {
      unusable++;
      continue;
    }
    pairs.push([row.prediction, label]);
  }
  if (pairs.length === 0) return { labeled: 0, unusable };
  if (task === 'regression') {
    let squared = 0;
    let absolute = 0;
    for (const [prediction, label] of pairs as [number, number][]) {
      squared += (prediction - label) ** 2;
      absolute += Math.abs(prediction - label);
    }
    return { labeled: pairs.length, rmse: Math.sqrt(squared / pairs.length), mae: absolute / pairs.length, unusable };
  }
  let correct = 0;
  const classes = new Map<string, { tp: number; fp: number; fn: number }>();
  const entry = (key: string) => {
    let found = classes.get(key);
    if (!found) classes.set(key, (found = { tp: 0, fp: 0, fn: 0 }));
    return found;
  };
  for (const [prediction, label] of pairs) {
    const p = JSON.stringify(prediction);
    const l = JSON.stringify(label);
    if (p === l) {
      correct++;
      entry(p).tp++;
    } else {
      entry(p).fp++;
      entry(l).fn++;
    }
  }
  // Macro F1 over every class seen as a prediction or a label (a class never right scores 0).
  let f1 = 0;
  for (const { tp, fp, fn } of classes.values()) f1 += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  return { labeled: pairs.length, accuracy: correct / pairs.length, f1: f1 / classes.size, unusable };
}

export function performance(rows: readonly PerformanceRow[], task: PerformanceTask, windowMs: number): PerformanceResult {
  const sorted = [...rows].sort((a, b) => a.time - b.time);
  const windows: WindowScores[] = [];
  if (sorted.length > 0) {
    const origin = Math.floor(sorted[0]!.time / windowMs);
    let start = 0;
    while (start < sorted.length) {
      const index = Math.floor(sorted[start]!.time / windowMs);
      let end = start;
      while (end < sorted.length && Math.floor(sorted[end]!.time / windowMs) === index) end++;
      const part = sorted.slice(start, end);
      const { unusable: _unusable, ...scores } = quality(task, part);
      const latencyMs = latencies(part);
      windows.push({
        step: index - origin,
        start: new Date(index * windowMs).toISOString(),
        end: new Date((index + 1) * windowMs).toISOString(),
        rows: part.length,
        requests: new Set(part.map((row) => row.id)).size,
        ...scores,
        ...(latencyMs ? { latencyMs } : {}),
      });
      start = end;
    }
  }
  const overall = quality(task, sorted);
  const latencyMs = latencies(sorted);
  return { task, rows: sorted.length, requests: new Set(sorted.map((row) => row.id)).size, windowMs, ...overall, ...(latencyMs ? { latencyMs } : {}), windows };
}
