/** The monitoring routes over real HTTP, on prediction logs written by the model server's own writer. */
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PredictionLog } from '../monitor/prediction-log.js';
import type { TensorloomServer } from './index.js';
import { call, exampleWorkspace, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;

const HOUR = 3_600_000;
/** A fixed clock: the answers are asked `until` this time. */
const UNTIL = Date.parse('2024-05-01T12:00:00.000Z');
const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];

describe('server API: monitoring', () => {
  let server: TensorloomServer;
  let root: string;

  const get = async (path: string, status = 200) => {
    const answer = await call(server, 'GET', path);
    expect(answer.status, `GET ${path}: ${answer.text}`).toBe(status);
    return answer.json() as Json;
  };

  beforeAll(async () => {
    root = exampleWorkspace();
    server = await startServer({ workspaceRoot: root });
    expect(await get('/api/monitoring')).toEqual([]);

    // penguins: 3 hours of traffic. Hour −3: 2 requests, both right; hour −2: 4 requests
    // (one of 2 rows), 2 of 5 rows right; hour −1: none; the last hour: 1 request, no feedback.
    const log = new PredictionLog(join(root, '.tensorloom', 'predictions', 'penguins'), { flushMs: 60_000 });
    const feedback: { id: string; label: unknown }[] = [];
    const request = (id: string, at: number, predictions: string[], latencyMs: number, version = '1', labels?: unknown) => {
      log.logPrediction({
        id,
        time: new Date(at).toISOString(),
        model: 'penguins',
        version,
        latencyMs,
        rows: predictions.length,
        features: { bill_length_mm: predictions.map(() => 40) },
        predictions,
        probabilities: predictions.map(() => [0.8, 0.1, 0.1]),
        classes: CLASSES,
      });
      if (labels !== undefined) feedback.push({ id, label: labels });
    };
    request('a1', UNTIL - 3 * HOUR + 60_000, ['Adelie'], 2, '1', 'Adelie');
    request('a2', UNTIL - 3 * HOUR + 120_000, ['Gentoo'], 4, '1', 'Gentoo');
    request('b1', UNTIL - 2 * HOUR + 60_000, ['Adelie'], 1, '1', 'Gentoo');
    request('b2', UNTIL - 2 * HOUR + 120_000, ['Adelie', 'Gentoo'], 10, '2', ['Adelie', 'Adelie']);
    request('b3', UNTIL - 2 * HOUR + 180_000, ['Chinstrap'], 3, '2', 'Chinstrap');
    request('b4', UNTIL - 2 * HOUR + 240_000, ['Adelie'], 5, '2', 'Gentoo');
    request('c1', UNTIL - 10 * 60_000, ['Gentoo'], 6, '2');
    request('old', UNTIL - 48 * HOUR, ['Gentoo'], 100, '1', 'Gentoo');
    log.logFeedback(feedback);
    log.logFeedback([{ id: 'nobody', label: 'Adelie' }]);
    await log.close();
    // A torn tail after a kill -9: skipped and counted.
    const dir = join(root, '.tensorloom', 'predictions', 'penguins');
    const file = readdirSync(dir).find((name) => name.startsWith('predictions-'))!;
    appendFileSync(join(dir, file), '{"id":"torn","time":"2024-05-01T11:5');

    // cars: a regressor, one hour.
    const cars = new PredictionLog(join(root, '.tensorloom', 'predictions', 'cars'));
    cars.logPrediction({ id: 'r1', time: new Date(UNTIL - 30 * 60_000).toISOString(), model: 'cars', version: '7', latencyMs: 1, rows: 2, predictions: [20, 30] });
    cars.logFeedback([{ id: 'r1', label: [23, 27] }]);
    await cars.close();
    // A folder without log files is not a monitored model.
    mkdirSync(join(root, '.tensorloom', 'predictions', 'empty'));
  }, 60_000);
  afterAll(async () => {
    await server.close();
  });

  it('lists the models that have prediction logs', async () => {
    expect(await get('/api/monitoring')).toEqual([
      { name: 'cars', versions: ['7'], first: new Date(UNTIL - 30 * 60_000).toISOString(), last: new Date(UNTIL - 30 * 60_000).toISOString(), requests: 1, rows: 2, labeled: 2, corrupt: { predictions: 0, feedback: 0 } },
      {
        name: 'penguins',
        versions: ['1', '2'],
        first: new Date(UNTIL - 48 * HOUR).toISOString(),
        last: new Date(UNTIL - 10 * 60_000).toISOString(),
        requests: 8,
        rows: 9,
        labeled: 8,
        corrupt: { predictions: 1, feedback: 0 },
      },
    ]);
  });

  it('answers throughput, latency and accuracy per window, with totals and corrupt lines counted', async () => {
    const answer = await get(`/api/monitoring/penguins?last=4h&window=1h&until=${new Date(UNTIL).toISOString()}`);
    expect(answer).toMatchObject({ model: 'penguins', task: 'classification', last: '4h', window: '1h', windowMs: HOUR, versions: ['1', '2'], corrupt: { predictions: 1, feedback: 0 }, outside: 1 });
    expect(answer.totals).toMatchObject({ requests: 7, rows: 8, labeled: 7, accuracy: 4 / 7, latencyMs: { p50: 4, p95: 10, p99: 10 } });
    const windows = answer.windows as Json[];
    expect(windows.map((window) => [window.start, window.requests, window.rows, window.labeled, window.accuracy])).toEqual([
      ['2024-05-01T08:00:00.000Z', 0, 0, 0, undefined],
      ['2024-05-01T09:00:00.000Z', 2, 2, 2, 1],
      ['2024-05-01T10:00:00.000Z', 4, 5, 5, 2 / 5],
      ['2024-05-01T11:00:00.000Z', 1, 1, 0, undefined],
    ]);
    expect(windows[1]!.latencyMs).toEqual({ p50: 2, p95: 4, p99: 4 });
    expect(windows[2]!.latencyMs).toEqual({ p50: 3, p95: 10, p99: 10 });
    expect(windows[0]!.latencyMs).toBeUndefined();
  });

  it('answers RMSE for a regressor and picks a window when none is given', async () => {
    const answer = await get(`/api/monitoring/cars?last=24h&until=${new Date(UNTIL).toISOString()}`);
    expect(answer).toMatchObject({ task: 'regression', window: '30m', totals: { requests: 1, rows: 2, labeled: 2, rmse: 3, mae: 3 } });
    expect((answer.windows as Json[]).length).toBe(48);
    // Defaults: the last 24 hours until now (this log is older than that here).
    const now = await get('/api/monitoring/cars');
    expect(now).toMatchObject({ last: '24h', totals: { requests: 0 }, outside: 1 });
  });

  it('refuses bad parameters and names the logged models for an unknown one', async () => {
    expect((await get('/api/monitoring/penguins?last=forever', 400)).error).toMatch(/'last' must be a duration/);
    expect((await get('/api/monitoring/penguins?last=7d&window=1s', 400)).error).toMatch(/at most 1000/);
    expect((await get('/api/monitoring/penguins?until=yesterday', 400)).error).toMatch(/'until'/);
    expect((await get('/api/monitoring/.hidden', 400)).error).toMatch(/not a model name/);
    expect((await get('/api/monitoring/%2e%2e%2fsecrets', 400)).error).toMatch(/not a model name/);
    expect((await get('/api/monitoring/nothing', 404)).error).toMatch(/logged models: cars, penguins/);
    expect((await get('/api/monitoring/empty', 404)).error).toMatch(/no prediction log for 'empty'/);
  });
});
