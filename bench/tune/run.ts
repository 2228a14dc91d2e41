/**
 * Hyperparameter search: train.tune's 16-trial random search against scikit-learn's
 * RandomizedSearchCV on an MLPClassifier, with the same space, budget (trials), epoch cap and
 * 5 folds (the very same rows in each fold: Tensorloom's fold plan is handed to
 * scikit-learn as a PredefinedSplit), on a real data set (vega-datasets' cars → Origin, 3
 * classes), in the same run. Prints the best cross-validated accuracy and the search's wall
 * time of each side, and the ratios; several seeds, medians at the end.
 *
 *   npm run bench:tune [-- --seeds 5 --trials 16 --folds 5 --epochs 100 --parallel <cores>]   (= npx tsx bench/tune/run.ts …)
 *
 * Tensorloom runs the real pipeline through the CLI (data.json → data.split → train.tune →
 * eval.model); its time is the train.tune node's (worker start-up included). scikit-learn's is
 * `RandomizedSearchCV.fit` (refit included) with n_jobs = --parallel.
 *
 * The peer needs Debian's python3 with scikit-learn, SciPy and pandas:
 *   apt-get install -y python3-sklearn python3-pandas     (PYTHON=… to use another python3)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTableFile } from '../../core/data/arrow-io.js';
import { float64Column, withColumn } from '../../core/data/table-ops.js';
import { exportTable } from '../../core/data/writers.js';
import { kFoldPlan } from '../../core/ml/tune/folds.js';
import { searchRows } from '../../core/ml/tune/search.js';
import { ArtifactStore } from '../../core/store/artifact-store.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VEGA = join(ROOT, 'node_modules/vega-datasets/data');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const TARGET = 'Origin';

/** The same space on both sides (scikit-learn calls sigmoid 'logistic'). */
const SPACE = {
  hiddenLayers: [[16], [32], [64], [32, 16], [64, 32]],
  activation: ['relu', 'tanh'],
  learningRate: { min: 0.0001, max: 0.03, log: true },
  batchSize: [16, 32, 64],
};

function carsJson(): string {
  const records = JSON.parse(readFileSync(join(VEGA, 'cars.json'), 'utf8')) as Record<string, unknown>[];
  // As bench/quality: the model year as a number, Name (an identifier) left out.
  return JSON.stringify(records.map(({ Name: _name, ...record }) => ({ ...record, Year: Number(String(record.Year).slice(0, 4)) })));
}

function checkPeer(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import sklearn, scipy, pandas; print(sklearn.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    process.stderr.write(
      `bench/tune needs scikit-learn, SciPy and pandas for ${PYTHON} (the peer), which it could not import:\n  ${(probe.stderr || probe.error?.message || '').trim().split('\n').at(-1)}\n` +
        'Install them with:  apt-get install -y python3-sklearn python3-pandas   (or set PYTHON to a python3 that has them)\n',
    );
    process.exit(2);
  }
  process.stdout.write(`peer: scikit-learn ${probe.stdout.trim()} (${PYTHON})\n`);
}

interface Side {
  bestScore: number;
  seconds: number;
  testAccuracy: number;
  bestParams: Record<string, unknown>;
}

async function ours(dir: string, seed: number, trials: number, folds: number, epochs: number, parallel: number): Promise<{ side: Side; splitPath: string }> {
  writeFileSync(join(dir, 'cars.json'), carsJson());
  const pipeline = {
    format: 'tensorloom/pipeline@1',
    name: 'bench-tune',
    nodes: [
      { id: 'load', type: 'data.json', params: { path: 'cars.json' } },
      { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: TARGET, seed } },
      { id: 'tune', type: 'train.tune', params: { target: TARGET, strategy: 'random', trials, folds, epochs, seed, parallel, space: SPACE } },
      { id: 'evaluate', type: 'eval.model', params: {} },
    ],
    edges: [
      { from: 'load.table', to: 'split.table' },
      { from: 'split.table', to: 'tune.table' },
      { from: 'tune.model', to: 'evaluate.model' },
      { from: 'split.table', to: 'evaluate.table' },
    ],
  };
  writeFileSync(join(dir, 'bench.pipeline.json'), JSON.stringify(pipeline));
  const run = spawnSync(process.execPath, [join(ROOT, 'bin/tensorloom.mjs'), 'run', join(dir, 'bench.pipeline.json'), '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`tensorloom run failed (${run.status}): ${run.stderr.slice(-2000)}${run.stdout.slice(-2000)}`);
  const result = JSON.parse(run.stdout) as { nodes: Record<string, { ms: number }>; metrics: Record<string, Record<string, number>>; outputs: Record<string, Record<string, string>> };
  const store = new ArtifactStore(join(dir, '.tensorloom'));
  const params = JSON.parse(readFileSync(store.pathOf(result.outputs.tune!.params!), 'utf8')) as Record<string, unknown>;
  return {
    side: {
      bestScore: result.metrics.tune!.best_accuracy!,
      seconds: result.nodes.tune!.ms / 1000,
      testAccuracy: result.metrics.evaluate!.accuracy!,
      bestParams: Object.fromEntries(Object.keys(SPACE).map((name) => [name, params[name]])),
    },
    splitPath: store.pathOf(result.outputs.split!.table!),
  };
}

/** The split rows with the fold each train row is held out in, exactly as train.tune folded them. */
async function peerData(dir: string, splitPath: string, folds: number, seed: number): Promise<string> {
  const input = await readTableFile(splitPath);
  const rows = searchRows(input, { target: TARGET, task: 'auto' });
  const plan = kFoldPlan(input.table.numRows, rows.roles, rows.trainRows, rows.task === 'classification' ? rows.labels : null, folds, seed);
  const path = join(dir, 'peer.csv');
  await exportTable({ table: withColumn(input.table, '__fold', float64Column(plan.fold)), recipe: [] }, path, 'csv');
  return path;
}

function peer(path: string, seed: number, trials: number, epochs: number, parallel: number): Side {
  const run = spawnSync(PYTHON, [join(ROOT, 'bench/tune/sklearn_search.py'), path, TARGET, String(trials), String(epochs), String(seed), String(parallel), JSON.stringify(SPACE)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scikit-learn peer failed: ${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout) as Side;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const params = (side: Side) =>
  Object.entries(side.bestParams)
    .map(([name, value]) => `${name} ${typeof value === 'number' ? Number(value.toPrecision(3)) : JSON.stringify(value)}`)
    .join(', ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '3' },
      trials: { type: 'string', default: '16' },
      folds: { type: 'string', default: '5' },
      epochs: { type: 'string', default: '100' },
      parallel: { type: 'string', default: String(availableParallelism()) },
    },
  });
  const [seeds, trials, folds, epochs, parallel] = [values.seeds, values.trials, values.folds, values.epochs, values.parallel].map(Number) as [number, number, number, number, number];
  checkPeer();
  process.stdout.write(
    `tune: cars → ${TARGET} (3 classes), 80% train rows (stratified), ${trials}-trial random search, ${folds}-fold CV (the same folds on both sides), ≤ ${epochs} epochs, ${parallel} parallel\n` +
      `space: ${JSON.stringify(SPACE)}\n`,
  );
  const mine: Side[] = [];
  const theirs: Side[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const dir = mkdtempSync(join(tmpdir(), 'tensorloom-bench-tune-'));
    try {
      const { side, splitPath } = await ours(dir, seed, trials, folds, epochs, parallel);
      const other = peer(await peerData(dir, splitPath, folds, seed), seed, trials, epochs, parallel);
      mine.push(side);
      theirs.push(other);
      process.stdout.write(
        `seed ${seed}: tensorloom CV ${pct(side.bestScore)} (test ${pct(side.testAccuracy)}) in ${side.seconds.toFixed(1)} s [${params(side)}]\n` +
          `        scikit-learn CV ${pct(other.bestScore)} (test ${pct(other.testAccuracy)}) in ${other.seconds.toFixed(1)} s [${params(other)}]\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const score = { ours: median(mine.map((side) => side.bestScore)), peer: median(theirs.map((side) => side.bestScore)) };
  const test = { ours: median(mine.map((side) => side.testAccuracy)), peer: median(theirs.map((side) => side.testAccuracy)) };
  const time = { ours: median(mine.map((side) => side.seconds)), peer: median(theirs.map((side) => side.seconds)) };
  const average = (list: Side[]) => list.reduce((sum, side) => sum + side.bestScore, 0) / list.length;
  const wins = mine.filter((side, k) => side.bestScore >= theirs[k]!.bestScore).length;
  const met = score.ours >= score.peer;
  process.stdout.write(
    `\nmedian of ${seeds} seeds          best CV accuracy   test accuracy   wall time\n` +
      `  scikit-learn RandomizedSearchCV  ${pct(score.peer).padStart(6)}             ${pct(test.peer).padStart(6)}          ${time.peer.toFixed(1)} s\n` +
      `  tensorloom train.tune            ${pct(score.ours).padStart(6)}             ${pct(test.ours).padStart(6)}          ${time.ours.toFixed(1)} s\n` +
      `  ratio (tensorloom / scikit-learn) ${(score.ours / score.peer).toFixed(3)}×             ${(test.ours / test.peer).toFixed(3)}×          ${(time.ours / time.peer).toFixed(2)}×\n` +
      `  mean best CV accuracy: tensorloom ${pct(average(mine))}, scikit-learn ${pct(average(theirs))}; tensorloom at least as good on ${wins} of ${seeds} seeds\n` +
      `target (median best CV score at least scikit-learn's): ${met ? 'met' : 'NOT MET'} (${score.ours >= score.peer ? '+' : ''}${((score.ours - score.peer) * 100).toFixed(1)} points)\n`,
  );
}

await main();
