import { readFileSync } from 'node:fs';
import { createTokenizer, tokenizeUntil } from './core/data/csv-tokenize.js';
import { ColumnReader, Scratch } from './core/data/csv-columns.js';
const buf = readFileSync('bench/.data/csv-bench-v1-1000000.csv');
const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
const tt: number[] = [];
let tk;
for (let r = 0; r < 5; r++) { const t = performance.now(); tk = createTokenizer(bytes, 0, 44); while (!tokenizeUntil(tk, tk.position + (4 << 20))) {} tt.push(performance.now() - t); }
console.log('tokenize', tt.map(x => x.toFixed(0)).join(' '));
const tokens = tk!.tokens;
const rows = new Uint32Array(tokens.recordCount - 1); for (let i = 0; i < rows.length; i++) rows[i] = i + 1;
const s = new Scratch();
const res: Record<number, number[]> = {};
for (let rep = 0; rep < 7; rep++) for (let c = 0; c < 8; c++) { const t = performance.now(); const rd = new ColumnReader(c, rows.length, s); for (let b = 0; b < rows.length; b += 4096) rd.consume(bytes, tokens, rows, b, Math.min(rows.length, b + 4096)); (res[c] ??= []).push(performance.now() - t); }
for (const [c, v] of Object.entries(res)) console.log('col', c, v.sort((a, b) => a - b).slice(0, 4).map(x => x.toFixed(1)).join(' '));
function minimal(col: number) {
  const { fieldStart, recordField } = tokens;
  const out = new Float64Array(rows.length);
  for (let p = 0; p < rows.length; p++) {
    const f = recordField[rows[p]!]! + col;
    let v = 0;
    for (let k = fieldStart[f]!, e = fieldStart[f+1]! - 1; k < e; k++) v = v * 10 + bytes[k]! - 48;
    out[p] = v;
  }
  return out;
}
const mm: number[] = [];
for (let rep = 0; rep < 5; rep++) { const t = performance.now(); minimal(1); mm.push(performance.now() - t); }
console.log('minimal', mm.map(x => x.toFixed(1)).join(' '));
