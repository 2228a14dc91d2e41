/**
 * MQTT ingest benchmark: how fast a streaming run (data.stream → data.write mode append,
 * JSON Lines) drains N queued QoS 1 messages from a real mosquitto broker, against its peer
 * measured in the same run: `mosquitto_sub` (QoS 1, the same kind of persistent session)
 * writing the messages to a file. Each side's session is created first, the N messages are
 * published while it is offline (the broker queues them), then the consumer starts and the
 * clock runs until all N are in its file. Prints medians and the ratio.
 *
 *   npm run bench:stream            (N=20000 RUNS=3 BATCH=1000 to change the sizes)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Engine } from '../../core/engine/index.js';
import { composeRegistry, PIPELINE_FORMAT, validatePipeline, type PipelineDoc } from '../../core/graph/index.js';
import { WorkspaceStore } from '../../core/store/index.js';
import { StreamHub } from '../../core/stream/stream-hub.js';
import { StreamRunner } from '../../core/stream/stream-runner.js';
import { Mosquitto } from '../../core/stream/test-support/mosquitto.js';
import { builtinNodes } from '../../nodes/index.js';

const N = Number(process.env.N ?? 20_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BATCH = Number(process.env.BATCH ?? 1000);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function publish(url: string, topic: string, count: number): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-publisher-${process.pid}` });
  const pending: Promise<unknown>[] = [];
  for (let id = 1; id <= count; id++) {
    pending.push(client.publishAsync(topic, JSON.stringify({ id, sensor: `s${id % 17}`, value: id * 0.25, ok: id % 2 === 0 }), { qos: 1 }));
    if (pending.length >= 500) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await client.endAsync();
}

async function until(probe: () => boolean, what: string, timeoutMs = 600_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const lineCount = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').length : 0);

/** mosquitto_sub drains the queue into a file; seconds. */
async function peer(broker: Mosquitto, run: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-stream-sub-'));
  const topic = `bench/sub/${run}`;
  const args = ['-h', '127.0.0.1', '-p', String(broker.port), '-t', topic, '-q', '1', '-c', '-i', `bench-sub-${process.pid}-${run}`];
  // Create the persistent session, then leave.
  await new Promise<void>((resolve) => spawn('mosquitto_sub', [...args, '-W', '1'], { stdio: 'ignore' }).on('exit', () => resolve()));
  await publish(broker.url, topic, N);
  const out = join(dir, 'messages.jsonl');
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn('sh', ['-c', `mosquitto_sub ${args.join(' ')} -C ${N} > "${out}"`], { stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_sub exited ${code}`))));
  });
  const seconds = (performance.now() - started) / 1000;
  if (lineCount(out) !== N) throw new Error(`mosquitto_sub wrote ${lineCount(out)} of ${N} lines`);
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

/** A streaming run drains the queue into an append sink; seconds. */
async function tensorloom(broker: Mosquitto, run: number): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), 'bench-stream-tl-'));
  const topic = `bench/tl/${run}`;
  const doc: PipelineDoc = {
    format: PIPELINE_FORMAT,
    name: 'bench-stream',
    nodes: [
      { id: 'events', type: 'data.stream', params: { source: 'mqtt', url: broker.url, topic, idField: 'id', batchRows: BATCH, batchSeconds: 0.2 } },
      { id: 'sink', type: 'data.write', params: { path: 'out/events.jsonl', format: 'jsonl', mode: 'append' } },
    ],
    edges: [{ from: 'events.table', to: 'sink.table' }],
  };
  const path = join(root, 'bench.pipeline.json');
  writeFileSync(path, JSON.stringify(doc));
  const registry = composeRegistry({ builtins: builtinNodes });
  const validated = validatePipeline(doc, registry);
  if (!validated.ok) throw new Error('invalid bench pipeline');
  const store = WorkspaceStore.open(join(root, '.tensorloom'));
  const hub = new StreamHub(store, root);
  const engine = new Engine({ registry, store, workspaceRoot: root, streams: hub });
  const make = () => new StreamRunner({ engine, hub, store, workspaceRoot: root, pipeline: validated.pipeline, pipelinePath: path, pipelineDir: root, onLine: () => {} });
  // Create the persistent session, then leave.
  const first = make();
  first.start();
  await until(() => first.status().sourceState.state === 'connected', 'the first connect');
  await first.stop();
  await publish(broker.url, topic, N);
  const sink = join(root, 'out', 'events.jsonl');
  const started = performance.now();
  const runner = make();
  runner.start();
  await until(() => runner.status().received >= N, 'all messages stored');
  await runner.drained(600_000);
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  await engine.close();
  store.close();
  if (lineCount(sink) !== N) throw new Error(`the sink has ${lineCount(sink)} of ${N} rows`);
  rmSync(root, { recursive: true, force: true });
  return seconds;
}

const broker = await Mosquitto.create();
try {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    theirs.push(await peer(broker, run));
    ours.push(await tensorloom(broker, run));
    console.log(`run ${run + 1}/${RUNS}: mosquitto_sub ${theirs.at(-1)!.toFixed(2)} s, tensorloom ${ours.at(-1)!.toFixed(2)} s`);
  }
  const rate = (seconds: number) => Math.round(N / seconds);
  console.log(`\nMQTT ingest of ${N} queued QoS 1 messages (median of ${RUNS}):`);
  console.log(`  mosquitto_sub → file:                          ${median(theirs).toFixed(2)} s  (${rate(median(theirs))} msg/s)`);
  console.log(`  tensorloom data.stream → data.write (append):  ${median(ours).toFixed(2)} s  (${rate(median(ours))} msg/s; batches of ${BATCH})`);
  console.log(`  ratio (tensorloom / mosquitto_sub time):       ${(median(ours) / median(theirs)).toFixed(2)}×`);
} finally {
  await broker.dispose();
}
