/** The HTTP stream source over real HTTP: token, ingest, dedup, dead letters, oversized bodies, and a stream trigger appending each batch. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TensorloomServer } from './index.js';
import { call, startServer } from './test-support/server-fixture.js';

type Json = Record<string, unknown>;
const PATH = 'ingest.pipeline.json';
const doc = {
  format: 'tensorloom/pipeline@1',
  name: 'ingest',
  nodes: [
    { id: 'events', type: 'data.stream', params: { source: 'http', idField: 'id', batchRows: 3, batchSeconds: 0.2 } },
    { id: 'sink', type: 'data.write', params: { path: 'out/events.jsonl', format: 'jsonl', mode: 'append' } },
  ],
  edges: [{ from: 'events.table', to: 'sink.table' }],
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('streams API', () => {
  let server: TensorloomServer;
  let root: string;
  const ingest = `/api/streams/ingest?path=${PATH}&node=events`;

  beforeAll(async () => {
    server = await startServer();
    root = server.workspaceRoot;
    writeFileSync(join(root, PATH), JSON.stringify(doc));
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a request without the token, a missing node, and a body over 1 MiB', async () => {
    expect((await call(server, 'POST', ingest, { body: { id: 1, v: 1 }, token: null })).status).toBe(401);
    const missing = await call(server, 'POST', `/api/streams/ingest?path=${PATH}&node=nope`, { body: { id: 1 } });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("no data.stream node 'nope'");
    const big = await call(server, 'POST', ingest, { raw: JSON.stringify([{ id: 1, v: 'x'.repeat(1_100_000) }]) });
    expect(big.status).toBe(413);
  });

  it('stores posted rows (dedup by id, misfits dead-lettered) and a stream trigger appends each batch once', async () => {
    const first = await call(server, 'POST', ingest, { body: [{ id: 1, v: 10 }, { id: 2, v: 20 }, { id: 3, v: 30 }] });
    expect(first.status, first.text).toBe(200);
    expect(first.json()).toEqual({ stored: 3, duplicates: 0, deadLetters: 0 });
    expect((await call(server, 'POST', ingest, { body: { id: 2, v: 20 } })).json()).toEqual({ stored: 0, duplicates: 1, deadLetters: 0 });
    expect((await call(server, 'POST', ingest, { body: { v: 5 } })).json()).toEqual({ stored: 0, duplicates: 0, deadLetters: 1 });

    const added = await call(server, 'POST', '/api/triggers', { body: { path: PATH, kind: 'stream' } });
    expect(added.status, added.text).toBe(201);
    await call(server, 'POST', ingest, { body: [{ id: 4, v: 40 }, { id: 5, v: 'forty' }] });
    const sink = join(root, 'out', 'events.jsonl');
    const rows = await until('4 rows in the sink', () => {
      if (!existsSync(sink)) return undefined;
      const lines = readFileSync(sink, 'utf8').split('\n').filter((line) => line !== '');
      return lines.length >= 4 ? lines.map((line) => JSON.parse(line) as Json) : undefined;
    });
    expect(rows).toEqual([1, 2, 3, 4].map((id) => ({ id, v: id * 10 })));
    const status = await until('the stream status', async () => {
      const answer = (await call(server, 'GET', `/api/streams?path=${PATH}`)).json() as Json;
      const stats = answer.stats as Json;
      return stats.backlog === 0 && stats.batches === 2 && answer.running !== null ? answer : undefined;
    });
    expect(status.stats).toMatchObject({ received: 7, duplicates: 1, deadLetters: 2 });
    expect((status.deadLetters as Json[]).map((letter) => letter.reason)).toEqual([
      "wrong type for 'v': string \"forty\", expected number",
      "missing key 'id' (the idField)",
    ]);
    expect((status.running as Json).sourceState).toMatchObject({ state: 'listening' });
    const triggers = (await call(server, 'GET', `/api/triggers?path=${PATH}`)).json() as Json[];
    expect(triggers[0]).toMatchObject({ kind: 'stream', node: 'events' });
  });
});
