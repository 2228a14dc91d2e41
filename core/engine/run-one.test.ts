/**
 * `run --only`: one node at a time from stored artifacts, with the keys and bytes of a full
 * run; in results mode without ever opening the database, merged later by import.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePipeline } from '../graph/index.js';
import type { PipelineDoc, ResolvedPipeline } from '../graph/types.js';
import { ArtifactStore, WorkspaceStore } from '../store/index.js';
import { RunOneError, runOnlyNode, type RunOneRequest } from './run-one.js';
import { importStepRun, readStepRun, stepRunDir, STEP_RESULT_FORMAT } from './step-results.js';
import { Harness, pipeline } from './test-support/harness.js';
import { counterNode } from './test-support/state-nodes.js';

// Two branches from one source, joined; plus a source reading a file.
const doc = pipeline(
  [
    { id: 'a', type: 'test.source', params: { value: 1 } },
    { id: 'src', type: 'test.source', params: { value: 0, file: 'n.txt' } },
    { id: 'left', type: 'test.add', params: { plus: 10 } },
    { id: 'right', type: 'test.add', params: { plus: 100 } },
    { id: 'join', type: 'test.add', params: {} },
    { id: 'last', type: 'test.add', params: { plus: 1 } },
  ],
  [['a.out', 'left.a'], ['a.out', 'right.a'], ['src.out', 'right.b'], ['left.out', 'join.a'], ['right.out', 'join.b'], ['join.out', 'last.a']],
);

function resolved(harness: Harness, document: PipelineDoc = doc): ResolvedPipeline {
  const validated = validatePipeline(document, harness.registry);
  if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('; '));
  return validated.pipeline;
}

function request(harness: Harness, nodeId: string, target: RunOneRequest['target'], document: PipelineDoc = doc): RunOneRequest {
  return { pipeline: resolved(harness, document), pipelinePath: null, pipelineDir: harness.root, workspaceRoot: harness.root, nodeId, target, inProcessOnly: true };
}

describe('run --only', () => {
  const harnesses: Harness[] = [];
  const fresh = () => {
    const harness = new Harness();
    writeFileSync(join(harness.root, 'n.txt'), '1000');
    harnesses.push(harness);
    return harness;
  };
  afterEach(async () => {
    for (const harness of harnesses.splice(0)) {
      await harness.close();
      rmSync(harness.root, { recursive: true, force: true });
    }
  });

  it('step by step in topological order computes the keys and bytes of a full run', async () => {
    const full = fresh();
    const run = await full.run(doc);
    const keys = Object.fromEntries(Object.entries(full.store.getRun(run.runId)!.nodes).map(([id, node]) => [id, node.cacheKey]));

    const steps = fresh();
    for (const id of resolved(steps).order) {
      const step = await runOnlyNode(request(steps, id, { kind: 'store', store: steps.store }));
      expect(step).toMatchObject({ node: id, status: 'succeeded', cached: false, cacheKey: keys[id] });
      expect(step.outputs).toEqual(run.outputs[id]);
      // The same bytes in the other store, under the same name.
      for (const hash of Object.values(step.outputs)) expect(readFileSync(steps.store.artifacts.pathOf(hash))).toEqual(readFileSync(full.store.artifacts.pathOf(hash)));
    }
    expect((await runOnlyNode(request(steps, 'last', { kind: 'store', store: steps.store }))).metrics).toEqual({ sum: 1113 });
    // Each step is a run of one node; the next full run finds everything in the cache.
    const detail = steps.store.getRun(steps.store.listRuns()[0]!.id)!;
    expect(Object.keys(detail.nodes)).toEqual(['last']);
    expect(detail.nodes.last).toMatchObject({ status: 'cached', cached: true });
    expect(Harness.cached(await steps.run(doc))).toEqual(['a', 'join', 'last', 'left', 'right', 'src']);
  });

  it('reuses its own result, and names the upstream nodes not computed yet, nearest first', async () => {
    const harness = fresh();
    const store = { kind: 'store', store: harness.store } as const;
    const missing = await runOnlyNode(request(harness, 'join', store)).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(RunOneError);
    expect((missing as RunOneError).missing).toEqual(['a', 'src', 'left', 'right']);
    expect((missing as Error).message).toBe(
      "cannot run 'join' alone: the outputs of upstream nodes 'a', 'src', 'left', 'right' are not in the workspace's artifact store (computed with today's params and files); compute 'a', 'src' first (--only a, --only src), or run with --until join",
    );
    await harness.run(doc, { until: 'left' });
    const still = (await runOnlyNode(request(harness, 'join', store)).catch((error: unknown) => error)) as RunOneError;
    expect(still.missing).toEqual(['src', 'right']);

    await harness.run(doc, { until: 'join' });
    const again = await runOnlyNode(request(harness, 'join', store));
    expect(again).toMatchObject({ status: 'succeeded', cached: true, metrics: { sum: 1112 } });
    // A changed source file is a changed key upstream: the step no longer finds its inputs.
    writeFileSync(join(harness.root, 'n.txt'), '2000');
    expect(((await runOnlyNode(request(harness, 'join', store)).catch((error: unknown) => error)) as RunOneError).missing).toEqual(['src', 'right']);
    await expect(runOnlyNode(request(harness, 'nope', store))).rejects.toThrow("--only nope: the pipeline has no such node; nodes are: a, src, left, right, join, last");
  });

  it('with step records: never opens the database, finds upstream results through the records, and imports as one run', async () => {
    const reference = fresh();
    const full = await reference.run(doc);
    // A bare shared folder: artifacts and records only, as on a network volume.
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-steps-'));
    writeFileSync(join(root, 'n.txt'), '1000');
    const storeDir = join(root, '.tensorloom');
    const resultsDir = join(storeDir, 'results');
    const registryHarness = fresh();
    const target = { kind: 'results', storeDir, resultsDir, runId: 'wf-1' } as const;
    const step = (id: string) => runOnlyNode({ ...request(registryHarness, id, target), pipelineDir: root, workspaceRoot: root });
    try {
      await expect(step('left')).rejects.toThrow("the outputs of upstream node 'a' are not among the step results of run 'wf-1' with their artifact files (computed with today's params and files); compute 'a' first (--only a with the same --run-id), or run with --until left");
      // Independent branches may run at once (two machines), the join after both.
      for (const id of ['a', 'src']) expect((await step(id)).status).toBe('succeeded');
      const [left, right] = await Promise.all([step('left'), step('right')]);
      expect([left.outputs, right.outputs]).toEqual([full.outputs.left, full.outputs.right]);
      for (const id of ['join', 'last']) expect((await step(id)).outputs).toEqual(full.outputs[id]);
      expect(existsSync(join(storeDir, 'tensorloom.db'))).toBe(false);
      expect(readdirSync(stepRunDir(resultsDir, 'wf-1')).sort()).toEqual(['a.json', 'join.json', 'last.json', 'left.json', 'right.json', 'src.json']);
      const record = JSON.parse(readFileSync(join(resultsDir, 'wf-1', 'join.json'), 'utf8')) as Record<string, unknown>;
      expect(record).toMatchObject({ format: STEP_RESULT_FORMAT, runId: 'wf-1', nodeId: 'join', status: 'succeeded', metrics: [{ name: 'sum', value: 1112, step: null }], inputs: { a: full.outputs.left!.out, b: full.outputs.right!.out } });
      // A retried step finds its own record: nothing runs twice.
      expect(await step('join')).toMatchObject({ cached: true, outputs: full.outputs.join });

      // Import into the workspace that holds the shared artifact folder.
      const store = WorkspaceStore.open(storeDir);
      try {
        const imported = importStepRun(store, readStepRun(stepRunDir(resultsDir, 'wf-1')));
        expect(imported).toMatchObject({ stepRunId: 'wf-1', status: 'succeeded', alreadyImported: false });
        const run = store.getRun(imported.runId)!;
        expect(run).toMatchObject({ status: 'succeeded', trigger: 'import', tags: { 'tensorloom.step-run': 'wf-1' } });
        expect(Object.fromEntries(Object.entries(run.nodes).map(([id, node]) => [id, node.status]))).toEqual({ a: 'succeeded', src: 'succeeded', left: 'succeeded', right: 'succeeded', join: 'succeeded', last: 'succeeded' });
        expect(run.nodes.join!.outputs.out!.hash).toBe(full.outputs.join!.out);
        expect(importStepRun(store, readStepRun(stepRunDir(resultsDir, 'wf-1')))).toMatchObject({ runId: imported.runId, alreadyImported: true });
      } finally {
        store.close();
      }
      // The cache entries came with it: a local run of the same pipeline computes nothing.
      const local = new Harness({}, undefined, root);
      harnesses.push(local);
      expect(Harness.cached(await local.run(doc))).toEqual(['a', 'join', 'last', 'left', 'right', 'src']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('imports a partial run as failed, the nodes without a result skipped', async () => {
    const harness = fresh();
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-steps-'));
    try {
      const storeDir = join(root, '.tensorloom');
      const target = { kind: 'results', storeDir, resultsDir: join(storeDir, 'results'), runId: 'wf-2' } as const;
      await runOnlyNode({ ...request(harness, 'a', target), pipelineDir: root, workspaceRoot: root });
      const store = WorkspaceStore.open(storeDir);
      try {
        const imported = importStepRun(store, readStepRun(join(storeDir, 'results', 'wf-2')));
        expect(imported.status).toBe('failed');
        expect(imported.nodes).toMatchObject({ a: 'succeeded', left: 'missing', join: 'missing' });
        const run = store.getRun(imported.runId)!;
        expect(run.error).toBe('no result from nodes: src, left, right, join, last');
        expect(run.nodes.left).toMatchObject({ status: 'skipped', error: expect.stringContaining('no step result') });
      } finally {
        store.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('run --only with step records and the database\'s own features', () => {
  it('fails a node that keeps state (it needs the database) with the reason, and records the failure', async () => {
    const harness = new Harness({}, [counterNode]);
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-steps-'));
    try {
      const document = pipeline([{ id: 'count', type: 'test.counter', params: {} }], []);
      const validated = validatePipeline(document, harness.registry);
      if (!validated.ok) throw new Error('invalid');
      const storeDir = join(root, '.tensorloom');
      const result = await runOnlyNode({ pipeline: validated.pipeline, pipelinePath: null, pipelineDir: root, workspaceRoot: root, nodeId: 'count', target: { kind: 'results', storeDir, resultsDir: join(storeDir, 'results'), runId: 'wf-3' }, inProcessOnly: true });
      expect(result).toMatchObject({ status: 'failed', error: "node 'count' (test.counter) keeps state between runs in the workspace database, which a step writing --results-dir never opens; run it on the machine that holds the database (without --results-dir, after tensorloom import-results)" });
      expect(readStepRun(join(storeDir, 'results', 'wf-3'))).toEqual([expect.objectContaining({ nodeId: 'count', status: 'failed' })]);
      expect(existsSync(join(storeDir, 'tensorloom.db'))).toBe(false);
      // With the database, the same step counts as a full run would.
      expect(await runOnlyNode({ pipeline: validated.pipeline, pipelinePath: null, pipelineDir: harness.root, workspaceRoot: harness.root, nodeId: 'count', target: { kind: 'store', store: harness.store }, inProcessOnly: true })).toMatchObject({ status: 'succeeded', cached: false });
    } finally {
      await harness.close();
      rmSync(root, { recursive: true, force: true });
      rmSync(harness.root, { recursive: true, force: true });
    }
  });
});

describe('the shared artifact folder', () => {
  it('takes the same content from several processes at once: one complete, read-only file or folder each', { timeout: 60_000 }, async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-cas-'));
    const script = fileURLToPath(new URL('./test-support/put-same-artifact.ts', import.meta.url));
    try {
      const outputs = await Promise.all(
        [1, 2, 3, 4].map(
          () =>
            new Promise<string>((resolve, reject) => {
              const child = spawn(process.execPath, ['--import', 'tsx', script, root], { stdio: ['ignore', 'pipe', 'pipe'] });
              let out = '';
              let err = '';
              child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
              child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
              child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`writer failed (${code}): ${err}`))));
            }),
        ),
      );
      // Every writer got the same two ids; the store holds them complete and verifiable, and no temp file is left.
      expect(new Set(outputs).size).toBe(1);
      const [file, dir] = outputs[0]!.split(' ');
      const store = new ArtifactStore(root);
      expect(await store.verify(file!)).toBe(true);
      expect(await store.verify(dir!)).toBe(true);
      expect(store.tempEntries()).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
