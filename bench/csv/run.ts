/**
 * CSV reading benchmark: Tensorloom's readCsv against pandas.read_csv on the same
 * generated file, in the same run.
 *
 *   npx tsx bench/csv/run.ts [--rows 1000000] [--runs 5]
 *
 * The file (8 columns: int, float, string, bool, a few missing and quoted cells) is
 * generated once into bench/.data/ and reused. Each reader gets one warm-up, then `runs`
 * timed reads, alternating with the other reader (pandas runs in one long-lived python
 * process), file reading included. Prints median and best, and the ratio of medians.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../core/data/csv.js';
import { seededRandom } from '../../core/data/random.js';

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

const CITIES = ['Lisbon', 'Oslo', 'Nairobi', 'Lima', 'Osaka', 'Quebec', 'Perth', 'Tallinn', 'Accra', 'Bogotá', 'Zürich', 'Hanoi'];
const WORDS = ['alpha', 'delta', 'river', 'stone', 'maple', 'ember', 'north', 'quiet', 'lumen', 'coral', 'frost', 'amber'];

function generate(path: string, count: number): void {
  // Seeded, so every machine benchmarks the same file.
  const random = seededRandom(42);
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

async function timeTensorloom(): Promise<number> {
  const start = performance.now();
  await readCsv({ path: file });
  return (performance.now() - start) / 1000;
}

/** pandas in one long-lived process: each "run" line times one read_csv, in step with ours. */
const PANDAS_SCRIPT = `
import json, sys, time
import pandas as pd
path = sys.argv[1]
frame = pd.read_csv(path)
print(json.dumps({"rows": len(frame), "types": [str(t) for t in frame.dtypes], "version": pd.__version__}), flush=True)
del frame
for line in sys.stdin:
    start = time.perf_counter()
    pd.read_csv(path)
    print(time.perf_counter() - start, flush=True)
`;

/** The first python that can import pandas: $PYTHON, python3, then Debian's /usr/bin/python3. */
function findPython(): string | undefined {
  const candidates = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => Boolean(c));
  return candidates.find((python) => spawnSync(python, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0);
}

interface Pandas {
  readonly info: { rows: number; types: string[]; version: string };
  time(): Promise<number>;
  close(): void;
}

async function startPandas(python: string): Promise<Pandas> {
  const child = spawn(python, ['-c', PANDAS_SCRIPT, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const { value, done } = await iterator.next();
    if (done) throw new Error('the pandas process ended early (see its error above)');
    return value as string;
  };
  const info = JSON.parse(await nextLine()) as Pandas['info'];
  return {
    info,
    async time() {
      child.stdin.write('run\n');
      return Number(await nextLine());
    },
    close() {
      child.stdin.end();
    },
  };
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    console.log(`generating ${rows.toLocaleString('en')} rows into ${file} …`);
    generate(file, rows);
  }
  const megabytes = statSync(file).size / (1 << 20);
  console.log(`file: ${file} (${megabytes.toFixed(1)} MiB, ${rows.toLocaleString('en')} rows, 8 columns)`);
  console.log(`${runs} timed runs each after 1 warm-up, alternating the two readers so both see the same machine load\n`);

  const python = findPython();
  const pandas = python ? await startPandas(python) : undefined;
  const warm = await readCsv({ path: file });
  if (pandas) await pandas.time();
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let k = 0; k < runs; k++) {
    if (k % 2 === 1 && pandas) theirs.push(await pandas.time());
    ours.push(await timeTensorloom());
    if (k % 2 === 0 && pandas) theirs.push(await pandas.time());
  }
  pandas?.close();

  const line = (name: string, times: readonly number[], count: number) =>
    `${name.padEnd(24)} ${median(times).toFixed(3).padStart(10)} ${Math.min(...times).toFixed(3).padStart(10)} ${(megabytes / median(times)).toFixed(0).padStart(8)} ${String(count).padStart(10)}`;
  console.log(`${'reader'.padEnd(24)} ${'median s'.padStart(10)} ${'best s'.padStart(10)} ${'MiB/s'.padStart(8)} ${'rows'.padStart(10)}`);
  console.log(line('tensorloom readCsv', ours, warm.rowsRead));
  if (pandas) console.log(line(`pandas ${pandas.info.version} read_csv`, theirs, pandas.info.rows));
  console.log(`\ntensorloom column types: ${warm.columnTypes.join(', ')}`);
  if (!pandas) {
    console.log('\npandas not found: install it to compare (Debian/Ubuntu: apt-get install python3-pandas), or set PYTHON to a python that has pandas.');
    return;
  }
  console.log(`pandas column types:     ${pandas.info.types.join(', ')}`);
  if (pandas.info.rows !== warm.rowsRead) console.log(`WARNING: row counts differ (tensorloom ${warm.rowsRead}, pandas ${pandas.info.rows})`);
  const ratio = median(ours) / median(theirs);
  console.log(`\nratio tensorloom / pandas (median time): ${ratio.toFixed(2)} (${ratio <= 1 ? 'tensorloom is as fast or faster' : 'tensorloom is slower'})`);
}

await main();
