/**
 * CSV reading benchmark: Tensorloom's readCsv against pandas.read_csv on the same
 * generated file, in the same run.
 *
 *   npx tsx bench/csv/run.ts [--rows 1000000] [--runs 5]
 *
 * The file (8 columns: int, float, string, bool, a few missing and quoted cells) is
 * generated once into bench/.data/ and reused. Each reader gets one warm-up, then the
 * median of `runs` timed reads, file reading included.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../core/data/csv.js';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const rows = argument('rows', 1_000_000);
const runs = argument('runs', 5);
const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.data');
const file = join(dataDir, `csv-bench-v1-${rows}.csv`);

/** Small deterministic PRNG (mulberry32) so every machine benchmarks the same file. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ['Lisbon', 'Oslo', 'Nairobi', 'Lima', 'Osaka', 'Quebec', 'Perth', 'Tallinn', 'Accra', 'Bogotá', 'Zürich', 'Hanoi'];
const WORDS = ['alpha', 'delta', 'river', 'stone', 'maple', 'ember', 'north', 'quiet', 'lumen', 'coral', 'frost', 'amber'];

function generate(path: string, count: number): void {
  const random = prng(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const lines = ['id,age,income,score,city,label,active,ratio'];
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const age = 18 + Math.floor(random() * 70);
    const income = random() < 0.01 ? '' : (20000 + random() * 180000).toFixed(2);
    const score = (random() * 2 - 1).toFixed(6);
    const label = random() < 0.02 ? `"${pick(WORDS)}, ${pick(WORDS)}"` : `${pick(WORDS)}-${Math.floor(random() * 1000)}`;
    const active = random() < 0.5 ? 'true' : 'false';
    const ratio = (random() * 1e-3).toExponential(4);
    lines.push(`${i + 1},${age},${income},${score},${pick(CITIES)},${label},${active},${ratio}`);
    if (lines.length >= 100_000) {
      parts.push(lines.join('\n'));
      lines.length = 0;
    }
  }
  parts.push(lines.join('\n'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, `${parts.filter((p) => p !== '').join('\n')}\n`);
  renameSync(`${path}.tmp`, path);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeTensorloom(): Promise<{ times: number[]; rows: number; types: readonly string[] }> {
  const warm = await readCsv({ path: file });
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    await readCsv({ path: file });
    times.push((performance.now() - start) / 1000);
  }
  return { times, rows: warm.rowsRead, types: warm.columnTypes };
}

const PANDAS_SCRIPT = `
import json, sys, time
import pandas as pd
path, runs = sys.argv[1], int(sys.argv[2])
frame = pd.read_csv(path)
times = []
for _ in range(runs):
    start = time.perf_counter()
    pd.read_csv(path)
    times.append(time.perf_counter() - start)
print(json.dumps({"times": times, "rows": len(frame), "types": [str(t) for t in frame.dtypes], "version": pd.__version__}))
`;

/** The first python that can import pandas: $PYTHON, python3, then Debian's /usr/bin/python3. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  return candidates.find((python) => spawnSync(python, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0);
}

function timePandas(python: string): { times: number[]; rows: number; types: string[]; version: string } {
  const result = spawnSync(python, ['-c', PANDAS_SCRIPT, file, String(runs)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (result.status !== 0) throw new Error(`pandas run failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as { times: number[]; rows: number; types: string[]; version: string };
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    console.log(`generating ${rows.toLocaleString('en')} rows into ${file} …`);
    generate(file, rows);
  }
  const megabytes = statSync(file).size / (1 << 20);
  console.log(`file: ${file} (${megabytes.toFixed(1)} MiB, ${rows.toLocaleString('en')} rows, 8 columns); ${runs} timed runs after 1 warm-up\n`);

  const ours = await timeTensorloom();
  const python = findPython();
  const pandas = python ? timePandas(python) : undefined;

  const row = (name: string, times: readonly number[], count: number) =>
    `${name.padEnd(24)} ${median(times).toFixed(3).padStart(10)} ${Math.min(...times).toFixed(3).padStart(10)} ${(megabytes / median(times)).toFixed(0).padStart(8)} ${String(count).padStart(10)}`;
  console.log(`${'reader'.padEnd(24)} ${'median s'.padStart(10)} ${'best s'.padStart(10)} ${'MiB/s'.padStart(8)} ${'rows'.padStart(10)}`);
  console.log(row(`tensorloom readCsv`, ours.times, ours.rows));
  if (pandas) console.log(row(`pandas ${pandas.version} read_csv`, pandas.times, pandas.rows));
  console.log(`\ntensorloom column types: ${ours.types.join(', ')}`);
  if (!pandas) {
    console.log('\npandas not found: install it to compare (Debian/Ubuntu: apt-get install python3-pandas), or set PYTHON to a python with pandas.');
    return;
  }
  console.log(`pandas column types:     ${pandas.types.join(', ')}`);
  if (pandas.rows !== ours.rows) console.log(`WARNING: row counts differ (tensorloom ${ours.rows}, pandas ${pandas.rows})`);
  const ratio = median(ours.times) / median(pandas.times);
  console.log(`\nratio tensorloom / pandas (median time): ${ratio.toFixed(2)}  (${ratio <= 1 ? 'tensorloom faster or equal' : 'tensorloom slower'})`);
}

await main();
