/** The tracking routes of API.md over real HTTP: runs with params and metrics, filters, compare, tags and notes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorloomServer } from './index.js';
import { call, EventClient, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;

const adder = (plus: number, name = 'adder') => ({
  format: 'tensorloom/pipeline@1',
  name,
  nodes: [
    { id: 'load', type: 'test.source', params: { value: 40 } },
    { id: 'sum', type: 'test.add', params: { plus } },
    { id: 'nap', type: 'test.sleep', params: { ms: 10 } },
  ],
  edges: [
    { from: 'load.out', to: 'sum.a' },
    { from: 'sum.out', to: 'nap.in' },
  ],
});

describe('tracking API', () => {
  let server: TensorloomServer;
  let events: EventClient;
  let first: string;
  let second: string;
  const get = async (path: string) => {
    const answer = await call(server, 'GET', path);
    expect(answer.status, `GET ${path}: ${answer.text}`).toBe(200);
    return answer.json() as Json & Json[];
  };
  const start = async (body: Json) => {
    const started = await call(server, 'POST', '/api/runs', { body });
    expect(started.status, started.text).toBe(202);
    const { runId } = started.json() as { runId: string };
    await events.waitFor((event) => event.type === 'run.finished' && event.runId === runId);
    return runId;
  };

  beforeAll(async () => {
    server = await startServer();
    events = await EventClient.connect(server);
    first = await start({ document: adder(1), path: 'adder.pipeline.json' });
    second = await start({ document: adder(3), path: 'adder.pipeline.json' });
  });
  afterAll(async () => {
    events.close();
    await server.close();
  });

  it('lists runs with experiment, trigger, params and final metrics', async () => {
    const runs = (await get('/api/runs')) as unknown as Json[];
    expect(runs.map((run) => run.runId)).toEqual([second, first]);
    expect(runs[1]).toMatchObject({
      status: 'succeeded',
      pipeline: 'adder',
      pipelinePath: 'adder.pipeline.json',
      experiment: 'adder',
      trigger: 'ui',
      tags: {},
      note: null,
      parentRunId: null,
      params: { load: { value: 40 }, sum: { plus: 1 }, nap: { ms: 10, tag: '' } },
      metrics: { sum: { sum: 41 }, nap: { step: 10 } },
    });
    expect(await get('/api/experiments')).toEqual([{ name: 'adder', runs: 2, lastStartedAt: expect.any(Number) }]);
  });

  it('filters and sorts like tensorloom runs; a broken filter is a 400 naming the column', async () => {
    const ids = async (query: string) => ((await get(`/api/runs?${query}`)) as unknown as Json[]).map((run) => run.runId);
    expect(await ids(`where=${encodeURIComponent('params.sum.plus = 3 and metrics.sum > 40')}`)).toEqual([second]);
    expect(await ids(`sort=${encodeURIComponent('metrics.sum')}&limit=1`)).toEqual([first]);
    expect(await ids('experiment=adder&path=adder.pipeline.json')).toEqual([second, first]);
    expect(await ids('experiment=none')).toEqual([]);
    const bad = await call(server, 'GET', `/api/runs?where=${encodeURIComponent('metrics.sum >')}`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toEqual({ error: "where: expected a value (a number, a quoted string, true or false) after '>', found the end (column 14)", field: 'where', column: 14 });
    expect((await call(server, 'GET', `/api/runs?sort=${encodeURIComponent('-bogus')}`)).status).toBe(400);
    expect((await call(server, 'GET', '/api/runs?children=maybe')).status).toBe(400);

    const table = await get(`/api/runs/table?sort=${encodeURIComponent('-metrics.sum')}`);
    expect(table.columns).toEqual({ metrics: ['sum'], params: ['sum.plus'] });
    expect((table.runs as Json[]).map((run) => run.runId)).toEqual([second, first]);
    expect(table.experiments).toEqual([expect.objectContaining({ name: 'adder', runs: 2 })]);
  });

  it('compares runs: the differing params, metrics with the best marked, and series for curves', async () => {
    const comparison = await get(`/api/runs/compare?ids=${first},${second}`);
    expect(comparison.runs).toEqual([expect.objectContaining({ id: first, experiment: 'adder' }), expect.objectContaining({ id: second })]);
    expect(comparison.params).toEqual({ sum: { plus: [1, 3] } });
    expect(comparison.metrics).toEqual({ sum: { sum: [41, 43] }, nap: { step: [10, 10] } });
    expect(comparison.best).toEqual({ sum: { sum: [second] } });
    const series = comparison.series as Record<string, Record<string, Record<string, { step: number; value: number }[]>>>;
    expect(Object.keys(series.nap!.step!)).toEqual([first, second]);
    expect(series.nap!.step![first]).toHaveLength(10);

    expect(await call(server, 'GET', `/api/runs/compare?ids=${first},nope`)).toMatchObject({ status: 404 });
    expect((await call(server, 'GET', `/api/runs/compare?ids=${first}`)).json()).toEqual({ error: 'compare needs at least two run ids (got 1)' });
  });

  it('tags and notes a run; the run detail carries them with its environment and sources', async () => {
    const tagged = await call(server, 'POST', `/api/runs/${first}/tags`, { body: { tags: { team: 'vision', stage: 'baseline' } } });
    expect(tagged.json()).toEqual({ runId: first, tags: { stage: 'baseline', team: 'vision' } });
    expect((await call(server, 'POST', `/api/runs/${first}/tags`, { body: { tags: { stage: null } } })).json()).toEqual({ runId: first, tags: { team: 'vision' } });
    expect((await call(server, 'PUT', `/api/runs/${first}/note`, { body: { note: 'the baseline' } })).json()).toEqual({ runId: first, note: 'the baseline' });

    const detail = await get(`/api/runs/${first}`);
    expect(detail).toMatchObject({ experiment: 'adder', trigger: 'ui', tags: { team: 'vision' }, note: 'the baseline', parentRunId: null, sources: [] });
    expect(detail.environment).toMatchObject({ node: process.versions.node, backend: 'none' });
    expect(((await get(`/api/runs?where=${encodeURIComponent('tags.team = vision')}`)) as unknown as Json[]).map((run) => run.runId)).toEqual([first]);

    const badKey = await call(server, 'POST', `/api/runs/${first}/tags`, { body: { tags: { 'no spaces': 'x' } } });
    expect(badKey.status).toBe(400);
    expect((badKey.json() as Json).error).toMatch(new RegExp(`^tag 'no spaces' on run ${first}:`));
    expect((await call(server, 'POST', `/api/runs/${first}/tags`, { body: { tags: { n: 1 } } })).status).toBe(400);
    expect((await call(server, 'POST', '/api/runs/nope/tags', { body: { tags: { a: 'b' } } })).status).toBe(404);
    expect((await call(server, 'PUT', '/api/runs/nope/note', { body: { note: 'x' } })).status).toBe(404);
    expect((await call(server, 'PUT', `/api/runs/${first}/note`, { body: { note: 5 } })).status).toBe(400);
  });

  it('records a run under the experiment a start request names', async () => {
    const runId = await start({ document: adder(5), experiment: 'sweep' });
    expect(await get(`/api/runs/${runId}`)).toMatchObject({ experiment: 'sweep', trigger: 'ui' });
    expect(((await get('/api/runs?experiment=sweep')) as unknown as Json[]).map((run) => run.runId)).toEqual([runId]);
    expect((await call(server, 'POST', '/api/runs', { body: { document: adder(5), experiment: '  ' } })).status).toBe(400);
  });
});
