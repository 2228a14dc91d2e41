/**
 * `tensorloom serve` with its prediction log and hot reload, through real processes: the log
 * survives kill -9, and `serve name@champion` follows the alias under load without failing a
 * request. Real training, real SQLite, real HTTP.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPredictionLog } from '../core/monitor/prediction-log-read.js';
import { registryWorkspace, runRegistry } from './test-support/registry-workspace.js';
import { startModelServer, startTensorloom } from './test-support/run-cli.js';

const serve = (args: string[], cwd: string) => startModelServer(args, { cwd });

/** `tensorloom …` as a child process, awaited without blocking the event loop (the load generator runs meanwhile). */
async function cli(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  const child = startTensorloom(args, { cwd });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

const RECORD = { bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, island: 'Torgersen', sex: 'male' };

describe('tensorloom serve: prediction log and hot reload', () => {
  let workspace: string;

  beforeAll(() => {
    workspace = registryWorkspace();
    const first = runRegistry(workspace);
    if (first.status !== 0) throw new Error(first.stderr);
    const second = runRegistry(workspace, { 'train.epochs': 12 });
    if (second.status !== 0) throw new Error(second.stderr);
  }, 300_000);

  it('keeps the prediction log through kill -9 (all but the last flush interval) and a restart', async () => {
    const logDir = join(workspace, 'logs', 'killed');
    const first = await serve(['penguins@1', '--log-dir', logDir], workspace);
    const ids: string[] = [];
    for (let k = 0; k < 20; k++) {
      const answer = await fetch(`${first.url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: [RECORD] }) });
      expect(answer.status).toBe(200);
      ids.push(answer.headers.get('x-request-id')!);
    }
    // Past one flush interval (1 s): everything answered so far is on disk.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const access = first
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { id: string; status: number; version: string });
    expect(access.filter((line) => ids.includes(line.id)).map((line) => [line.status, line.version])).toEqual(ids.map(() => [200, '1']));
    const second = await serve(['penguins@1', '--log-dir', logDir], workspace);
    const again = await fetch(`${second.url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: [RECORD] }), headers: { 'x-request-id': 'after-restart' } });
    expect(again.status).toBe(200);
    second.child.kill('SIGTERM');
    expect((await once(second.child, 'exit'))[0]).toBe(0);
    const { records, corrupt } = await readPredictionLog(logDir);
    expect(records.map((record) => record.id)).toEqual([...ids, 'after-restart']);
    expect(corrupt.predictions).toBe(0);
    expect(records[0]).toMatchObject({ model: 'penguins', version: '1', features: { island: ['Torgersen'] } });
  }, 120_000);

  it('follows name@champion when the alias moves, under load, without a failed request', async () => {
    expect((await cli(['models', 'alias', 'penguins', 'champion', '1'], workspace)).code).toBe(0);
    const server = await serve(['penguins@champion'], workspace);
    const versions: string[] = [];
    const statuses = new Map<number, number>();
    const instance = autocannon({
      url: server.url,
      connections: 4,
      duration: 600,
      requests: [
        {
          method: 'POST',
          path: '/v1/models/penguins:predict',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [RECORD, RECORD] }),
          onResponse: (status, _body, _context, headers) => {
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            const version = headers?.['x-model-version'];
            if (typeof version === 'string' && versions.at(-1) !== version) versions.push(version);
          },
        },
      ],
    }) as unknown as autocannon.Instance;
    const finished = new Promise<autocannon.Result>((resolve) => instance.on('done', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const moved = await cli(['models', 'alias', 'penguins', 'champion', '2'], workspace);
    expect(moved.code, moved.stderr).toBe(0);
    const deadline = Date.now() + 15_000;
    while (versions.at(-1) !== '2' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    instance.stop();
    const result = await finished;
    const status = (await (await fetch(`${server.url}/v1/models/penguins`)).json()) as { model_version_status: { version: string }[] };
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
    expect(versions).toEqual(['1', '2']);
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(result.requests.total).toBeGreaterThan(100);
    expect(status.model_version_status[0]!.version).toBe('2');
    expect(server.stderr()).toContain('reload: penguins@champion moved to version 2');
    const logged = (await readPredictionLog(join(workspace, '.tensorloom', 'predictions', 'penguins'))).records;
    expect(new Set(logged.map((record) => record.version))).toEqual(new Set(['1', '2']));
  }, 120_000);
});
