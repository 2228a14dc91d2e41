/**
 * CSV benchmark: Tensorloom against pandas.read_csv on the same generated file, in the
 * same run.
 *
 *   npx tsx bench/csv/run.ts [--rows 1000000] [--runs 5]            parser alone, and the data.csv node end to end
 *   npx tsx bench/csv/run.ts --breakdown [--rows 1000000] [--runs 5] where the node's time goes, stage by stage
 *
 * The file (10 columns: int, float, string, bool, dates, categories, missing and quoted
 * cells, some quoted cells holding a newline) is generated once into bench/.data/ and
 * reused. Every reader gets one warm-up, then `runs` timed runs, alternating with the
 * others (pandas runs in one long-lived python process), file reading included.
 *
 * "node" is what a user waits for: `Engine.run` of a one-node pipeline (data.csv) in a
 * workspace whose database and worker threads are warm and whose source-file hash is
 * memoised, with the table's artifact not stored yet (it is removed between runs), so
 * every run parses, encodes the Arrow IPC file, hashes, writes, fsyncs and records it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TUNING, readCsv, readCsvTuned } from '../../core/data/csv.js';
import { encodeTable, encodeTableChunks } from '../../core/data/arrow-io.js';
import { seededRandom } from '../../core/data/random.js';
import { Engine } from '../../core/engine/index.js';
import { validatePipeline } from '../../core/graph/index.js';
import { NodeRegistry } from '../../core/graph/registry.js';
import { fsyncDir, fsyncFile, sha256File, writeFileDurably } from '../../core/store/durable-fs.js';
import { WorkspaceStore } from '../../core/store/index.js';
import csvNode from '../../nodes/data/csv.js';

function argument(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const rows = argument('rows', 1_000_000);
const runs = argument('runs', 5);
const breakdown = process.argv.includes('--breakdown');
const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.data');
const file = join(dataDir, `csv-bench-v2-${rows}.csv`);

const CITIES = ['Lisbon', 'Oslo', 'Nairobi', 'Lima', 'Osaka', 'Quebec', 'Perth', 'Tallinn', 'Accra', 'Bogotá', 'Zürich', 'Hanoi'];
const WORDS = ['alpha', 'delta', 'river', 'stone', 'maple', 'ember', 'north', 'quiet', 'lumen', 'coral', 'frost', 'amber'];
const GRADES = ['A', 'B', 'C', 'D', 'E'];

function generate(path: string, count: number): void {
  // Seeded, so every machine benchmarks the same file.
  const random = seededRandom(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const lines = ['id,age,income,score,city,label,active,ratio,joined,grade'];
  const parts: string[] = [];
  const day0 = Date.UTC(2015, 0, 1);
  for (let i = 0; i < count; i++) {
    const age = 18 + Math.floor(random() * 70);
    const income = random() < 0.01 ? '' : (20000 + random() * 180000).toFixed(2);
    const score = (random() * 2 - 1).toFixed(6);
    const roll = random();
    // 2% quoted with a comma, 0.1% quoted with a newline inside, the rest plain.
    const label =
      roll < 0.001 ? `"${pick(WORDS)}\n${pick(WORDS)}"` : roll < 0.021 ? `"${pick(WORDS)}, ${pick(WORDS)}"` : `${pick(WORDS)}-${Math.floor(random() * 1000)}`;
    const active = random() < 0.5 ? 'true' : 'false';
    const ratio = (random() * 1e-3).toExponential(4);
    const joined = new Date(day0 + Math.floor(random() * 3650) * 86_400_000).toISOString().slice(0, 10);
    const grade = random() < 0.03 ? '' : pick(GRADES);
    lines.push(`${i + 1},${age},${income},${score},${pick(CITIES)},${label},${active},${ratio},${joined},${grade}`);
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

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/** readCsv's buffer sizes, with the chunked (multi-thread) read switched off: the one-pass read. */
const ONE_THREAD = { ...DEFAULT_TUNING, parallelMinBytes: Number.MAX_SAFE_INTEGER };

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

/** The data.csv node run by the engine in a warm workspace; `run()` times one uncached run. */
class NodeRunner {
  private readonly root = mkdtempSync(join(tmpdir(), 'tensorloom-csv-bench-'));
  private readonly store = WorkspaceStore.open(join(this.root, '.tensorloom'));
  private readonly engine: Engine;
  private readonly registry = new NodeRegistry([csvNode]);

  constructor() {
    // The node reads files inside its workspace: a hard link there (a copy across file systems).
    try {
      linkSync(file, join(this.root, 'data.csv'));
    } catch {
      copyFileSync(file, join(this.root, 'data.csv'));
    }
    this.engine = new Engine({ registry: this.registry, store: this.store, workspaceRoot: this.root });
  }

  async run(): Promise<number> {
    const validated = validatePipeline(
      { format: 'tensorloom/pipeline@1', name: 'csv-bench', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data.csv' } }], edges: [] },
      this.registry,
    );
    if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('\n'));
    const start = performance.now();
    const result = await this.engine.run({ pipeline: validated.pipeline, pipelinePath: null, pipelineDir: this.root, useCache: false });
    const elapsed = (performance.now() - start) / 1000;
    if (result.status !== 'succeeded') throw new Error(`the node failed: ${JSON.stringify(result.nodes)}`);
    // The next run must write the artifact again, as a first run does.
    rmSync(this.store.artifacts.pathOf(result.outputs.load!.table!), { force: true });
    return elapsed;
  }

  async close(): Promise<void> {
    await this.engine.close();
    this.store.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * The node's stages one by one, in this thread: where the time goes. The "before" lines
 * are the earlier write path (one joined buffer, written, then read back to hash, then
 * reopened to fsync); the node now streams the encoder's pieces to the file, hashing them
 * as they are written, and fsyncs on the same handle.
 */
async function stages(scratch: string): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  const mark = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
    const start = performance.now();
    const value = await work();
    times[name] = (performance.now() - start) / 1000;
    return value;
  };
  await mark('parse, one thread', () => readCsvTuned({ path: file }, {}, ONE_THREAD));
  const result = await mark('parse (readCsv as the node runs it)', () => readCsv({ path: file }));
  times['  threads used'] = result.threads;
  const table = { table: result.table, recipe: [] };
  const path = join(scratch, `table-${process.hrtime.bigint()}.arrow`);
  await mark('encode + hash + write + fsync (now)', () => writeFileDurably(`${path}.now`, encodeTableChunks(table)));
  await mark('rename + fsync folder', async () => {
    await rename(`${path}.now`, `${path}.done`);
    await fsyncDir(scratch);
  });
  const bytes = await mark('before: encode to one buffer', () => encodeTable(table));
  const handle = await open(path, 'wx');
  await mark('before: write file', () => handle.writeFile(bytes));
  await handle.close();
  await mark('before: sha256 read back', () => sha256File(path));
  await mark('before: reopen + fsync file', () => fsyncFile(path));
  rmSync(path, { force: true });
  rmSync(`${path}.done`, { force: true });
  return times;
}

async function main(): Promise<void> {
  if (!existsSync(file)) {
    console.log(`generating ${rows.toLocaleString('en')} rows into ${file} …`);
    generate(file, rows);
  }
  const megabytes = statSync(file).size / (1 << 20);
  console.log(`file: ${file} (${megabytes.toFixed(1)} MiB, ${rows.toLocaleString('en')} rows, 10 columns)`);

  if (breakdown) {
    const scratch = mkdtempSync(join(tmpdir(), 'tensorloom-csv-stages-'));
    const all: Record<string, number[]> = {};
    try {
      await stages(scratch); // warm-up
      for (let k = 0; k < runs; k++) for (const [name, time] of Object.entries(await stages(scratch))) (all[name] ??= []).push(time);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    console.log(`\nstages in this thread, median of ${runs} runs:`);
    for (const [name, times] of Object.entries(all)) console.log(`  ${name.padEnd(38)} ${median(times).toFixed(3).padStart(8)}${name.includes('threads') ? '' : ' s'}`);
    return;
  }

  console.log(`${runs} timed runs each after 1 warm-up, alternating the readers so all see the same machine load\n`);
  const python = findPython();
  const pandas = python ? await startPandas(python) : undefined;
  const node = new NodeRunner();
  const warm = await readCsv({ path: file });
  await node.run();
  if (pandas) await pandas.time();
  const parser: number[] = [];
  const oneThread: number[] = [];
  const ended: number[] = [];
  const theirs: number[] = [];
  try {
    for (let k = 0; k < runs; k++) {
      // The order rotates, so no reader always runs right after another.
      const order = [
        () => seconds(() => readCsv({ path: file })),
        () => seconds(() => readCsvTuned({ path: file }, {}, ONE_THREAD)),
        () => node.run(),
        async () => (pandas ? pandas.time() : 0),
      ];
      const into = [parser, oneThread, ended, theirs];
      for (let j = 0; j < order.length; j++) {
        const which = (j + k) % order.length;
        into[which]!.push(await order[which]!());
      }
    }
  } finally {
    pandas?.close();
    await node.close();
  }

  const line = (name: string, times: readonly number[]) =>
    `${name.padEnd(34)} ${median(times).toFixed(3).padStart(10)} ${Math.min(...times).toFixed(3).padStart(10)} ${(megabytes / median(times)).toFixed(0).padStart(8)}`;
  console.log(`${'reader'.padEnd(34)} ${'median s'.padStart(10)} ${'best s'.padStart(10)} ${'MiB/s'.padStart(8)}`);
  console.log(line('tensorloom readCsv (parser)', parser));
  console.log(line('  the same on one thread', oneThread));
  console.log(line('tensorloom data.csv node (e2e)', ended));
  if (pandas) console.log(line(`pandas ${pandas.info.version} read_csv`, theirs));
  console.log(`\ntensorloom column types: ${warm.columnTypes.join(', ')} (${warm.rowsRead} rows)`);
  if (!pandas) {
    console.log('\npandas not found: install it to compare (Debian/Ubuntu: apt-get install python3-pandas), or set PYTHON to a python that has pandas.');
    return;
  }
  console.log(`pandas column types:     ${pandas.info.types.join(', ')} (${pandas.info.rows} rows)`);
  if (pandas.info.rows !== warm.rowsRead) console.log(`WARNING: row counts differ (tensorloom ${warm.rowsRead}, pandas ${pandas.info.rows})`);
  console.log(`\nratio parser / pandas (median time):       ${(median(parser) / median(theirs)).toFixed(2)}`);
  console.log(`ratio one-thread parser / pandas:           ${(median(oneThread) / median(theirs)).toFixed(2)}`);
  console.log(`ratio data.csv node / pandas (median time): ${(median(ended) / median(theirs)).toFixed(2)}  (target ≤ 0.50)`);
}

await main();
