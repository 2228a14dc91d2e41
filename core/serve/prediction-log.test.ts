import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPredictionLog } from '../monitor/prediction-log-read.js';
import { startModelServer, type ModelServer } from './model-server.js';
import { DEFAULT_LIMITS } from './settings.js';
import { trainExample, type TrainedExample } from './test-support/trained-model.js';

describe('model server: prediction log, feedback, access log, swap', () => {
  let example: TrainedExample;
  let server: ModelServer;
  let logDir: string;
  const access: string[] = [];

  beforeAll(async () => {
    example = trainExample('penguins');
    logDir = join(mkdtempSync(join(tmpdir(), 'serve-log-')), 'penguins');
    server = await startModelServer({
      modelDir: example.modelDir,
      name: 'm',
      version: '1',
      host: '127.0.0.1',
      port: 0,
      limits: DEFAULT_LIMITS,
      shutdownGraceMs: 5000,
      predictionLog: { dir: logDir, sample: 1, flushMs: 50 },
      accessLog: (bytes) => access.push(...Buffer.from(bytes).toString('utf8').trim().split('\n')),
    });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  const predict = (records: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/models/m:predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ instances: records }) });

  it('gives every answer a request id (the client’s when it sends a sane one) and logs the request under it', async () => {
    const own = await predict(example.records.slice(0, 1), { 'x-request-id': 'client-42' });
    expect(own.status).toBe(200);
    expect(own.headers.get('x-request-id')).toBe('client-42');
    const generated = await predict(example.records.slice(1, 4));
    const id = generated.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f]{16}-[0-9a-f]{12}$/);
    const insane = await predict(example.records.slice(0, 1), { 'x-request-id': 'a b\u00e9' });
    expect(insane.headers.get('x-request-id')).toMatch(/^[0-9a-f]{16}-[0-9a-f]{12}$/);
    const answer = (await generated.json()) as { predictions: { prediction: string; probabilities: number[] }[] };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { records } = await readPredictionLog(logDir);
    const logged = records.find((record) => record.id === id)!;
    expect(logged).toMatchObject({ model: 'm', version: '1', rows: 3, classes: example.bundle.classes });
    expect(logged.predictions).toEqual(answer.predictions.map((row) => row.prediction));
    expect(logged.probabilities).toEqual(answer.predictions.map((row) => row.probabilities));
    expect(logged.features!.bill_length_mm).toEqual(example.records.slice(1, 4).map((r) => r.bill_length_mm));
    expect(logged.latencyMs).toBeGreaterThan(0);
    expect(records.some((record) => record.id === 'client-42')).toBe(true);
  });

  it('takes feedback for logged ids, counts unknown ones, answers 202, and refuses bad bodies naming the field', async () => {
    const id = (await predict(example.records.slice(0, 1))).headers.get('x-request-id')!;
    const sent = await fetch(`${server.url}/v1/models/m/feedback`, { method: 'POST', body: JSON.stringify([{ id, label: 'Adelie' }, { id: 'never-seen', label: 'Gentoo' }]) });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ accepted: 2, unknown: 1 });
    const bad = await fetch(`${server.url}/v1/models/m/feedback`, { method: 'POST', body: JSON.stringify([{ id, label: 'x' }, { id: 7, label: 'y' }]) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^\[1\]\.id: expected the request id/);
    const missing = await fetch(`${server.url}/v1/models/m/feedback`, { method: 'POST', body: JSON.stringify([{ id }]) });
    expect(((await missing.json()) as { error: string }).error).toMatch(/^\[0\]\.label: missing/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { labels } = await readPredictionLog(logDir);
    expect(labels.get(id)).toBe('Adelie');
    expect(labels.get('never-seen')).toBe('Gentoo');
  });

  it('writes one JSON access line per request on its sink', async () => {
    const before = access.length;
    const response = await predict(example.records.slice(0, 2), { 'x-request-id': 'access-1' });
    await fetch(`${server.url}/v1/models/nope`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = access.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(response.status).toBe(200);
    expect(lines[0]).toMatchObject({ id: 'access-1', method: 'POST', path: '/v1/models/m:predict', route: '/v1/models/{m}:predict', status: 200, model: 'm', version: '1', rows: 2 });
    expect(typeof lines[0]!.ms).toBe('number');
    expect(lines[1]).toMatchObject({ route: '/v1/models/{m}', status: 404 });
  });

  it('swaps the model under load: no request fails, the version changes in answers, status, metadata and the log', async () => {
    const body = JSON.stringify({ instances: example.records.slice(0, 4) });
    const versions = new Set<string>();
    const statuses = new Map<number, number>();
    const instance = autocannon({
      url: server.url,
      connections: 8,
      duration: 4,
      requests: [
        {
          method: 'POST',
          path: '/v1/models/m:predict',
          headers: { 'content-type': 'application/json' },
          body,
          onResponse: (status, _body, _context, headers) => {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            const version = headers?.['x-model-version'];
            if (typeof version === 'string') versions.add(version);
          },
        },
      ],
    }) as unknown as autocannon.Instance;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await server.swap({ modelDir: example.modelDir, version: '2' });
    expect(server.version).toBe('2');
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance.on('done', resolve);
      instance.on('error', reject);
    });
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(versions).toEqual(new Set(['1', '2']));
    expect(result.requests.total).toBeGreaterThan(50);
    const status = (await (await fetch(`${server.url}/v1/models/m`)).json()) as { model_version_status: { version: string }[] };
    expect(status.model_version_status[0]!.version).toBe('2');
    const v2 = (await (await fetch(`${server.url}/v2/models/m`)).json()) as { versions: string[] };
    expect(v2.versions).toEqual(['2']);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const logged = new Set((await readPredictionLog(logDir)).records.map((record) => record.version));
    expect(logged).toEqual(new Set(['1', '2']));
    expect(readdirSync(logDir).length).toBeGreaterThan(0);
    expect(readFileSync(join(logDir, readdirSync(logDir)[0]!), 'utf8').length).toBeGreaterThan(0);
  }, 60_000);
});
