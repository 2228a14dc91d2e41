/**
 * The quality bar: Tensorloom's default train.dense (after feature.scale) against
 * scikit-learn's MLP and logistic regression (classification) or Ridge (regression), on
 * real vega-datasets tables, with the same stratified 80/20 split (Tensorloom's data.split
 * rows are handed to scikit-learn). Several split seeds; prints the mean of each.
 *
 *   npm run bench:quality [-- --seeds 5 --only penguins-species --validation 0.1]
 *   --no-scale: without feature.scale; --scale-label: feature.scale not told the label, so a
 *   numeric label is scaled too (train.dense must undo it)
 *
 * Needs Debian's python3 with python3-sklearn and python3-pandas (PYTHON to override).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readTableFile } from '../../core/data/arrow-io.js';
import { exportTable } from '../../core/data/writers.js';
import { ArtifactStore } from '../../core/store/artifact-store.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VEGA = join(ROOT, 'node_modules/vega-datasets/data');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

interface Dataset {
  readonly name: string;
  readonly target: string;
  readonly task: 'classification' | 'regression';
  /** The table's file (CSV or a JSON array of records), with the columns both sides use. */
  readonly file: 'data.csv' | 'data.json';
  readonly content: () => string;
}

function csvWithout(path: string, drop: string[]): () => string {
  return () => {
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const keep = header.map((name, k) => (drop.includes(name) ? -1 : k)).filter((k) => k >= 0);
    return lines.map((line) => line.split(',').filter((_, k) => keep.includes(k)).join(',')).join('\n') + '\n';
  };
}

function cars(): string {
  const records = JSON.parse(readFileSync(join(VEGA, 'cars.json'), 'utf8')) as Record<string, unknown>[];
  // Year is a date string there; the model year as a number is what both sides can use. Name is an identifier.
  return JSON.stringify(records.map(({ Name: _name, ...record }) => ({ ...record, Year: Number(String(record.Year).slice(0, 4)) })));
}

const DATASETS: Dataset[] = [
  { name: 'penguins-species', target: 'species', task: 'classification', file: 'data.csv', content: () => readFileSync(join(ROOT, 'examples/data/penguins.csv'), 'utf8') },
  { name: 'penguins-sex', target: 'sex', task: 'classification', file: 'data.csv', content: () => readFileSync(join(ROOT, 'examples/data/penguins.csv'), 'utf8') },
  { name: 'seattle-weather', target: 'weather', task: 'classification', file: 'data.csv', content: csvWithout(join(ROOT, 'examples/data/seattle-weather.csv'), ['date']) },
  { name: 'cars-origin', target: 'Origin', task: 'classification', file: 'data.json', content: cars },
  { name: 'cars-mpg', target: 'Miles_per_Gallon', task: 'regression', file: 'data.json', content: cars },
  { name: 'seattle-temp_max', target: 'temp_max', task: 'regression', file: 'data.csv', content: csvWithout(join(ROOT, 'examples/data/seattle-weather.csv'), ['date']) },
];

function pipeline(dataset: Dataset, seed: number, scale: boolean, scaleLabelToo: boolean, validation: number): object {
  const stratify = dataset.task === 'classification' ? { stratifyBy: dataset.target } : {};
  const nodes = [
    { id: 'load', type: dataset.file === 'data.csv' ? 'data.csv' : 'data.json', params: { path: dataset.file } },
    // A validation share gives train.dense rows to stop early on (the default, 0, trains every epoch).
    { id: 'split', type: 'data.split', params: { test: 0.2, seed, ...stratify, ...(validation > 0 ? { validation } : {}) } },
    ...(scale ? [{ id: 'scale', type: 'feature.scale', params: scaleLabelToo ? {} : { target: dataset.target } }] : []),
    { id: 'train', type: 'train.dense', params: { target: dataset.target } },
    { id: 'eval', type: 'eval.model', params: {} },
  ];
  const features = scale ? 'scale' : 'split';
  const edges = [
    { from: 'load.table', to: 'split.table' },
    ...(scale ? [{ from: 'split.table', to: 'scale.table' }] : []),
    { from: `${features}.table`, to: 'train.table' },
    { from: 'train.model', to: 'eval.model' },
    { from: `${features}.table`, to: 'eval.table' },
  ];
  return { format: 'tensorloom/pipeline@1', name: `quality-${dataset.name}`, nodes, edges };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '5' }, only: { type: 'string' }, 'no-scale': { type: 'boolean' }, 'scale-label': { type: 'boolean' }, validation: { type: 'string', default: '0' } } });
  const validation = Number(values.validation);
  if (!(validation >= 0 && validation <= 0.5)) throw new Error(`--validation takes a share from 0 to 0.5 (got '${values.validation}')`);
  const seeds = Number(values.seeds);
  const scale = !values['no-scale'];
  const chosen = DATASETS.filter((dataset) => !values.only || values.only.split(',').includes(dataset.name));
  const rows: string[][] = [];
  let failures = 0;
  for (const dataset of chosen) {
    const ours: number[] = [];
    const theirs: Record<string, number[]> = {};
    for (let seed = 1; seed <= seeds; seed++) {
      const dir = mkdtempSync(join(tmpdir(), 'tensorloom-quality-'));
      try {
        writeFileSync(join(dir, dataset.file), dataset.content());
        writeFileSync(join(dir, 'q.pipeline.json'), JSON.stringify(pipeline(dataset, seed, scale, values['scale-label'] === true, validation)));
        const run = spawnSync(process.execPath, [join(ROOT, 'bin/tensorloom.mjs'), 'run', join(dir, 'q.pipeline.json'), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
        if (run.status !== 0) throw new Error(`tensorloom run failed (${run.status}): ${run.stderr.slice(-2000)}${run.stdout.slice(-2000)}`);
        const result = JSON.parse(run.stdout) as { metrics: Record<string, Record<string, number>>; outputs: Record<string, Record<string, string>> };
        ours.push(dataset.task === 'classification' ? result.metrics.eval!.accuracy! : result.metrics.eval!.r2!);
        // Hand the exact same split to scikit-learn.
        const split = await readTableFile(new ArtifactStore(join(dir, '.tensorloom')).pathOf(result.outputs.split!.table!));
        mkdirSync(join(dir, 'py'), { recursive: true });
        await exportTable(split, join(dir, 'py/split.csv'), 'csv');
        const scores = JSON.parse(execFileSync(PYTHON, [join(ROOT, 'bench/quality/sklearn_baseline.py'), join(dir, 'py/split.csv'), dataset.target, dataset.task, String(seed)], { encoding: 'utf8' })) as Record<string, number>;
        for (const [name, score] of Object.entries(scores)) (theirs[name] ??= []).push(score);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const metric = dataset.task === 'classification' ? 'accuracy' : 'R²';
    const oursMean = mean(ours);
    const peers = Object.entries(theirs).map(([name, list]) => [name, mean(list)] as const);
    // The bar: within 1.5 accuracy points of each peer, or within 0.05 R² of Ridge.
    const bar = dataset.task === 'classification' ? peers.every(([, score]) => oursMean >= score - 0.015) : oursMean >= (peers.find(([name]) => name === 'ridge')?.[1] ?? 0) - 0.05;
    if (!bar) failures++;
    const format = (value: number): string => (dataset.task === 'classification' ? `${(value * 100).toFixed(1)}%` : value.toFixed(3));
    rows.push([dataset.name, metric, format(oursMean), ...peers.map(([name, score]) => `${name} ${format(score)}`), bar ? 'meets the bar' : 'BELOW THE BAR']);
    process.stdout.write(`${rows.at(-1)!.join('  ')}\n`);
  }
  process.stdout.write(`\n${seeds} split seeds each; tensorloom: data.split (80/20${validation > 0 ? `, ${validation} of the rows for validation` : ''}${scale ? ', stratified for classes' : ''}) → ${scale ? 'feature.scale → ' : ''}train.dense (defaults) → eval.model\n`);
  process.exitCode = failures > 0 ? 1 : 0;
}

await main();
