import { columnNames, columnValues, defineNode, NodeError, parseDuration, performance, port, z, type Json, type MetricsValue, type PerformanceRow, type PerformanceTask, type Table } from '../../core/sdk/index.js';

const LOG_COLUMNS = ['prediction', 'id', 'time', 'latency_ms'] as const;

function need(table: Table, name: string, input: string): void {
  if (!columnNames(table).includes(name)) throw new NodeError(`input '${input}': column '${name}' not found; columns are: ${columnNames(table).join(', ')} (connect data.predictionLog's table)`, { field: input });
}

/** id (and row, when the labels table has one) → label. */
function labelLookup(labels: Table, labelColumn: string): (id: string, row: number, rows: number) => unknown {
  need(labels, 'id', 'labels');
  if (!columnNames(labels).includes(labelColumn)) throw new NodeError(`param 'labelColumn': column '${labelColumn}' not found in the labels table; columns are: ${columnNames(labels).join(', ')}`, { field: 'labelColumn' });
  const ids = columnValues(labels, 'id', 'labels');
  const values = columnValues(labels, labelColumn, 'labelColumn');
  const rows = columnNames(labels).includes('row') ? columnValues(labels, 'row', 'labels') : undefined;
  const found = new Map<string, unknown>();
  ids.forEach((id, k) => found.set(rows ? `${String(id)}\u0000${String(rows[k])}` : String(id), values[k]));
  return (id, row, count) => (rows ? found.get(`${id}\u0000${row}`) : count === 1 ? found.get(id) : undefined) ?? null;
}

export default defineNode({
  type: 'monitor.performance',
  version: 1,
  category: 'monitor',
  title: 'Served-model performance',
  description: 'Accuracy and F1 (classifiers) or RMSE and MAE (regressors) of logged predictions against their feedback labels, per time window and overall, with request latency percentiles.',
  inputs: {
    predictions: port('table', { description: "data.predictionLog's table: prediction, label, id, time, latency_ms" }),
    labels: port('table', { optional: true, description: 'Ground truth joined by id (and row when it has one); replaces the log’s feedback labels' }),
  },
  outputs: {
    metrics: port('metrics', { description: 'Overall scores and latency percentiles; per-window series in the run as window.<name> (step = window index)' }),
    report: port('report', { description: 'The scores per window' }),
  },
  params: z.object({
    window: z.string().default('1h').describe('Window length: 15m, 1h, 1d, … (windows start at multiples of it, UTC)'),
    task: z.enum(['auto', 'classification', 'regression']).default('auto').describe('auto: classification when the table has probability_ columns or text/true-false predictions'),
    labelColumn: z.string().default('label').describe("The label column of the 'labels' input"),
  }),
  async run({ inputs, params }, ctx) {
    const windowMs = parseDuration(params.window);
    if (windowMs === undefined) throw new NodeError(`param 'window': '${params.window}' is not a duration; write a number and a unit: 15m, 1h, 1d`, { field: 'window' });
    const table = inputs.predictions.table;
    for (const name of LOG_COLUMNS) need(table, name, 'predictions');
    const prediction = columnValues(table, 'prediction', 'predictions');
    const ids = columnValues(table, 'id', 'predictions').map(String);
    const times = columnValues(table, 'time', 'predictions').map((value) => Date.parse(String(value)));
    const latency = columnValues(table, 'latency_ms', 'predictions') as (number | null)[];
    const rowIndex = columnNames(table).includes('row') ? (columnValues(table, 'row', 'predictions') as number[]) : undefined;
    let label: unknown[];
    if (inputs.labels) {
      const count = new Map<string, number>();
      for (const id of ids) count.set(id, (count.get(id) ?? 0) + 1);
      const lookup = labelLookup(inputs.labels.table, params.labelColumn);
      label = ids.map((id, k) => lookup(id, rowIndex?.[k] ?? 0, count.get(id)!));
    } else {
      if (!columnNames(table).includes('label')) throw new NodeError("input 'predictions': no 'label' column; connect a 'labels' table (id, label) or send feedback to the server", { field: 'labels' });
      label = columnValues(table, 'label', 'predictions');
    }
    const bad = times.findIndex(Number.isNaN);
    if (bad >= 0) throw new NodeError(`input 'predictions': row ${bad}: time is not a date`, { field: 'predictions' });
    const task: PerformanceTask =
      params.task !== 'auto' ? params.task : columnNames(table).some((name) => name.startsWith('probability_')) || prediction.some((value) => typeof value === 'string' || typeof value === 'boolean') ? 'classification' : 'regression';
    const rows: PerformanceRow[] = prediction.map((value, k) => ({ time: times[k]!, prediction: value, label: label[k] ?? null, id: ids[k]!, latencyMs: latency[k] ?? NaN }));
    const result = performance(rows, task, windowMs);
    if (result.labeled === 0) ctx.log(`none of the ${result.rows} row(s) has a label yet: send feedback (POST /v1/models/<name>/feedback) or connect a labels table`, 'warn');
    if (result.unusable > 0) ctx.log(`${result.unusable} label(s) are not numbers and were left out`, 'warn');
    const scoreNames = task === 'classification' ? (['accuracy', 'f1'] as const) : (['rmse', 'mae'] as const);
    const metrics: Record<string, Json> = { task, rows: result.rows, requests: result.requests, labeled: result.labeled, windows: result.windows.length };
    for (const name of scoreNames) if (result[name] !== undefined) metrics[name] = result[name]!;
    if (result.latencyMs) Object.assign(metrics, { latencyP50: result.latencyMs.p50, latencyP95: result.latencyMs.p95, latencyP99: result.latencyMs.p99 });
    for (const [name, value] of Object.entries(metrics)) if (typeof value === 'number') ctx.metric(name, value);
    for (const window of result.windows) {
      ctx.metric('window.rows', window.rows, window.step);
      ctx.metric('window.labeled', window.labeled, window.step);
      for (const name of scoreNames) if (window[name] !== undefined) ctx.metric(`window.${name}`, window[name]!, window.step);
      if (window.latencyMs) {
        ctx.metric('window.latencyP50', window.latencyMs.p50, window.step);
        ctx.metric('window.latencyP95', window.latencyMs.p95, window.step);
        ctx.metric('window.latencyP99', window.latencyMs.p99, window.step);
      }
    }
    const summary = scoreNames.map((name) => (result[name] === undefined ? '' : `${name} ${result[name]!.toPrecision(4)}`)).filter(Boolean).join(', ');
    ctx.log(`${result.rows} row(s) in ${result.windows.length} window(s) of ${params.window}; ${result.labeled} labeled${summary ? `: ${summary}` : ''}`);
    ctx.progress(1);
    const report = { kind: 'performance', task, window: params.window, overall: metrics, series: result.windows as unknown as Json } as Record<string, Json>;
    return { metrics: metrics as MetricsValue, report };
  },
});
