/**
 * In-process cost of turning request cells into the model's input matrix: the compiled row
 * path (core/ml/row-features.ts) against its peer, the table path the server used before
 * (`InputSchema.toTable` → `modelInputTable` → `encodeFeatures`), on the penguins model.
 *
 *   npx tsx bench/serve/row-features.ts                 # trains penguins with the CLI first
 *   npx tsx bench/serve/row-features.ts --model <bundle folder> --rounds 5
 *
 * Batches of 1 and 16 rows cycle through the 344 rows of examples/data/penguins.csv (NA as
 * null). Each round times both paths back to back on the same batches; the figures are
 * medians over the rounds. Both paths' matrices are compared bit for bit first.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readCsv } from '../../core/data/csv.js';
import { columnValues } from '../../core/data/table-ops.js';
import { modelInputTable, type ModelBundle } from '../../core/ml/bundle-format.js';
import { encodeFeatures } from '../../core/ml/features.js';
import { compileRowFeatures } from '../../core/ml/row-features.js';
import { InputSchema, type InputBatch } from '../../core/serve/inputs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'cli', 'entry.ts');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    ms: { type: 'string', default: '400' },
  },
});

function trainPenguins(workspace: string): string {
  cpSync(join(ROOT, 'examples'), join(workspace, 'examples'), { recursive: true });
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'run', join(workspace, 'examples', 'penguins.pipeline.json'), '--json', '--workspace', workspace], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tensorloom run failed (exit ${result.status}): ${result.stderr.slice(-2000)}`);
  const hex = (JSON.parse(result.stdout) as { outputs: { train: { model: string } } }).outputs.train.model.replace(/^sha256:/, '');
  return join(workspace, '.tensorloom', 'artifacts', 'sha256', hex.slice(0, 2), hex.slice(2));
}

/** µs per call of `run` over `batches` (cycled) for about `ms` milliseconds. */
function microseconds(batches: readonly InputBatch[], run: (batch: InputBatch) => unknown, ms: number): number {
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < until) {
    for (let k = 0; k < 256; k++) run(batches[(calls + k) % batches.length]!);
    calls += 256;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / calls / 1e3;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-rowbench-'));
try {
  const bundleDir = args.model ?? (console.error('training examples/penguins.pipeline.json with `tensorloom run` …'), trainPenguins(workspace));
  const bundle = JSON.parse(readFileSync(join(bundleDir, 'bundle.json'), 'utf8')) as ModelBundle;
  const features = compileRowFeatures(bundle);
  if (!features) throw new Error("the model's recipe has a step without a row form; nothing to compare");
  const schema = new InputSchema(bundle, 4096);
  const table = (await readCsv({ path: join(ROOT, 'examples', 'data', 'penguins.csv') })).table;
  const values = bundle.inputs.map((input) => columnValues(table, input.name, input.name));
  const records = Array.from({ length: table.numRows }, (_, row) => Object.fromEntries(bundle.inputs.map((input, k) => [input.name, values[k]![row] ?? null])));
  const tablePath = (batch: InputBatch): Float32Array => encodeFeatures(bundle.features, modelInputTable(bundle, { table: schema.toTable(batch), recipe: [] }));
  const out = new Float32Array(4096 * features.width);
  const rowPath = (batch: InputBatch): Float32Array => {
    if (!features.encode(batch.columns, batch.rows, out)) throw new Error('the row path fell back on a valid penguins batch');
    return out.subarray(0, batch.rows * features.width);
  };
  console.log(`penguins model: ${bundle.inputs.length} inputs, ${bundle.recipe.map((step) => step.kind).join(' → ')}, ${features.width} features; load average ${loadavg()[0]!.toFixed(2)}`);
  for (const size of [1, 16]) {
    const batches = Array.from({ length: Math.ceil(records.length / size) }, (_, k) => schema.fromRecords(records.slice(k * size, k * size + size), 'instances'));
    for (const batch of batches) {
      const a = tablePath(batch);
      const b = rowPath(batch);
      if (Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) !== 0) throw new Error('the paths differ');
    }
    const tableTimes: number[] = [];
    const rowTimes: number[] = [];
    for (let round = 0; round < Number(args.rounds); round++) {
      tableTimes.push(microseconds(batches, tablePath, Number(args.ms)));
      rowTimes.push(microseconds(batches, rowPath, Number(args.ms)));
    }
    const t = median(tableTimes);
    const r = median(rowTimes);
    console.log(`${String(size).padStart(2)}-row batches: table path ${t.toFixed(1)} µs, row path ${r.toFixed(2)} µs per batch (${(t / r).toFixed(1)}× faster; identical matrices on all ${records.length} rows)`);
  }
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
