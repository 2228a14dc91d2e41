/**
 * A streaming run that scores and monitors each micro-batch (issue 14, item 2), in one
 * process against real parts: the real engine and node catalog, a workspace store on disk,
 * a folder source with real files, TensorFlow.js training and prediction.
 *
 * The pipeline: a reference CSV is split, scaled, encoded and trains a model (the training
 * branch); the stream's rows go through the same fitted steps (feature.apply replays the
 * training branch's recipe), predict.batch scores them, monitor.drift compares each batch
 * with the reference, and data.write appends the scored rows.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/index.js';
import { composeRegistry, PIPELINE_FORMAT, validatePipeline, type PipelineDoc } from '../core/graph/index.js';
import { WorkspaceStore } from '../core/store/index.js';
import { StreamHub } from '../core/stream/stream-hub.js';
import { StreamRunner } from '../core/stream/stream-runner.js';
import { builtinNodes } from '../nodes/index.js';

const registry = composeRegistry({ builtins: builtinNodes });

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The training branch: the same ids and params in both pipelines, so both share its cache. */
const TRAINING: PipelineDoc['nodes'] = [
  { id: 'ref', type: 'data.csv', params: { path: 'data/reference.csv' } },
  { id: 'split', type: 'data.split', params: { test: 0.2, seed: 1 } },
  { id: 'scale', type: 'feature.scale', params: { target: 'label' } },
  { id: 'encode', type: 'feature.encode', params: { target: 'label' } },
  { id: 'train', type: 'train.dense', params: { target: 'label', hiddenLayers: [8], epochs: 8, seed: 3 } },
];
const TRAINING_EDGES: PipelineDoc['edges'] = [
  { from: 'ref.table', to: 'split.table' },
  { from: 'split.table', to: 'scale.table' },
  { from: 'scale.table', to: 'encode.table' },
  { from: 'encode.table', to: 'train.table' },
];
const TRAINING_IDS = TRAINING.map((node) => node.id);

const streamingDoc: PipelineDoc = {
  format: PIPELINE_FORMAT,
  name: 'stream-scoring',
  nodes: [
    ...TRAINING,
    { id: 'events', type: 'data.stream', params: { source: 'folder', folder: 'incoming', idField: 'id', batchRows: 60, batchSeconds: 0.3 } },
    { id: 'prep', type: 'feature.apply', params: {} },
    { id: 'score', type: 'predict.batch', params: {} },
    { id: 'drift', type: 'monitor.drift', params: { target: 'label', columns: ['x1', 'x2', 'site'] } },
    { id: 'sink', type: 'data.write', params: { path: 'out/scored.jsonl', format: 'jsonl', mode: 'append' } },
  ],
  edges: [
    ...TRAINING_EDGES,
    { from: 'encode.table', to: 'prep.fitted' },
    { from: 'events.table', to: 'prep.table' },
    { from: 'train.model', to: 'score.model' },
    { from: 'prep.table', to: 'score.table' },
    { from: 'ref.table', to: 'drift.reference' },
    { from: 'events.table', to: 'drift.current' },
    { from: 'score.predictions', to: 'sink.table' },
  ],
};

/** A plain run over all the streamed rows at once, raw (predict.batch applies the model's recipe). */
const plainDoc: PipelineDoc = {
  format: PIPELINE_FORMAT,
  name: 'plain-scoring',
  nodes: [
    ...TRAINING,
    { id: 'rows', type: 'data.jsonl', params: { path: 'data/all-streamed.jsonl' } },
    { id: 'score', type: 'predict.batch', params: {} },
    { id: 'sink', type: 'data.write', params: { path: 'out/plain.jsonl', format: 'jsonl' } },
  ],
  edges: [...TRAINING_EDGES, { from: 'train.model', to: 'score.model' }, { from: 'rows.table', to: 'score.table' }, { from: 'score.predictions', to: 'sink.table' }],
};

/** A deterministic pseudo-random sequence (no Math.random: the data set is the same every run). */
function sequence(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

interface Row {
  id: number;
  x1: number;
  x2: number;
  site: string;
  label: string;
}

/** Rows of the reference distribution; `shift` moves both numeric columns by that much. */
function rows(first: number, count: number, seed: number, shift = 0): Row[] {
  const next = sequence(seed);
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return Array.from({ length: count }, (_, index) => {
    const x1 = Math.round((normal() * 2 + 5 + shift) * 1000) / 1000 + 0.0005;
    const x2 = Math.round((normal() * 3 - 1 + shift) * 1000) / 1000 + 0.0005;
    const site = ['north', 'south', 'east'][Math.floor(next() * 3)]!;
    const label = x1 + (site === 'north' ? 1 : 0) - x2 / 3 > 5.5 ? 'high' : 'low';
    return { id: first + index, x1, x2, site, label };
  });
}

const jsonLines = (records: readonly object[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

function readJsonLines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
}

let runnerLines: string[] = [];

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; the runner said:\n${runnerLines.slice(-20).join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function validated(doc: PipelineDoc) {
  const result = validatePipeline(doc, registry);
  if (!result.ok) throw new Error(result.issues.map((issue) => `${issue.nodeId ?? ''} ${issue.message}`).join('; '));
  return result.pipeline;
}

describe('a streaming run that scores and monitors each micro-batch', () => {
  it('scores every streamed row once with the training branch cached, as a plain run scores them, and flags the shifted batch only', { timeout: 300_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-stream-scoring-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, 'data'));
    mkdirSync(join(root, 'incoming'));
    const reference = rows(0, 300, 11);
    writeFileSync(
      join(root, 'data', 'reference.csv'),
      ['x1,x2,site,label', ...reference.map((row) => `${row.x1},${row.x2},${row.site},${row.label}`)].join('\n') + '\n',
    );
    const path = join(root, 'stream.pipeline.json');
    writeFileSync(path, JSON.stringify(streamingDoc, null, 2));
    const store = WorkspaceStore.open(join(root, '.tensorloom'));
    const hub = new StreamHub(store, root);
    const engine = new Engine({ registry, store, workspaceRoot: root, streams: hub, inProcessOnly: true });
    cleanups.push(async () => {
      await engine.close();
      store.close();
    });

    // A plain run first: the training branch runs (the stream has no records yet, so the
    // scoring branch fails cleanly and is skipped).
    const pipeline = validated(streamingDoc);
    const first = await engine.run({ pipeline, pipelinePath: path, pipelineDir: root });
    for (const id of TRAINING_IDS) expect(first.nodes[id], id).toMatchObject({ status: 'succeeded', cached: false });
    expect(first.nodes.events?.error).toMatch(/no records have arrived on this stream yet/);

    runnerLines = [];
    const runner = new StreamRunner({ engine, hub, store, workspaceRoot: root, pipeline, pipelinePath: path, pipelineDir: root, onLine: (line) => runnerLines.push(line), folderPollMs: 50, folderSettleMs: 100 });
    cleanups.push(() => runner.stop());
    runner.start();

    // Batch 1: rows like the reference. Batch 2: both numeric columns shifted far. Batch 3:
    // like the reference again, with two rows of batch 1 sent again (dropped by id).
    const unshifted = rows(1000, 60, 21);
    const shifted = rows(2000, 60, 22, 6);
    const again = rows(3000, 58, 23);
    const batches = [unshifted, shifted, [...again, unshifted[0]!, unshifted[1]!]];
    for (const [index, batch] of batches.entries()) {
      writeFileSync(join(root, 'incoming', `part-${index}.jsonl`), jsonLines(batch.map(({ label: _label, ...row }) => row)));
      await waitFor(`batch ${index + 1}`, () => runner.results.filter((entry) => entry.result.status === 'succeeded').length >= index + 1 || undefined);
    }
    await runner.drained();
    await runner.stop();

    expect(runner.results.map((entry) => entry.result.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(runner.results.map((entry) => entry.rows)).toEqual([60, 60, 58]);
    expect(runner.status()).toMatchObject({ received: 180, duplicates: 2, deadLetters: 0, backlog: 0 });

    // Every streamed row is in the sink exactly once, scored.
    const streamed = [...unshifted, ...shifted, ...again];
    const scored = readJsonLines(join(root, 'out', 'scored.jsonl'));
    expect(scored.map((row) => row.id).sort((a, b) => Number(a) - Number(b))).toEqual(streamed.map((row) => row.id));
    for (const row of scored) {
      expect(['high', 'low']).toContain(row.prediction);
      expect(typeof row.probability_high).toBe('number');
    }

    // The training branch is served from the cache on every batch (recorded so in the store);
    // the batch's own nodes run.
    for (const { result } of runner.results) {
      for (const id of TRAINING_IDS) expect(result.nodes[id], `${id} in run ${result.runId}`).toMatchObject({ status: 'cached', cached: true });
      for (const id of ['events', 'prep', 'score', 'drift', 'sink']) expect(result.nodes[id], `${id} in run ${result.runId}`).toMatchObject({ status: 'succeeded', cached: false });
      const record = store.getRun(result.runId)!;
      expect(record.trigger).toBe('stream');
      for (const id of TRAINING_IDS) expect(record.nodes[id]?.status, `${id} recorded in run ${result.runId}`).toBe('cached');
    }

    // Drift: only the shifted batch is flagged, and on the shifted columns.
    const drift = runner.results.map(({ result }) => store.getRun(result.runId)!.metrics.drift!);
    expect(drift.map((metrics) => metrics.datasetDrift)).toEqual([0, 1, 0]);
    expect(drift[1]).toMatchObject({ 'drifted.x1': 1, 'drifted.x2': 1 });
    expect(drift[0]).toMatchObject({ 'drifted.x1': 0, 'drifted.x2': 0 });

    // The same rows in a plain run (raw rows; predict.batch applies the model's recipe) get
    // the same predictions, from the same cached model.
    writeFileSync(join(root, 'data', 'all-streamed.jsonl'), jsonLines(streamed.map(({ label: _label, ...row }) => row)));
    const plainPath = join(root, 'plain.pipeline.json');
    writeFileSync(plainPath, JSON.stringify(plainDoc, null, 2));
    const plain = await engine.run({ pipeline: validated(plainDoc), pipelinePath: plainPath, pipelineDir: root });
    expect(plain.status).toBe('succeeded');
    for (const id of TRAINING_IDS) expect(plain.nodes[id]?.status, id).toBe('cached');
    const expected = new Map(readJsonLines(join(root, 'out', 'plain.jsonl')).map((row) => [row.id, row]));
    expect(expected.size).toBe(streamed.length);
    for (const row of scored) {
      const want = expected.get(row.id)!;
      expect(row.prediction, `row ${String(row.id)}`).toBe(want.prediction);
      expect(row.probability_high as number).toBeCloseTo(want.probability_high as number, 6);
      expect(row.probability_low as number).toBeCloseTo(want.probability_low as number, 6);
    }
    // The model is not trivial on these rows: both classes are predicted.
    expect(new Set(scored.map((row) => row.prediction))).toEqual(new Set(['high', 'low']));
  });
});
