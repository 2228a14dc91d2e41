/**
 * Streaming runs in one process, against real parts: a real mosquitto broker, the real
 * engine and node catalog, a workspace store on disk, real files. (The kill -9 test, with
 * `tensorloom watch --stream` child processes, is stream-kill.test.ts.)
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays } from 'apache-arrow';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { writeParquetTo } from '../core/data/parquet-io.js';
import { Engine } from '../core/engine/index.js';
import { composeRegistry, PIPELINE_FORMAT, validatePipeline, type PipelineDoc } from '../core/graph/index.js';
import { WorkspaceStore } from '../core/store/index.js';
import { StreamHub } from '../core/stream/stream-hub.js';
import { StreamRunner } from '../core/stream/stream-runner.js';
import { StreamInbox } from '../core/stream/inbox.js';
import { Mosquitto } from '../core/stream/test-support/mosquitto.js';
import { builtinNodes } from '../nodes/index.js';

const registry = composeRegistry({ builtins: builtinNodes });

interface Setup {
  root: string;
  store: WorkspaceStore;
  engine: Engine;
  hub: StreamHub;
  runner: StreamRunner;
  lines: string[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function pipelineDoc(stream: Record<string, unknown>, sink: Record<string, unknown> = { path: 'out/rows.jsonl', format: 'jsonl', mode: 'append' }): PipelineDoc {
  return {
    format: PIPELINE_FORMAT,
    name: 'stream-test',
    nodes: [
      { id: 'events', type: 'data.stream', params: stream },
      { id: 'sink', type: 'data.write', params: sink },
    ],
    edges: [{ from: 'events.table', to: 'sink.table' }],
  };
}

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-stream-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return root;
}

function start(root: string, doc: PipelineDoc, options: { folderPollMs?: number; folderSettleMs?: number } = {}): Setup {
  const path = join(root, 'stream.pipeline.json');
  writeFileSync(path, JSON.stringify(doc, null, 2));
  const validated = validatePipeline(doc, registry);
  if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('; '));
  const store = WorkspaceStore.open(join(root, '.tensorloom'));
  const hub = new StreamHub(store, root);
  const engine = new Engine({ registry, store, workspaceRoot: root, streams: hub, inProcessOnly: true });
  const lines: string[] = [];
  const runner = new StreamRunner({ engine, hub, store, workspaceRoot: root, pipeline: validated.pipeline, pipelinePath: path, pipelineDir: root, onLine: (line) => lines.push(line), ...options });
  cleanups.push(async () => {
    await runner.stop();
    await engine.close();
    store.close();
  });
  runner.start();
  lastLines = () => lines.slice(-20);
  return { root, store, engine, hub, runner, lines };
}

function readJsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function publish(url: string, topic: string, messages: string[]): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `test-publisher-${process.pid}-${Math.random().toString(16).slice(2)}` });
  for (const message of messages) await client.publishAsync(topic, message, { qos: 1 });
  await client.endAsync();
}

let lastLines: (() => string[]) | undefined;

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${lastLines ? `; the runner said:\n${lastLines().join('\n')}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('data.stream from MQTT', () => {
  it('appends every record once: duplicates and redeliveries dropped by id, out-of-order kept, misfits dead-lettered with the reason', { timeout: 120_000 }, async () => {
    const broker = await Mosquitto.create();
    cleanups.push(() => broker.dispose());
    const root = workspace();
    const setup = start(root, pipelineDoc({ source: 'mqtt', url: broker.url, topic: 'sensors/a', idField: 'id', batchRows: 10, batchSeconds: 0.3 }));
    await waitFor('the subscription', () => setup.runner.status().sourceState.state === 'connected');
    const good = (id: number) => JSON.stringify({ id, temp: 20 + id / 10, site: `s${id % 3}`, ok: id % 2 === 0 });
    // The first batch fixes the schema: id number, temp number, site text, ok boolean.
    await publish(broker.url, 'sensors/a', [1, 2, 3, 4, 5].map(good));
    await waitFor('the first batch', () => setup.runner.status().batches >= 1);
    await publish(broker.url, 'sensors/a', [
      good(9), good(7), good(8), good(6), // out of order
      good(7), good(2), // duplicates (one of an earlier batch)
      JSON.stringify({ temp: 1, site: 'x', ok: true }), // no id
      JSON.stringify({ id: 10, temp: 'hot', site: 'x', ok: true }), // wrong type
      JSON.stringify({ id: 11, site: 'x', ok: true }), // missing key
      '{not json',
      JSON.stringify([{ id: 12, temp: 1.5, site: 'y', ok: false }, { id: 13, temp: 2.5, site: 'y', ok: true }]), // two records in one message
    ]);
    await waitFor('every record processed', () => {
      const stats = setup.runner.status();
      return stats.received >= 17 && stats.backlog === 0 && setup.runner.results.length > 0;
    });
    await setup.runner.drained();
    const rows = readJsonLines(join(root, 'out', 'rows.jsonl'));
    expect(rows.map((row) => row.id).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13]);
    expect(rows.find((row) => row.id === 9)).toEqual({ id: 9, temp: 20.9, site: 's0', ok: false });
    const status = setup.runner.status();
    expect(status.duplicates).toBe(2);
    expect(status.deadLetters).toBe(4);
    const inbox = new StreamInbox(setup.store, status.stream, { format: 'json', idField: 'id' });
    const reasons = inbox.deadLetters().map((letter) => letter.reason).sort();
    expect(reasons).toEqual([
      "missing key 'id' (the idField)",
      "missing key 'temp'",
      expect.stringMatching(/^not JSON/),
      expect.stringMatching(/^wrong type for 'temp': string "hot", expected number/),
    ]);
    expect(status.lastBatch?.status).toBe('succeeded');
    // The batch runs are recorded with the stream's metrics.
    const run = setup.store.getRun(status.lastBatch!.runId)!;
    expect(run.trigger).toBe('stream');
    expect(run.metrics.events?.rows).toBeGreaterThan(0);
    expect(run.metrics.events?.dead_letters).toBe(4);
  });

  it('a broker down at start is retried with backoff (visible in the status), and consumed once it comes up', { timeout: 120_000 }, async () => {
    const broker = await Mosquitto.create({ start: false });
    cleanups.push(() => broker.dispose());
    const root = workspace();
    const setup = start(root, pipelineDoc({ source: 'mqtt', url: broker.url, topic: 't', idField: 'id', batchRows: 5, batchSeconds: 0.2 }));
    await waitFor('the source to be down', () => setup.runner.status().sourceState.state === 'down');
    expect(setup.runner.status().sourceState.detail).toMatch(/unreachable/);
    expect(setup.lines.some((line) => /unreachable.*retrying in/.test(line))).toBe(true);
    await broker.start();
    await waitFor('the source to connect', () => setup.runner.status().sourceState.state === 'connected', 60_000);
    await publish(broker.url, 't', [1, 2, 3].map((id) => JSON.stringify({ id, v: id * 2 })));
    await waitFor('three rows appended', () => readJsonLines(join(root, 'out', 'rows.jsonl')).length === 3 || undefined);
    expect(readJsonLines(join(root, 'out', 'rows.jsonl'))).toEqual([1, 2, 3].map((id) => ({ id, v: id * 2 })));
  });
});

describe('data.stream from a folder', () => {
  it('stores the rows of each new CSV, JSON Lines and Parquet file once; an unreadable file is one dead letter', { timeout: 120_000 }, async () => {
    const root = workspace();
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    const setup = start(root, pipelineDoc({ source: 'folder', folder: 'incoming', idField: 'id', batchRows: 100, batchSeconds: 0.2 }, { path: 'out/rows.csv', format: 'csv', mode: 'append' }), {
      folderPollMs: 50,
      folderSettleMs: 100,
    });
    writeFileSync(join(incoming, 'a.csv'), 'id,value\n1,10\n2,20\n');
    await waitFor('a.csv processed', () => setup.runner.status().batches >= 1);
    writeFileSync(join(incoming, 'b.jsonl'), '{"id":3,"value":30}\n{"id":2,"value":20}\n');
    writeFileSync(join(incoming, 'c.txt'), 'hello');
    await waitFor('b.jsonl processed', () => setup.runner.status().received >= 5 && setup.runner.status().backlog === 0 && setup.runner.status().batches >= 2);
    // A Parquet file as pandas writes one: 64-bit integer ids, a float column, one id seen before.
    const parquet = await open(join(incoming, '.d.parquet.partial'), 'w');
    await writeParquetTo(tableFromArrays({ id: BigInt64Array.from([4n, 3n, 5n]), value: Float64Array.from([40, 30, 50.5]) }), parquet);
    await parquet.close();
    renameSync(join(incoming, '.d.parquet.partial'), join(incoming, 'd.parquet'));
    await waitFor('d.parquet processed', () => setup.runner.status().received >= 8 && setup.runner.status().backlog === 0 && setup.runner.status().batches >= 3);
    await setup.runner.drained();
    expect(readFileSync(join(root, 'out', 'rows.csv'), 'utf8')).toBe('id,value\n1.0,10.0\n2.0,20.0\n3.0,30.0\n4.0,40.0\n5.0,50.5\n'); // stream numbers are float64
    const status = setup.runner.status();
    expect(status.duplicates).toBe(2);
    expect(status.deadLetters).toBe(1);
  });
});

describe('data.stream in a plain run', () => {
  it('previews the next batch without consuming it; a streaming run then processes the same records', { timeout: 120_000 }, async () => {
    const root = workspace();
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    writeFileSync(join(incoming, 'a.jsonl'), '{"id":1,"v":1}\n{"id":2,"v":2}\n{"id":3,"v":3}\n');
    const doc = pipelineDoc({ source: 'folder', folder: 'incoming', idField: 'id', batchRows: 2, batchSeconds: 0.2 }, { path: 'out/preview.jsonl', format: 'jsonl' });
    const path = join(root, 'stream.pipeline.json');
    writeFileSync(path, JSON.stringify(doc));
    const validated = validatePipeline(doc, registry);
    if (!validated.ok) throw new Error('invalid');
    const store = WorkspaceStore.open(join(root, '.tensorloom'));
    const engine = new Engine({ registry, store, workspaceRoot: root, streams: new StreamHub(store, root), inProcessOnly: true });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await engine.run({ pipeline: validated.pipeline, pipelinePath: path, pipelineDir: root });
        expect(result.status).toBe('succeeded');
        expect(readJsonLines(join(root, 'out', 'preview.jsonl')).map((row) => row.id)).toEqual([1, 2]);
      }
      const inbox = new StreamInbox(store, 'stream.pipeline.json#events', { format: 'json', idField: 'id' });
      expect(inbox.stats()).toMatchObject({ received: 3, backlog: 3, batches: 0 });
    } finally {
      await engine.close();
      store.close();
    }
  });

  it('a pipeline without a stream host fails the node with a clear error', async () => {
    const root = workspace();
    const doc = pipelineDoc({ source: 'http', batchRows: 2, batchSeconds: 1 });
    const validated = validatePipeline(doc, registry);
    if (!validated.ok) throw new Error('invalid');
    const store = WorkspaceStore.open(join(root, '.tensorloom'));
    const engine = new Engine({ registry, store, workspaceRoot: root, inProcessOnly: true });
    try {
      const result = await engine.run({ pipeline: validated.pipeline, pipelinePath: join(root, 'p.pipeline.json'), pipelineDir: root });
      expect(result.nodes.events?.error).toMatch(/streams are not available here/);
    } finally {
      await engine.close();
      store.close();
    }
  });
});
