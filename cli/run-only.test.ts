/**
 * `tensorloom run --only` and `tensorloom import-results` through the real CLI on the
 * penguins example: step by step equals a full run byte for byte, in the workspace database
 * and with step records (several processes, one artifact folder, no database), and with
 * each step in a store of its own handed its upstream stores (Argo's S3 mode).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../core/store/index.js';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

interface RunJson {
  runId: string;
  status: string;
  nodes: Record<string, { status: string; cached: boolean }>;
  outputs: Record<string, Record<string, string>>;
}
interface StepJson {
  runId: string;
  node: string;
  status: string;
  cached: boolean;
  cacheKey: string;
  outputs: Record<string, string>;
  record?: string;
}

/** Training on one backend everywhere, so the model is the same bytes in every process. */
const WASM = { TENSORLOOM_BACKEND: 'wasm' };
const ORDER = ['load', 'split', 'impute', 'encode', 'scale', 'train', 'evaluate'];
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

let full: RunJson;
let keys: Record<string, string>;
let reference: string;
beforeAll(() => {
  reference = copyExamples();
  made.push(reference);
  const result = tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: reference, env: WASM });
  expect(result.status, result.stderr).toBe(0);
  full = JSON.parse(result.stdout) as RunJson;
  const shown = JSON.parse(tensorloom(['show', full.runId, '--json'], { cwd: reference }).stdout) as { nodes: Record<string, { cacheKey: string }> };
  keys = Object.fromEntries(Object.entries(shown.nodes).map(([id, node]) => [id, node.cacheKey]));
}, 120_000);

const step = (cwd: string, node: string, extra: string[] = []) => {
  const result = tensorloom(['run', 'penguins.pipeline.json', '--only', node, '--json', ...extra], { cwd, env: WASM });
  expect(result.status, `${node}: ${result.stderr}`).toBe(0);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as StepJson;
};

/**
 * The outputs equal the full run's, byte for byte, in `store`: every artifact, except that
 * train.dense's metrics record the seconds per epoch (two full runs differ there too), so
 * that one is compared without them.
 */
function expectFullRunResults(outputs: Record<string, Record<string, string>>, storeDir: string): void {
  const a = new ArtifactStore(join(reference, '.tensorloom'));
  const b = new ArtifactStore(storeDir);
  const files = (root: string) =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)))
      .sort();
  expect(Object.keys(outputs).sort()).toEqual(Object.keys(full.outputs).sort());
  for (const [node, ports] of Object.entries(full.outputs)) {
    for (const [port, hash] of Object.entries(ports)) {
      const mine = outputs[node]![port]!;
      if (node === 'train' && port === 'metrics') {
        const timeless = (path: string) => ({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), secondsPerEpoch: 0 });
        expect(timeless(b.pathOf(mine))).toEqual(timeless(a.pathOf(hash)));
        continue;
      }
      expect(mine, `${node}.${port}`).toBe(hash);
      if (a.kindOf(hash) === 'dir') {
        expect(files(b.pathOf(hash))).toEqual(files(a.pathOf(hash)));
        for (const file of files(a.pathOf(hash))) expect(readFileSync(join(b.pathOf(hash), file)).equals(readFileSync(join(a.pathOf(hash), file))), `${hash}/${file}`).toBe(true);
      } else expect(readFileSync(b.pathOf(hash)).equals(readFileSync(a.pathOf(hash))), hash).toBe(true);
    }
  }
}

describe('tensorloom run --only', () => {
  it('node by node computes the cache keys and the bytes of a full run, each step a run of its own', () => {
    const dir = copyExamples();
    made.push(dir);
    const outputs: Record<string, Record<string, string>> = {};
    for (const node of ORDER) {
      const result = step(dir, node);
      expect(result).toMatchObject({ node, status: 'succeeded', cached: false, cacheKey: keys[node] });
      outputs[node] = result.outputs;
    }
    expectFullRunResults(outputs, join(dir, '.tensorloom'));
    // Again: found under its key, nothing runs; a full run afterwards is all cached.
    expect(step(dir, 'train')).toMatchObject({ status: 'succeeded', cached: true, outputs: outputs.train });
    const after = JSON.parse(tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: dir, env: WASM }).stdout) as RunJson;
    expect(Object.values(after.nodes).every((node) => node.cached)).toBe(true);
    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { id: string }[];
    expect(runs).toHaveLength(ORDER.length + 2);
  }, 180_000);

  it('refuses what it cannot do in one line: missing upstream results, wrong flags, unknown nodes', () => {
    const dir = copyExamples();
    made.push(dir);
    const missing = tensorloom(['run', 'penguins.pipeline.json', '--only', 'train'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      "tensorloom: cannot run 'train' alone: the outputs of upstream nodes 'load', 'split', 'impute', 'encode', 'scale' are not in the workspace's artifact store (computed with today's params and files); compute 'load' first (--only load), or run with --until train\n",
    );
    const cases: [string[], string][] = [
      [['--only', 'nope'], '--only nope: no such node in the pipeline; nodes are: load, split, impute, encode, scale, train, evaluate'],
      [['--only', 'train', '--until', 'train'], '--only and --until do not go together'],
      [['--only', 'train', '--results-dir', 'r'], '--results-dir needs --run-id ID'],
      [['--only', 'train', '--run-id', 'x'], '--run-id goes with --results-dir DIR'],
      [['--only', 'train', '--results-dir', 'r', '--run-id', '../x'], "--run-id '../x': use 1 to 128 letters"],
      [['--results-dir', 'r'], '--results-dir goes with --only NODE'],
    ];
    for (const [args, message] of cases) {
      const result = tensorloom(['run', 'penguins.pipeline.json', ...args], { cwd: dir });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    expect(existsSync(join(dir, 'r'))).toBe(false);
    const nothing = tensorloom(['import-results', 'no-such-folder'], { cwd: dir });
    expect(nothing.status).toBe(2);
    expect(nothing.stderr).toBe('tensorloom: no-such-folder: no such folder (give the folder the steps wrote with --results-dir, or downloaded store folders)\n');
  });
});

describe('step results on a shared folder', () => {
  it('steps write records, never the database; import-results makes them one run, and the cache knows them', () => {
    const shared = copyExamples();
    made.push(shared);
    const results = join(shared, '.tensorloom', 'results');
    const flags = ['--results-dir', results, '--run-id', 'penguins-x7k2q'];
    const missing = tensorloom(['run', 'penguins.pipeline.json', '--only', 'split', ...flags], { cwd: shared });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("the outputs of upstream node 'load' are not among the step results of run 'penguins-x7k2q'");
    const outputs: Record<string, Record<string, string>> = {};
    for (const node of ORDER) {
      const result = step(shared, node, flags);
      expect(result).toMatchObject({ runId: 'penguins-x7k2q', status: 'succeeded', cacheKey: keys[node], record: join(results, 'penguins-x7k2q', `${node}.json`) });
      outputs[node] = result.outputs;
    }
    expectFullRunResults(outputs, join(shared, '.tensorloom'));
    expect(existsSync(join(shared, '.tensorloom', 'tensorloom.db'))).toBe(false);

    const imported = tensorloom(['import-results', results, '--json'], { cwd: shared });
    expect(imported.status, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout) as { runs: { stepRunId: string; runId: string; status: string; alreadyImported: boolean }[] };
    expect(report.runs).toEqual([expect.objectContaining({ stepRunId: 'penguins-x7k2q', status: 'succeeded', alreadyImported: false })]);
    const shown = JSON.parse(tensorloom(['show', report.runs[0]!.runId, '--json'], { cwd: shared }).stdout) as {
      trigger: string;
      pipelinePath: string;
      tags: Record<string, string>;
      metrics: Record<string, Record<string, number>>;
      nodes: Record<string, { status: string; cacheKey: string }>;
    };
    expect(shown).toMatchObject({ trigger: 'import', tags: { 'tensorloom.step-run': 'penguins-x7k2q' }, pipelinePath: join(shared, 'penguins.pipeline.json') });
    expect(Object.fromEntries(Object.entries(shown.nodes).map(([id, node]) => [id, node.cacheKey]))).toEqual(keys);
    expect(shown.metrics.evaluate!.accuracy).toBeGreaterThan(0.9);
    const again = tensorloom(['import-results', results], { cwd: shared });
    expect(again.stdout).toContain('imported before: unchanged');
    const local = JSON.parse(tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: shared, env: WASM }).stdout) as RunJson;
    expect(Object.values(local.nodes).every((node) => node.cached)).toBe(true);
    expect(local.outputs).toEqual(outputs);
  }, 180_000);

  it('with a store per step (S3 mode): each step merges its upstream steps\' stores; import-results takes the last stores', () => {
    const image = copyExamples();
    made.push(image);
    const tasks = mkdtempSync(join(tmpdir(), 'tensorloom-s3-'));
    made.push(tasks);
    const outputs: Record<string, Record<string, string>> = {};
    const parents: Record<string, string[]> = { load: [], split: ['load'], impute: ['split'], encode: ['impute'], scale: ['encode'], train: ['scale'], evaluate: ['scale', 'train'] };
    for (const node of ORDER) {
      // A fresh pod: the image's workspace, the upstream stores unpacked beside it, an empty store.
      const pod = mkdtempSync(join(tmpdir(), 'tensorloom-pod-'));
      made.push(pod);
      cpSync(join(image, 'penguins.pipeline.json'), join(pod, 'penguins.pipeline.json'));
      cpSync(join(image, 'data'), join(pod, 'data'), { recursive: true });
      for (const parent of parents[node]!) cpSync(join(tasks, parent), join(pod, 'upstream', parent), { recursive: true });
      mkdirSync(join(pod, 'upstream'), { recursive: true });
      const result = step(pod, node, ['--workspace', pod, '--results-dir', join(pod, '.tensorloom', 'results'), '--run-id', 'wf-s3', '--merge-from', join(pod, 'upstream')]);
      outputs[node] = result.outputs;
      // The step's output artifact: its whole store folder.
      cpSync(join(pod, '.tensorloom'), join(tasks, node), { recursive: true });
    }
    const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-import-'));
    made.push(workspace);
    mkdirSync(join(workspace, '.tensorloom'));
    mkdirSync(join(workspace, 'downloaded'));
    cpSync(join(tasks, 'evaluate'), join(workspace, 'downloaded', 'evaluate'), { recursive: true });
    const imported = tensorloom(['import-results', 'downloaded', '--json'], { cwd: workspace });
    expect(imported.status, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout) as { runs: { runId: string; status: string; nodes: Record<string, string> }[] };
    expect(report.runs).toHaveLength(1);
    expect(report.runs[0]).toMatchObject({ status: 'succeeded', nodes: Object.fromEntries(ORDER.map((node) => [node, 'succeeded'])) });
    expectFullRunResults(outputs, join(workspace, '.tensorloom'));
  }, 240_000);
});
