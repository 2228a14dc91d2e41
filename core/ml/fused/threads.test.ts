import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { NodeError } from '../../base/errors.js';
import { seededRandom } from '../../data/random.js';
import { initialWeights, type MlpSpec } from '../mlp.js';
import { OPTIMIZERS, type OptimizerName } from '../options.js';
import { trainMlp, type Matrix } from '../train.js';
import { chooseFusedThreads, FusedNetwork, fusedHelpersRunning, PARALLEL_STEP_FLOPS } from './fused.js';

/**
 * The fused kernel on two threads: a helper worker takes one of each batch's two row chunks.
 * The chunks are fixed whatever the thread count, so one and two threads must give the same
 * bits; and the helper must never outlive its network (training ending, failing or cancelled).
 */

/** Seeded rows: three classes by the sector of the first two inputs, or a smooth value to regress. */
function dataset(rows: number, dim: number, seed: number, task: 'classes' | 'values', weighted = false): Matrix {
  const next = seededRandom(seed);
  const x = Float32Array.from({ length: rows * dim }, () => next() * 4 - 2);
  const y = new Float32Array(rows * (task === 'classes' ? 3 : 1));
  for (let row = 0; row < rows; row++) {
    const a = x[row * dim]!;
    const b = x[row * dim + 1]!;
    if (task === 'classes') y[row * 3 + Math.min(2, Math.floor(((Math.atan2(b, a) + Math.PI) / (2 * Math.PI)) * 3))] = 1;
    else y[row] = Math.sin(a) + 0.5 * b * b - 0.3;
  }
  return { x, rows, y, ...(weighted ? { weights: Float32Array.from({ length: rows }, () => (next() < 0.1 ? 0 : 0.5 + next() * 2)) } : {}) };
}

const specOf = (output: MlpSpec['output'], activation: MlpSpec['activation'] = 'relu'): MlpSpec => ({
  inputDim: 9, // odd widths exercise the kernel's column and row tails
  hiddenLayers: [21, 13],
  activation,
  dropout: 0,
  outputUnits: output === 'softmax' ? 3 : 1,
  output,
});

const bytesOf = (weights: readonly Float32Array[]) => Buffer.concat(weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)));

/** A network with the rows attached and a seeded order. */
function networkOn(spec: MlpSpec, optimizer: OptimizerName, data: Matrix, threads: number): FusedNetwork {
  const network = new FusedNetwork(spec, optimizer, optimizer === 'sgd' ? 0.1 : 0.01, 64, initialWeights(spec, 3), { threads });
  expect(network.attach(data.x, data.y, data.rows, data.weights)).toBe(true);
  const order = Array.from({ length: data.rows }, (_, row) => row);
  const next = seededRandom(5);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  network.order.set(order);
  return network;
}

/** Batch sizes that cycle through even, odd and tiny (one row leaves the second chunk empty) batches. */
const BATCHES = [64, 37, 1, 50, 2, 63];

function stepOnce(network: FusedNetwork, data: Matrix, step: number): number {
  const size = BATCHES[step % BATCHES.length]!;
  return network.stepRows((step * 17) % (data.rows - size), size, data.weights !== undefined);
}

afterAll(async () => {
  await vi.waitFor(() => expect(fusedHelpersRunning()).toBe(0), { timeout: 30_000, interval: 20 });
});

describe('fused kernel on two threads: the same bits as on one', () => {
  const cases = OPTIMIZERS.flatMap((optimizer) => [
    { optimizer, output: 'softmax' as const, weighted: false, activation: 'relu' as const },
    { optimizer, output: 'linear' as const, weighted: true, activation: 'tanh' as const },
  ]);
  it.each(cases)('$optimizer, $output output, $activation, row weights: $weighted', async ({ optimizer, output, weighted, activation }) => {
    const spec = specOf(output, activation);
    const data = dataset(300, spec.inputDim, 7, output === 'softmax' ? 'classes' : 'values', weighted);
    const two = networkOn(spec, optimizer, data, 2);
    const one = networkOn(spec, optimizer, data, 1);
    try {
      // Step until the helper has run chunks (it starts asynchronously, and a loaded machine
      // may keep it waiting), and at least 40 steps.
      const losses: number[] = [];
      await vi.waitFor(
        async () => {
          for (let k = 0; k < 20; k++) losses.push(stepOnce(two, data, losses.length));
          await new Promise((resolve) => setImmediate(resolve));
          expect(losses.length >= 40 && two.helperChunks() > 0).toBe(true);
        },
        { timeout: 60_000, interval: 1 },
      );
      const oneLosses = losses.map((_, step) => stepOnce(one, data, step));
      expect(one.helperChunks()).toBe(0);
      expect(oneLosses).toEqual(losses);
      expect(bytesOf(two.weights()).equals(bytesOf(one.weights()))).toBe(true);
      // The weights moved: the comparison is not between two copies of the initial weights.
      expect(bytesOf(one.weights()).equals(bytesOf(initialWeights(spec, 3)))).toBe(false);
    } finally {
      two.dispose();
      one.dispose();
    }
  });

  it('gathers the attached rows exactly as a batch copied into the buffers', () => {
    const spec = specOf('softmax');
    const data = dataset(200, spec.inputDim, 9, 'classes', true);
    const gathering = networkOn(spec, 'adam', data, 1);
    const copied = new FusedNetwork(spec, 'adam', 0.01, 64, initialWeights(spec, 3));
    for (let step = 0; step < 30; step++) {
      const size = BATCHES[step % BATCHES.length]!;
      const start = (step * 17) % (data.rows - size);
      for (let k = 0; k < size; k++) {
        const row = gathering.order[start + k]!;
        copied.inputs.set(data.x.subarray(row * spec.inputDim, (row + 1) * spec.inputDim), k * spec.inputDim);
        copied.targets.set(data.y.subarray(row * 3, row * 3 + 3), k * 3);
        copied.rowWeights[k] = data.weights![row]!;
      }
      expect(copied.step(size, true)).toBe(stepOnce(gathering, data, step));
    }
    expect(bytesOf(copied.weights()).equals(bytesOf(gathering.weights()))).toBe(true);
  });

  it('trains the same weights and history through trainMlp on one and two threads', async () => {
    const spec = specOf('softmax');
    const train = dataset(900, spec.inputDim, 21, 'classes');
    const validation = dataset(200, spec.inputDim, 22, 'classes');
    const options = { spec, optimizer: 'adam' as const, learningRate: 0.01, epochs: 4, batchSize: 96, patience: 0, seed: 4, signal: new AbortController().signal, path: 'fused' as const };
    const one = await trainMlp(train, validation, { ...options, threads: 1 });
    const two = await trainMlp(train, validation, { ...options, threads: 2 });
    expect(bytesOf(two.weights).equals(bytesOf(one.weights))).toBe(true);
    expect(two.history).toEqual(one.history);
    expect(one.history.at(-1)!.valAccuracy!).toBeGreaterThan(0.8);
  });
});

describe('fused kernel on two threads: the helper thread ends with its network', () => {
  it('ends when training ends, and when a run is cancelled', async () => {
    const spec = specOf('softmax');
    const train = dataset(600, spec.inputDim, 31, 'classes');
    const options = { spec, optimizer: 'adam' as const, learningRate: 0.01, epochs: 3, batchSize: 64, patience: 0, seed: 1, path: 'fused' as const, threads: 2 };
    await trainMlp(train, null, { ...options, signal: new AbortController().signal });
    await vi.waitFor(() => expect(fusedHelpersRunning()).toBe(0), { timeout: 30_000, interval: 20 });

    const controller = new AbortController();
    const cancelled = trainMlp(train, null, { ...options, epochs: 50, signal: controller.signal, onEpoch: (stats) => stats.epoch === 2 && controller.abort() });
    await expect(cancelled).rejects.toThrow(/abort/i);
    await vi.waitFor(() => expect(fusedHelpersRunning()).toBe(0), { timeout: 30_000, interval: 20 });
  });

  it('never keeps a process alive: a process that trained on two threads exits by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensorloom-fused-threads-'));
    try {
      const script = join(dir, 'train.mts');
      const train = pathToFileURL(join(import.meta.dirname, '..', 'train.ts')).href;
      const fused = pathToFileURL(join(import.meta.dirname, 'fused.ts')).href;
      writeFileSync(
        script,
        `import { trainMlp } from ${JSON.stringify(train)};
import { FusedNetwork } from ${JSON.stringify(fused)};
const rows = 400, dim = 8;
const x = Float32Array.from({ length: rows * dim }, (_, k) => Math.sin(k));
const y = new Float32Array(rows * 2).map((_, k) => (k % 2 === Math.floor(k / 2) % 2 ? 1 : 0));
const spec = { inputDim: dim, hiddenLayers: [16], activation: 'relu', dropout: 0, outputUnits: 2, output: 'softmax' };
const result = await trainMlp({ x, y, rows }, null, { spec, optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 64, patience: 0, seed: 1, signal: new AbortController().signal, path: 'fused', threads: 2 });
// A network left without dispose() must not hold the process either.
new FusedNetwork(spec, 'adam', 0.01, 64, result.weights, { threads: 2 });
console.log('trained', result.history.length);
`,
      );
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: join(import.meta.dirname, '..', '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
        child.once('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(output).toContain('trained 3');
      expect(code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('choosing the fused kernel’s threads', () => {
  const spec: MlpSpec = { inputDim: 64, hiddenLayers: [128, 64], activation: 'relu', dropout: 0, outputUnits: 2, output: 'softmax' };

  it('takes two threads for large steps on two cores, one otherwise', () => {
    expect(chooseFusedThreads(spec, 256, 600, undefined, 2).threads).toBe(2);
    expect(chooseFusedThreads(spec, 256, 600, undefined, 1).threads).toBe(1);
    expect(chooseFusedThreads(spec, 4, 600, undefined, 2).threads).toBe(1); // a step too small to split
    expect(chooseFusedThreads(spec, 256, 2, undefined, 2).threads).toBe(1); // a run too short to start a thread for
    // A short last batch of a run on two threads stays on one.
    const { parallelRows } = chooseFusedThreads(spec, 256, 600, undefined, 2);
    expect(parallelRows * 6 * (64 * 128 + 128 * 64 + 64 * 2)).toBeGreaterThanOrEqual(PARALLEL_STEP_FLOPS);
  });

  it('follows TENSORLOOM_FUSED_THREADS, and names a wrong value', () => {
    expect(chooseFusedThreads(spec, 4, 2, '2', 1)).toEqual({ threads: 2, parallelRows: 1 });
    expect(chooseFusedThreads(spec, 256, 600, '1', 2).threads).toBe(1);
    expect(chooseFusedThreads(spec, 256, 600, ' auto ', 2).threads).toBe(2);
    expect(() => chooseFusedThreads(spec, 256, 600, 'many', 2)).toThrow(NodeError);
    expect(() => chooseFusedThreads(spec, 256, 600, 'many', 2)).toThrow(/TENSORLOOM_FUSED_THREADS='many'.*1, 2 or auto/);
  });
});
