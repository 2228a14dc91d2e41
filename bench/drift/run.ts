/**
 * bench/drift: monitor.drift on 1M reference × 1M current rows of 20 columns (10 numeric,
 * 10 categorical; `auto`, so normalised Wasserstein and Jensen–Shannon), against the same
 * tests computed with pandas/numpy/SciPy (scipy_bench.py) on the same data in the same run.
 * Both sides start from data in memory (Arrow tables here, pandas Series there); the best
 * of REPEATS runs counts. Usage: npx tsx bench/drift/run.ts [rows] (default 1000000).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { float64Column, seededRandom, tableFromColumns, type Vector } from '../../core/sdk/index.js';
import { createTestContext } from '../../core/sdk/testing.js';
import { makeData, makeVector, Utf8 } from 'apache-arrow';
import driftNode from '../../nodes/monitor/drift.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const NUMERIC = 10;
const CATEGORICAL = 10;
const REPEATS = 3;
const here = dirname(fileURLToPath(import.meta.url));

/** A text column from codes, built straight as Arrow UTF-8 buffers. */
function textColumn(codes: Int32Array, names: string[]): Vector {
  const encoded = names.map((name) => new TextEncoder().encode(name));
  let bytes = 0;
  for (const code of codes) bytes += encoded[code]!.length;
  const data = new Uint8Array(bytes);
  const offsets = new Int32Array(codes.length + 1);
  let at = 0;
  codes.forEach((code, row) => {
    data.set(encoded[code]!, at);
    at += encoded[code]!.length;
    offsets[row + 1] = at;
  });
  return makeVector(makeData({ type: new Utf8(), length: codes.length, valueOffsets: offsets, data }));
}

function normals(seed: number, count: number, mean: number, sd: number, missingShare: number): Float64Array {
  const next = seededRandom(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = next() < missingShare ? NaN : mean + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  }
  return out;
}

function categories(seed: number, count: number, weights: number[]): Int32Array {
  const next = seededRandom(seed);
  const cumulative = weights.map(((sum) => (w: number) => (sum += w))(0));
  const total = cumulative[cumulative.length - 1]!;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const r = next() * total;
    let k = 0;
    while (cumulative[k]! <= r) k++;
    out[i] = k;
  }
  return out;
}

const folder = mkdtempSync(join(tmpdir(), 'tl-bench-drift-'));
try {
  console.log(`generating ${ROWS} reference and ${ROWS} current rows, ${NUMERIC} numeric + ${CATEGORICAL} categorical columns …`);
  const refColumns: Record<string, Vector> = {};
  const curColumns: Record<string, Vector> = {};
  const meta: { repeats: number; columns: { name: string; kind: string; categories?: string[] }[] } = { repeats: REPEATS, columns: [] };
  for (let k = 0; k < NUMERIC; k++) {
    const name = `num${k}`;
    const ref = normals(100 + k, ROWS, 10 * k, 1 + k, 0.01);
    const cur = normals(200 + k, ROWS, 10 * k + (k % 2 === 0 ? 0.3 * (1 + k) : 0), 1 + k, 0.01);
    writeFileSync(join(folder, `ref_${name}.bin`), Buffer.from(ref.buffer));
    writeFileSync(join(folder, `cur_${name}.bin`), Buffer.from(cur.buffer));
    refColumns[name] = float64Column(ref);
    curColumns[name] = float64Column(cur);
    meta.columns.push({ name, kind: 'numeric' });
  }
  for (let k = 0; k < CATEGORICAL; k++) {
    const name = `cat${k}`;
    const size = 5 + 5 * k;
    const names = Array.from({ length: size }, (_, i) => `value-${k}-${i}`);
    const weights = names.map((_, i) => 1 + ((i * 7) % 5));
    const shifted = k % 2 === 0 ? weights.map((w, i) => (i % 3 === 0 ? w * 2 : w)) : weights;
    const ref = categories(300 + k, ROWS, weights);
    const cur = categories(400 + k, ROWS, shifted);
    writeFileSync(join(folder, `ref_${name}.bin`), Buffer.from(ref.buffer));
    writeFileSync(join(folder, `cur_${name}.bin`), Buffer.from(cur.buffer));
    refColumns[name] = textColumn(ref, names);
    curColumns[name] = textColumn(cur, names);
    meta.columns.push({ name, kind: 'categorical', categories: names });
  }
  writeFileSync(join(folder, 'meta.json'), JSON.stringify(meta));
  const inputs = { reference: { table: tableFromColumns(refColumns), recipe: [] }, current: { table: tableFromColumns(curColumns), recipe: [] } };

  let oursMs = Infinity;
  let report: Record<string, unknown> = {};
  for (let repeat = 0; repeat < REPEATS; repeat++) {
    const ctx = createTestContext({ nodeId: 'drift', nodeType: 'monitor.drift' });
    const started = performance.now();
    report = (await driftNode.run({ inputs, params: driftNode.params.parse({}) }, ctx)).report;
    oursMs = Math.min(oursMs, performance.now() - started);
  }
  const peer = JSON.parse(execFileSync('/usr/bin/python3', [join(here, 'scipy_bench.py'), folder], { encoding: 'utf8', maxBuffer: 1 << 26 })) as { ms: number; columns: Record<string, { test: string; statistic: number }> };

  // The same verdicts and statistics on both sides, or the timing means nothing.
  let worst = 0;
  for (const column of report.columns as { column: string; test: string; statistic: number }[]) {
    const theirs = peer.columns[column.column]!;
    if (theirs.test !== column.test) throw new Error(`column ${column.column}: ${column.test} here, ${theirs.test} in SciPy`);
    worst = Math.max(worst, Math.abs(column.statistic - theirs.statistic) / Math.max(1e-12, Math.abs(theirs.statistic)));
  }
  console.log(`columns drifted: ${String(report.driftedColumns)} of ${String(report.comparedColumns)}; largest relative difference from SciPy: ${worst.toExponential(2)}`);
  console.log(`monitor.drift (TypeScript): ${oursMs.toFixed(0)} ms`);
  console.log(`SciPy/pandas (same tests):  ${peer.ms.toFixed(0)} ms`);
  console.log(`ratio SciPy / ours: ${(peer.ms / oursMs).toFixed(2)}x (above 1: faster than SciPy)`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
