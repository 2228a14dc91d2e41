/** The model registry's routes over real HTTP, on versions registered by real runs started through the API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorloomServer } from './index.js';
import { call, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;

/** penguins → select → split → impute → encode → scale → train → evaluate → register (short, seeded). */
function pipeline(register: Json, drop: string[] = ['year']): Json {
  const node = (id: string, type: string, params: Json = {}) => ({ id, type, params });
  return {
    format: 'tensorloom/pipeline@1',
    name: 'registry-api',
    nodes: [
      node('load', 'data.csv', { path: 'data/penguins.csv' }),
      node('cols', 'feature.select', { drop }),
      node('split', 'data.split', { test: 0.2, stratifyBy: 'species', seed: 1 }),
      node('impute', 'feature.impute', { target: 'species' }),
      node('encode', 'feature.encode', { target: 'species' }),
      node('scale', 'feature.scale', { target: 'species' }),
      node('train', 'train.dense', { target: 'species', seed: 1, epochs: 6 }),
      node('evaluate', 'eval.model'),
      node('register', 'registry.register', { name: 'penguins', ...register }),
    ],
    edges: [
      { from: 'load.table', to: 'cols.table' },
      { from: 'cols.table', to: 'split.table' },
      { from: 'split.table', to: 'impute.table' },
      { from: 'impute.table', to: 'encode.table' },
      { from: 'encode.table', to: 'scale.table' },
      { from: 'scale.table', to: 'train.table' },
      { from: 'train.model', to: 'evaluate.model' },
      { from: 'scale.table', to: 'evaluate.table' },
      { from: 'train.model', to: 'register.model' },
      { from: 'evaluate.metrics', to: 'register.metrics' },
    ],
  };
}

describe('server API: model registry', () => {
  let server: TensorloomServer;
  let firstRun: string;

  const get = async (path: string) => {
    const answer = await call(server, 'GET', path);
    expect(answer.status, `GET ${path}: ${answer.text}`).toBe(200);
    return answer.json() as Json;
  };

  async function runToEnd(document: Json, path?: string): Promise<string> {
    const started = await call(server, 'POST', '/api/runs', { body: { document, ...(path === undefined ? {} : { path }) } });
    expect(started.status, started.text).toBe(202);
    const { runId } = started.json() as { runId: string };
    for (let tries = 0; tries < 600; tries++) {
      const run = await get(`/api/runs/${runId}`);
      if (run.status !== 'running') {
        expect(run.status, JSON.stringify(run.nodes)).toBe('succeeded');
        return runId;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`run ${runId} did not finish`);
  }

  beforeAll(async () => {
    server = await startServer();
    expect(await get('/api/models')).toEqual([]);
    const saved = await call(server, 'PUT', '/api/pipelines/file?path=registry.pipeline.json', { body: { document: pipeline({ alias: 'champion', gate: 'accuracy >= 0.5' }) } });
    expect(saved.status).toBe(200);
    firstRun = await runToEnd(pipeline({ alias: 'champion', gate: 'accuracy >= 0.5' }), 'registry.pipeline.json');
    await runToEnd(pipeline({ alias: 'challenger' }, ['sex']));
  }, 240_000);
  afterAll(async () => {
    await server.close();
  });

  it('lists models and one model with its versions, aliases and their history', async () => {
    expect(await get('/api/models')).toEqual([
      { name: 'penguins', createdAt: expect.any(Number), updatedAt: expect.any(Number), versionCount: 2, archivedCount: 0, latestVersion: 2, aliases: { challenger: 2, champion: 1 } },
    ]);
    const model = await get('/api/models/penguins');
    expect((model.versions as Json[]).map((version) => [version.version, version.aliases])).toEqual([
      [2, ['challenger']],
      [1, ['champion']],
    ]);
    expect(model.aliases).toEqual([
      { alias: 'challenger', version: 2, updatedAt: expect.any(Number), history: [expect.objectContaining({ kind: 'alias', fromVersion: null, toVersion: 2 })] },
      { alias: 'champion', version: 1, updatedAt: expect.any(Number), history: [expect.objectContaining({ kind: 'alias', fromVersion: null, toVersion: 1, runId: firstRun, nodeId: 'register' })] },
    ]);
    expect((model.events as Json[]).map((event) => event.kind)).toEqual(['register', 'alias', 'register', 'schema-changed', 'alias']);
  });

  it('one version by number or alias, with its lineage back to the run, the pipeline file (a workspace path) and the data', async () => {
    const version = await get('/api/models/penguins/versions/champion');
    expect(version).toMatchObject({
      name: 'penguins',
      version: 1,
      resolvedVia: 'alias',
      resolvedAlias: 'champion',
      metrics: { accuracy: expect.any(Number) },
      schema: { task: 'classification', target: 'species' },
      provenance: {
        registeredBy: { runId: firstRun, nodeId: 'register', found: true, pipelinePath: 'registry.pipeline.json', status: 'succeeded' },
        trainedBy: { runId: firstRun, nodeId: 'train', pipelineName: 'registry-api', pipelinePath: 'registry.pipeline.json' },
        sources: [{ nodeId: 'load', type: 'data.csv', path: 'data/penguins.csv', hash: expect.stringMatching(/^sha256:/) }],
      },
    });
    expect(JSON.stringify(version)).not.toContain(server.workspaceRoot);
    expect((await get('/api/models/penguins/versions/2')).resolvedVia).toBe('version');
    expect((await get('/api/models/penguins/versions/latest')).version).toBe(2);
  });

  it('POST …/aliases moves an alias (audited as the API), removes one with version null, and answers 400/404/409 for mistakes', async () => {
    const moved = await call(server, 'POST', '/api/models/penguins/aliases', { body: { alias: 'champion', version: 2 } });
    expect(moved.status).toBe(200);
    expect(moved.json()).toEqual({ name: 'penguins', alias: 'champion', from: 1, to: 2, changed: true });
    const history = ((await get('/api/models/penguins')).aliases as { alias: string; history: Json[] }[]).find((alias) => alias.alias === 'champion')!.history;
    expect(history.at(-1)).toMatchObject({ fromVersion: 1, toVersion: 2, command: 'POST /api/models/penguins/aliases', runId: null });
    const removed = await call(server, 'POST', '/api/models/penguins/aliases', { body: { alias: 'challenger', version: null } });
    expect(removed.json()).toEqual({ name: 'penguins', alias: 'challenger', from: 2, to: null, changed: true });

    const mistakes: [string, string, unknown, number, string][] = [
      ['POST', '/api/models/penguins/aliases', { alias: 'champion', version: 9 }, 404, "model 'penguins' has no version 9; its versions: 1, 2"],
      ['POST', '/api/models/wine/aliases', { alias: 'champion', version: 1 }, 404, "no model 'wine' in the registry; models: penguins"],
      ['POST', '/api/models/penguins/aliases', { alias: 'v1', version: 1 }, 400, "alias 'v1' would read as a version number"],
      ['POST', '/api/models/penguins/aliases', { alias: 'champion', version: 'two' }, 400, "'version' must be a version number (or null to remove the alias)"],
      ['POST', '/api/models/penguins/aliases', { version: 1 }, 400, "'alias' must be the alias's name"],
      ['POST', '/api/models/penguins/aliases', { alias: 'prod', version: null }, 404, "model 'penguins' has no alias 'prod'; its aliases: champion (v2)"],
      ['GET', '/api/models/penguins/versions/prod', undefined, 404, "model 'penguins' has no alias 'prod'; its aliases: champion (v2)"],
      ['GET', '/api/models/penguins/versions/7', undefined, 404, "model 'penguins' has no version 7; its versions: 1, 2"],
      ['GET', '/api/models/nope', undefined, 404, "no model 'nope' in the registry; models: penguins"],
      ['GET', '/api/models/bad%20name/versions/1', undefined, 400, "model name 'bad name' must be"],
      ['PUT', '/api/models/penguins/aliases', { alias: 'x', version: 1 }, 405, 'PUT is not allowed'],
    ];
    for (const [method, path, body, status, message] of mistakes) {
      const answer = await call(server, method, path, body === undefined ? {} : { body });
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`).toBe(status);
      expect((answer.json() as { error: string }).error).toContain(message);
    }
    expect((await call(server, 'POST', '/api/models/penguins/aliases', { token: null, body: { alias: 'champion', version: 1 } })).status).toBe(401);
    expect((await call(server, 'GET', '/api/models', { token: 'wrong' })).status).toBe(401);
  });
});
