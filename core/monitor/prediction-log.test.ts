import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnNames, columnValues } from '../data/table-ops.js';
import { performance, percentile } from './performance.js';
import { PredictionLog, type PredictionRecord } from './prediction-log.js';
import { parseDuration, predictionLogTable, readPredictionLog } from './prediction-log-read.js';

function record(id: string, time: string, prediction: string, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return { id, time, model: 'm', version: '1', latencyMs: 2, rows: 1, features: { x: [1.5], kind: ['a'] }, predictions: [prediction], probabilities: [[0.7, 0.3]], classes: ['yes', 'no'], ...extra };
}

describe('prediction log', () => {
  it('appends buffered lines, rotates by size, and reads them back with labels joined by id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plog-'));
    const log = new PredictionLog(dir, { flushMs: 60_000, maxFileBytes: 600 });
    for (let k = 0; k < 10; k++) {
      log.logPrediction(record(`r${k}`, `2024-05-01T0${k}:30:00.000Z`, k % 2 ? 'yes' : 'no'));
      await log.predictions.flush();
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('predictions-')).length).toBeGreaterThan(1);
    expect(log.logFeedback([{ id: 'r1', label: 'yes' }, { id: 'r2', label: 'yes' }, { id: 'nope', label: 'no' }])).toEqual({ accepted: 3, unknown: 1 });
    await log.close();
    const contents = await readPredictionLog(dir, { since: Date.parse('2024-05-01T01:00:00Z'), until: Date.parse('2024-05-01T05:00:00Z') });
    expect(contents.records.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(contents.outside).toBe(6);
    expect(contents.corrupt).toEqual({ predictions: 0, feedback: 0 });
    const { table, labeled } = predictionLogTable(contents);
    expect(columnNames(table)).toEqual(['x', 'kind', 'prediction', 'probability_yes', 'probability_no', 'label', 'id', 'row', 'time', 'version', 'latency_ms']);
    expect(columnValues(table, 'label', 'label')).toEqual(['yes', 'yes', null, null]);
    expect(columnValues(table, 'x', 'x')).toEqual([1.5, 1.5, 1.5, 1.5]);
    expect(labeled).toBe(2);
  });

  it('skips and counts a torn or corrupt line, and goes on reading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plog-'));
    const log = new PredictionLog(dir, { flushMs: 60_000 });
    log.logPrediction(record('a', '2024-05-01T00:00:00.000Z', 'yes'));
    await log.close();
    const file = join(dir, readdirSync(dir).find((name) => name.startsWith('predictions-'))!);
    appendFileSync(file, 'not json\n{"id":"x"}\n');
    appendFileSync(file, JSON.stringify(record('b', '2024-05-01T00:00:01.000Z', 'no')) + '\n{"id":"torn","ti');
    const contents = await readPredictionLog(dir);
    expect(contents.records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(contents.corrupt.predictions).toBe(3);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('"id":"a"');
  });

  it('logs features only for the sampled share of requests', () => {
    const log = new PredictionLog(mkdtempSync(join(tmpdir(), 'plog-')), { sample: 0.25 });
    let sampled = 0;
    for (let k = 0; k < 4000; k++) if (log.sampled()) sampled++;
    expect(sampled / 4000).toBeGreaterThan(0.2);
    expect(sampled / 4000).toBeLessThan(0.3);
    expect(() => new PredictionLog('/tmp', { sample: 2 })).toThrow('between 0 and 1');
    void log.close();
  });

  it('parses durations', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1 day')).toBeUndefined();
    expect(parseDuration('0h')).toBeUndefined();
  });
});

describe('performance', () => {
  it('scores accuracy and macro F1 per window and overall, with latency percentiles once per request', () => {
    const hour = 3_600_000;
    const t0 = Date.parse('2024-05-01T00:00:00Z');
    const rows = [
      { time: t0 + 1, prediction: 'a', label: 'a', id: '1', latencyMs: 1 },
      { time: t0 + 2, prediction: 'b', label: 'a', id: '2', latencyMs: 2 },
      { time: t0 + hour + 1, prediction: 'a', label: 'a', id: '3', latencyMs: 3 },
      { time: t0 + hour + 2, prediction: 'b', label: 'b', id: '4', latencyMs: 4 },
      { time: t0 + 3 * hour, prediction: 'b', label: null, id: '5', latencyMs: 100 },
    ];
    const result = performance(rows, 'classification', hour);
    expect(result.labeled).toBe(4);
    expect(result.accuracy).toBe(0.75);
    // a: tp 2, fp 0, fn 1 → 0.8; b: tp 1, fp 1, fn 0 → 2/3
    expect(result.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
    expect(result.windows.map((w) => [w.step, w.rows, w.accuracy])).toEqual([
      [0, 2, 0.5],
      [1, 2, 1],
      [3, 1, undefined],
    ]);
    expect(result.latencyMs).toEqual({ p50: 3, p95: 100, p99: 100 });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it('scores RMSE and MAE for regressors and leaves out labels that are not numbers', () => {
    const rows = [
      { time: 0, prediction: 1, label: 2, id: 'a', latencyMs: 1 },
      { time: 0, prediction: 3, label: '6', id: 'b', latencyMs: 1 },
      { time: 0, prediction: 3, label: 'n/a', id: 'c', latencyMs: 1 },
    ];
    const result = performance(rows, 'regression', 60_000);
    expect(result.rmse).toBeCloseTo(Math.sqrt((1 + 9) / 2), 12);
    expect(result.mae).toBe(2);
    expect(result.unusable).toBe(1);
  });
});
