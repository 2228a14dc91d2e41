import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnNames, columnValues } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import performanceNode from '../monitor/performance.js';
import logNode, { logWindow } from './prediction-log.js';

const CSV = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'data', 'penguins.csv'), 'utf8').trim().split('\n');
const HEADER = CSV[0]!.split(',');
/** Real penguins rows as a server logs them: one request per row, one minute apart from 2024-05-01T00:00Z, "predicting" Adelie. */
const penguins = CSV.slice(1, 121).map((line) => Object.fromEntries(line.split(',').map((cell, k) => [HEADER[k]!, cell === 'NA' ? null : /^[\d.]+$/.test(cell) ? Number(cell) : cell])));
const T0 = Date.parse('2024-05-01T00:00:00Z');

function logWorkspace(extra = ''): { ctx: TestContext; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-plog-'));
  const dir = join(root, '.tensorloom', 'predictions', 'penguins');
  mkdirSync(dir, { recursive: true });
  const lines = penguins.map((row, k) => {
    const { species: _species, year: _year, ...features } = row;
    return JSON.stringify({
      id: `req-${k}`,
      time: new Date(T0 + k * 60_000).toISOString(),
      model: 'penguins',
      version: k < 60 ? '1' : '2',
      latencyMs: 1 + (k % 10),
      rows: 1,
      ...(k % 2 === 0 ? { features: Object.fromEntries(Object.entries(features).map(([name, value]) => [name, [value]])) } : {}),
      predictions: ['Adelie'],
      probabilities: [[0.8, 0.1, 0.1]],
      classes: ['Adelie', 'Chinstrap', 'Gentoo'],
    });
  });
  writeFileSync(join(dir, 'predictions-20240501T000000000Z-0001.jsonl'), lines.join('\n') + '\n' + extra);
  // Ground truth for every other request, sent later.
  const feedback = penguins.flatMap((row, k) => (k % 2 === 0 ? [JSON.stringify({ id: `req-${k}`, time: new Date(T0 + 3 * 3_600_000).toISOString(), label: row.species })] : []));
  writeFileSync(join(dir, 'feedback-20240501T000000000Z-0001.jsonl'), feedback.join('\n') + '\n');
  return { ctx: createTestContext({ root, nodeType: 'data.predictionLog' }), root };
}

const read = (ctx: TestContext, params: Record<string, unknown>) => logNode.run({ inputs: {}, params: logNode.params.parse(params) }, ctx);
const PATH = '.tensorloom/predictions/penguins';

describe('data.predictionLog node', () => {
  it('reads a time window as a table with features as logged, predictions, probabilities and feedback labels', async () => {
    const { ctx } = logWorkspace('{"id":"torn","time":"2024-0');
    const { table } = (await read(ctx, { path: PATH, since: '2024-05-01T00:30:00Z', until: '2024-05-01T01:00:00Z' })).table;
    expect(table.numRows).toBe(30);
    expect(columnNames(table)).toEqual(['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'prediction', 'probability_Adelie', 'probability_Chinstrap', 'probability_Gentoo', 'label', 'id', 'row', 'time', 'version', 'latency_ms']);
    const ids = columnValues(table, 'id', 'id');
    expect(ids[0]).toBe('req-30');
    expect(columnValues(table, 'label', 'label').slice(0, 2)).toEqual([penguins[30]!.species, null]);
    expect(columnValues(table, 'bill_length_mm', 'x').slice(0, 2)).toEqual([penguins[30]!.bill_length_mm, null]);
    expect(columnValues(table, 'probability_Adelie', 'p')[0]).toBe(0.8);
    expect(ctx.logs.some((entry) => entry.message.includes('skipped 1 corrupt prediction line'))).toBe(true);
  });

  it('takes last: a span ending now or at until', async () => {
    const { ctx } = logWorkspace();
    const { table } = (await read(ctx, { path: PATH, last: '10m', until: '2024-05-01T01:00:00Z' })).table;
    expect(columnValues(table, 'id', 'id')).toEqual(Array.from({ length: 10 }, (_, k) => `req-${50 + k}`));
    expect(logWindow({ last: '1h' }, T0)).toEqual({ since: T0 - 3_600_000 });
  });

  it('fails an empty window with what the log holds, or gives an empty table when allowed', async () => {
    const { ctx } = logWorkspace();
    const error = await expectNodeError(read(ctx, { path: PATH, since: '2030-01-01T00:00:00Z' }));
    expect(error.message).toContain('no predictions in the window from 2030-01-01T00:00:00.000Z: the log holds 120 request(s) from 2024-05-01T00:00:00.000Z to 2024-05-01T01:59:00.000Z');
    const { table } = (await read(ctx, { path: PATH, since: '2030-01-01T00:00:00Z', allowEmpty: true })).table;
    expect(table.numRows).toBe(0);
  });

  it('refuses bad windows, a missing folder and a path outside the workspace, naming the param', async () => {
    const { ctx } = logWorkspace();
    expect((await expectNodeError(read(ctx, { path: PATH, last: '1 day' }))).field).toBe('last');
    expect((await expectNodeError(read(ctx, { path: PATH, since: 'yesterday' }))).message).toContain("param 'since': 'yesterday' is not a date");
    expect((await expectNodeError(read(ctx, { path: PATH, last: '1h', since: '2024-05-01T00:00:00Z' }))).message).toContain("either 'last' or 'since'");
    expect((await expectNodeError(read(ctx, { path: PATH, since: '2024-05-02T00:00:00Z', until: '2024-05-01T00:00:00Z' }))).field).toBe('until');
    expect((await expectNodeError(read(ctx, { path: 'nope' }))).message).toContain("param 'path': no log folder at 'nope'");
    expect((await expectNodeError(read(ctx, { path: '../../etc' }))).message).toContain('outside the workspace');
    expect(logNode.cacheable?.(logNode.params.parse({ path: PATH }))).toBe(false);
  });
});

describe('monitor.performance node', () => {
  it('scores the labeled rows per window with latency percentiles, as metrics series and a report', async () => {
    const { ctx } = logWorkspace();
    const { table } = (await read(ctx, { path: PATH })).table;
    const perf = createTestContext({ nodeType: 'monitor.performance' });
    const { metrics, report } = await performanceNode.run({ inputs: { predictions: { table, recipe: [] }, labels: undefined as never }, params: performanceNode.params.parse({ window: '1h' }) }, perf);
    const labeled = penguins.filter((_, k) => k % 2 === 0);
    const adelie = labeled.filter((row) => row.species === 'Adelie').length;
    expect(metrics).toMatchObject({ task: 'classification', rows: 120, requests: 120, labeled: 60, windows: 2, accuracy: adelie / 60, latencyP50: 5, latencyP99: 10 });
    expect(metrics.f1).toBeGreaterThan(0);
    const series = perf.metrics.filter((metric) => metric.name === 'window.accuracy');
    expect(series.map((metric) => metric.step)).toEqual([0, 1]);
    const firstHour = labeled.slice(0, 30).filter((row) => row.species === 'Adelie').length;
    expect(series[0]!.value).toBe(firstHour / 30);
    expect((report.series as { step: number; rows: number }[]).map((w) => [w.step, w.rows])).toEqual([
      [0, 60],
      [1, 60],
    ]);
  });

  it('joins a labels table by id instead of the log’s feedback, and names a missing column', async () => {
    const { ctx } = logWorkspace();
    const { table } = (await read(ctx, { path: PATH })).table;
    const labels = await import('../../core/sdk/index.js').then(({ tableFromColumns, stringColumn }) =>
      tableFromColumns({ id: stringColumn(['req-1', 'req-3']), truth: stringColumn(['Adelie', 'Gentoo']) }),
    );
    const perf = createTestContext({ nodeType: 'monitor.performance' });
    const { metrics } = await performanceNode.run({ inputs: { predictions: { table, recipe: [] }, labels: { table: labels, recipe: [] } }, params: performanceNode.params.parse({ labelColumn: 'truth' }) }, perf);
    expect(metrics).toMatchObject({ labeled: 2, accuracy: 0.5 });
    const wrong = performanceNode.run({ inputs: { predictions: { table, recipe: [] }, labels: { table: labels, recipe: [] } }, params: performanceNode.params.parse({}) }, perf);
    expect((await expectNodeError(wrong)).message).toContain("param 'labelColumn': column 'label' not found in the labels table; columns are: id, truth");
    const badWindow = performanceNode.run({ inputs: { predictions: { table, recipe: [] }, labels: undefined as never }, params: performanceNode.params.parse({ window: 'hourly' }) }, perf);
    expect((await expectNodeError(badWindow)).field).toBe('window');
  });
});
