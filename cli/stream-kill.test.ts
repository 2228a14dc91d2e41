/**
 * The streaming guarantee end to end: `tensorloom watch --stream` child processes consume an
 * MQTT topic on a real mosquitto broker and are killed with SIGKILL at random points while N
 * messages are published; after the last restart, every message is in the append sink
 * exactly once.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, expect, it } from 'vitest';
import { seededRandom } from '../core/data/random.js';
import { Mosquitto } from '../core/stream/test-support/mosquitto.js';
import { startTensorloom } from './test-support/run-cli.js';

const N = 400;
const KILLS = 3;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function ids(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { id: number }).id);
}

function consumer(root: string) {
  const child = startTensorloom(['watch', 'stream.pipeline.json', '--stream'], { cwd: root });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, timeoutMs = 90_000) => {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(output)) {
      if (child.exitCode !== null) throw new Error(`watch --stream exited ${child.exitCode}:\n${output}`);
      if (Date.now() > until) throw new Error(`watch --stream never printed ${pattern}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, exited, waitFor, output: () => output };
}

it(`every one of ${N} messages lands in the sink exactly once across ${KILLS} kill -9 restarts`, { timeout: 420_000 }, async () => {
  const broker = await Mosquitto.create();
  cleanups.push(() => broker.dispose());
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-stream-kill-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(
    join(root, 'stream.pipeline.json'),
    JSON.stringify({
      format: 'tensorloom/pipeline@1',
      name: 'stream-kill',
      nodes: [
        { id: 'events', type: 'data.stream', params: { source: 'mqtt', url: broker.url, topic: 'kill/test', idField: 'id', batchRows: 25, batchSeconds: 0.2 } },
        { id: 'sink', type: 'data.write', params: { path: 'out/events.jsonl', format: 'jsonl', mode: 'append' } },
      ],
      edges: [{ from: 'events.table', to: 'sink.table' }],
    }),
  );
  const seed = Date.now() % 100_000;
  const random = seededRandom(seed);
  const sink = join(root, 'out', 'events.jsonl');

  // The first consumer creates the persistent session; from then on the broker queues for it.
  let current = consumer(root);
  await current.waitFor(/connected/);

  const publisher = await mqtt.connectAsync(broker.url, { clientId: `publisher-${process.pid}` });
  cleanups.push(() => publisher.endAsync(true));
  // The messages go out in one share per consumer, each share while that consumer runs (and
  // on through its kill and restart), so every consumer has messages to take when it is killed.
  let published = 0;
  const publish = async (count: number) => {
    for (let sent = 0; sent < count; sent++) {
      published++;
      await publisher.publishAsync('kill/test', JSON.stringify({ id: published, value: published * 1.5 }), { qos: 1 });
      if (sent % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 40));
    }
  };
  const share = Math.ceil(N / (KILLS + 1));
  for (let kill = 0; kill < KILLS; kill++) {
    const publishing = publish(share);
    // Kill at a random point once it consumes: between batches, mid-run, mid-append.
    await current.waitFor(/batch \d+:/);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1500)));
    current.child.kill('SIGKILL');
    await current.exited;
    current = consumer(root);
    await publishing;
  }
  await publish(N - published);
  const until = Date.now() + 180_000;
  while (ids(sink).length < N) {
    if (Date.now() > until) throw new Error(`seed ${seed}: ${ids(sink).length} of ${N} rows after the last restart:\n${current.output()}`);
    if (current.child.exitCode !== null) throw new Error(`seed ${seed}: watch exited:\n${current.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // The last consumer may find everything appended already (the killed one got there first):
  // stop it once it is up, since a SIGTERM before `watch` installs its handler just kills it.
  await current.waitFor(/connected/);
  current.child.kill('SIGTERM');
  expect(await current.exited).toBe(0);
  const got = ids(sink);
  const counts = new Map<number, number>();
  for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
  const duplicated = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
  expect(duplicated, `seed ${seed}: duplicated ids`).toEqual([]);
  expect([...counts.keys()].sort((a, b) => a - b), `seed ${seed}`).toEqual(Array.from({ length: N }, (_, k) => k + 1));
});
