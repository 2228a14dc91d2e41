import { readCsv } from './core/data/csv.js';
const file = 'bench/.data/csv-bench-v1-1000000.csv';
for (let rep = 0; rep < 8; rep++) { (globalThis as any).T = { tok: 0, cons: 0, fin: 0 }; const t = performance.now(); await readCsv({ path: file }); const T = (globalThis as any).T; console.log((performance.now() - t).toFixed(0), 'tok', T.tok.toFixed(0), 'cons', T.cons.toFixed(0), 'fin', T.fin.toFixed(0)); }
