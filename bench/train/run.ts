/**
 * Training speed: the same network (hidden layers 128/64, Adam, batch 256) on the same
 * generated data (50k rows × 64 features, two classes) for 3 epochs (--hidden, --batch to vary), in seconds per epoch,
 * for every TensorFlow.js backend that loads here, against scikit-learn's MLPClassifier of
 * the same shape measured in the same run, and for the fused WebAssembly kernel (`fused`,
 * core/ml/fused; what train.dense uses on CPU backends). Each backend runs in its own process
 * (a process holds one backend); medians over --runs.
 *
 *   npm run bench:train [-- --runs 3 --backends fused,wasm,cpu --rows 50000]
 *
 * `fused` trains on the threads train.dense picks (chooseFusedThreads: two on a 2-core
 * machine for this network); `fused1` and `fused2` force one or two (TENSORLOOM_FUSED_THREADS).
 *
 * `--node` also times the whole train.dense work (`trainDense`: feature encoding from an Arrow
 * table, training, the bundle written) against scikit-learn's StandardScaler + MLPClassifier
 * for the same epochs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tableFromArrays } from 'apache-arrow';
import { seededRandom } from '../../core/data/random.js';
import { BACKEND_CHAIN, backendForWork, loadBackend } from '../../core/ml/backend.js';
import { chooseFusedThreads, FUSED_BACKEND } from '../../core/ml/fused/fused.js';
import { stepFlops } from '../../core/ml/mlp.js';
import { trainDense } from '../../core/ml/trainer.js';
import { trainMlp } from '../../core/ml/train.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

/** Rows of 64 standard-normal-ish features; the class is the sign of a fixed random projection plus noise. */
function generate(rows: number, cols: number): { x: Float32Array; y: Float32Array; labels: Uint8Array } {
  const next = seededRandom(42);
  const normal = (): number => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const teacher = Float32Array.from({ length: cols }, normal);
  const x = new Float32Array(rows * cols);
  const y = new Float32Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let row = 0; row < rows; row++) {
    let score = 0;
    for (let col = 0; col < cols; col++) {
      const value = normal();
      x[row * cols + col] = value;
      score += value * teacher[col]! + (col < 8 ? value * value * 0.3 : 0);
    }
    const label = score + normal() * 2 > 2 ? 1 : 0;
    labels[row] = label;
    y[row * 2 + label] = 1;
  }
  return { x, y, labels };
}

async function child(backend: string, rows: number, cols: number, epochs: number, hidden: number[], batchSize: number): Promise<void> {
  // 'auto': the chain as the app uses it, with the backend picked for this network's work.
  let name: string;
  const fused = FUSED_VARIANTS.includes(backend);
  const spec = { inputDim: cols, hiddenLayers: hidden, activation: 'relu' as const, dropout: 0, outputUnits: 2, output: 'softmax' as const };
  try {
    name = fused ? `${FUSED_BACKEND}, ${threadsLabel(chooseFusedThreads(spec, batchSize, Math.ceil(rows / batchSize) * epochs).threads)}${backend === 'fused' ? ' (auto)' : ''}` : (await loadBackend(backend === 'auto' ? '' : backend)).name;
    if (backend === 'auto') name = `auto→${await backendForWork(stepFlops({ inputDim: cols, hiddenLayers: hidden, activation: 'relu', dropout: 0, outputUnits: 2, output: 'softmax' }, batchSize))}`;
  } catch (error) {
    process.stdout.write(JSON.stringify({ skipped: (error as Error).message }) + '\n');
    return;
  }
  const { x, y } = generate(rows, cols);
  const started = performance.now();
  const epochTimes: number[] = [];
  let last = started;
  const result = await trainMlp(
    { x, y, rows },
    null,
    {
      spec,
      optimizer: 'adam',
      learningRate: 0.001,
      epochs,
      batchSize,
      patience: 0,
      seed: 0,
      signal: new AbortController().signal,
      path: fused ? 'fused' : 'tfjs',
      onEpoch() {
        const now = performance.now();
        epochTimes.push((now - last) / 1000);
        last = now;
      },
    },
  );
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ backend: name, secondsPerEpoch: median(epochTimes), meanSecondsPerEpoch: seconds / epochs, loss: result.history.at(-1)?.loss }) + '\n');
}

/** The whole node's work (trainDense, bundle written), from an Arrow table of the same data. */
async function childNode(backend: string, rows: number, cols: number, epochs: number, hidden: number[], batchSize: number): Promise<void> {
  const { x, labels } = generate(rows, cols);
  const columns: Record<string, Float64Array> = {};
  for (let col = 0; col < cols; col++) columns[`f${col}`] = Float64Array.from({ length: rows }, (_, row) => x[row * cols + col]!);
  columns.label = Float64Array.from(labels);
  const input = { table: tableFromArrays(columns), recipe: [] };
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-bench-node-'));
  let used = backend;
  try {
    const started = performance.now();
    await trainDense(
      input,
      { target: 'label', task: 'classification', hiddenLayers: hidden, activation: 'relu', dropout: 0, optimizer: 'adam', learningRate: 0.001, epochs, batchSize, earlyStopping: 0, classWeight: 'none', seed: 0 },
      { signal: new AbortController().signal, nodeId: 'train', nodeType: 'train.dense', nodeVersion: 2, log() {}, metric() {}, progress() {}, usedBackend: (name) => void (used = name) },
      join(dir, 'model'),
    );
    process.stdout.write(JSON.stringify({ backend: used, nodeSeconds: (performance.now() - started) / 1000 }) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `fused` trains on the threads train.dense would pick, `fused1` / `fused2` on one / two. */
const FUSED_VARIANTS = ['fused', 'fused1', 'fused2'];
const fusedThreadsSetting = (backend: string): string => (backend === 'fused' ? '' : backend.slice('fused'.length));
const threadsLabel = (threads: number): string => (threads === 1 ? '1 thread' : `${threads} threads`);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      rows: { type: 'string', default: '50000' },
      epochs: { type: 'string', default: '3' },
      backends: { type: 'string', default: ['fused', ...BACKEND_CHAIN].join(',') },
      child: { type: 'string' },
      hidden: { type: 'string', default: '128,64' },
      batch: { type: 'string', default: '256' },
      node: { type: 'boolean', default: false },
      'child-node': { type: 'string' },
    },
  });
  const rows = Number(values.rows);
  const cols = 64;
  const epochs = Number(values.epochs);
  const hidden = values.hidden.split(',').map(Number);
  const batch = Number(values.batch);
  if (values.child) return child(values.child, rows, cols, epochs, hidden, batch);
  if (values['child-node']) return childNode(values['child-node'], rows, cols, epochs, hidden, batch);

  const runs = Number(values.runs);
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-bench-train-'));
  try {
    const { x, labels } = generate(rows, cols);
    const matrix = new Float32Array(rows * (cols + 1));
    for (let row = 0; row < rows; row++) {
      matrix.set(x.subarray(row * cols, (row + 1) * cols), row * (cols + 1));
      matrix[row * (cols + 1) + cols] = labels[row]!;
    }
    writeFileSync(join(dir, 'data.f32'), matrix);

    /** Median epoch of each run (steady state), and the mean over a run's epochs (first one included). */
    const times = new Map<string, number[]>();
    const means = new Map<string, number[]>();
    const skipped = new Map<string, string>();
    /** --node: seconds of the whole training node, per run. */
    const nodeTimes = new Map<string, number[]>();
    for (let run = 0; run < runs; run++) {
      for (const backend of values.backends.split(',')) {
        if (skipped.has(backend)) continue;
        const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', backend, '--rows', String(rows), '--epochs', String(epochs), '--hidden', values.hidden, '--batch', values.batch], {
          encoding: 'utf8',
          env: { ...process.env, TENSORLOOM_BACKEND: backend === 'auto' || FUSED_VARIANTS.includes(backend) ? '' : backend, TENSORLOOM_FUSED_THREADS: FUSED_VARIANTS.includes(backend) ? fusedThreadsSetting(backend) : '' },
        });
        const line = result.stdout.trim().split('\n').at(-1) ?? '';
        let parsed: { skipped?: string; secondsPerEpoch?: number; meanSecondsPerEpoch?: number; backend?: string };
        try {
          parsed = JSON.parse(line) as typeof parsed;
        } catch {
          parsed = { skipped: `crashed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}` };
        }
        if (parsed.skipped) skipped.set(backend, parsed.skipped);
        else {
          const label = parsed.backend ?? backend; // 'auto→wasm' shows what auto picked
          (times.get(label) ?? times.set(label, []).get(label)!).push(parsed.secondsPerEpoch!);
          (means.get(label) ?? means.set(label, []).get(label)!).push(parsed.meanSecondsPerEpoch!);
        }
      }
      if (values.node) {
        // The node as the app runs it: the fused kernel by default (on each fused variant
        // asked for), or TF.js on wasm to compare.
        const fusedVariants = values.backends.split(',').filter((backend) => FUSED_VARIANTS.includes(backend));
        for (const [label, env] of [
          ...(fusedVariants.length > 0 ? fusedVariants : ['fused']).map(
            (variant) => [`node, ${variant}`, { TENSORLOOM_BACKEND: 'wasm', TENSORLOOM_TRAIN_PATH: 'fused', TENSORLOOM_FUSED_THREADS: fusedThreadsSetting(variant) }] as const,
          ),
          ['node, TF.js wasm', { TENSORLOOM_BACKEND: 'wasm', TENSORLOOM_TRAIN_PATH: 'tfjs', TENSORLOOM_FUSED_THREADS: '' }] as const,
        ]) {
          const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child-node', label, '--rows', String(rows), '--epochs', String(epochs), '--hidden', values.hidden, '--batch', values.batch], {
            encoding: 'utf8',
            env: { ...process.env, ...env },
          });
          const line = result.stdout.trim().split('\n').at(-1) ?? '';
          if (result.status !== 0 || !line.startsWith('{')) throw new Error(`${label} failed: ${result.stderr.trim().split('\n').slice(-3).join(' ')}`);
          const parsed = JSON.parse(line) as { backend: string; nodeSeconds: number };
          (nodeTimes.get(`${label} (${parsed.backend})`) ?? nodeTimes.set(`${label} (${parsed.backend})`, []).get(`${label} (${parsed.backend})`)!).push(parsed.nodeSeconds);
        }
      }
      const peer = spawnSync(PYTHON, [join(HERE, 'sklearn_mlp.py'), join(dir, 'data.f32'), String(rows), String(cols), String(epochs), values.hidden, values.batch, ...(values.node ? ['node'] : [])], { encoding: 'utf8' });
      if (peer.status !== 0) throw new Error(`scikit-learn peer failed: ${peer.stderr.slice(-1000)}`);
      const peerResult = JSON.parse(peer.stdout) as { secondsPerEpoch: number; meanSecondsPerEpoch: number; nodeSeconds?: number };
      if (peerResult.nodeSeconds !== undefined) (nodeTimes.get('scikit-learn') ?? nodeTimes.set('scikit-learn', []).get('scikit-learn')!).push(peerResult.nodeSeconds);
      (times.get('scikit-learn') ?? times.set('scikit-learn', []).get('scikit-learn')!).push(peerResult.secondsPerEpoch);
      (means.get('scikit-learn') ?? means.set('scikit-learn', []).get('scikit-learn')!).push(peerResult.meanSecondsPerEpoch);
    }

    const peer = median(times.get('scikit-learn')!);
    const peerMean = median(means.get('scikit-learn')!);
    process.stdout.write(`train: ${rows} rows × ${cols}, hidden ${hidden.join('/')}, Adam, batch ${batch}, ${epochs} epochs; median of ${runs} runs\n`);
    process.stdout.write('  s/epoch: the median epoch (steady state); in brackets the mean over all epochs, the first (warm-up) included\n');
    process.stdout.write(`  scikit-learn MLPClassifier  ${peer.toFixed(3)} s/epoch (${peerMean.toFixed(3)})\n`);
    for (const [backend, list] of times) {
      if (backend === 'scikit-learn') continue;
      const value = median(list);
      const mean = median(means.get(backend)!);
      process.stdout.write(`  tensorloom ${backend.padEnd(30)}  ${value.toFixed(3)} s/epoch (${mean.toFixed(3)})   ratio ${(value / peer).toFixed(2)}× scikit-learn (${(mean / peerMean).toFixed(2)}×)\n`);
    }
    for (const [backend, reason] of skipped) process.stdout.write(`  ${backend}: not available (${reason})\n`);
    if (values.node) {
      const peerNode = median(nodeTimes.get('scikit-learn')!);
      process.stdout.write(`whole node (encoding + ${epochs} epochs + bundle; scikit-learn: StandardScaler + ${epochs} epochs), median of ${runs} runs\n`);
      process.stdout.write(`  scikit-learn                ${peerNode.toFixed(3)} s\n`);
      for (const [label, list] of nodeTimes) {
        if (label === 'scikit-learn') continue;
        process.stdout.write(`  tensorloom ${label.padEnd(33)}  ${median(list).toFixed(3)} s   ratio ${(median(list) / peerNode).toFixed(2)}× scikit-learn\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
