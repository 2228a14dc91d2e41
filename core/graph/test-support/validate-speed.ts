/**
 * How long validation takes on a large pipeline. Not a test (timings are not assertions):
 *
 *   npx tsx core/graph/test-support/validate-speed.ts            (NODES=1000 RUNS=20)
 */
import { pipelineHash } from '../canonical.js';
import { parsePipelineText } from '../parse.js';
import { PIPELINE_FORMAT } from '../types.js';
import type { PipelineDoc } from '../types.js';
import { validatePipeline } from '../validate.js';
import { fixtureRegistry } from './fixtures.js';

const NODES = Number(process.env['NODES'] ?? 1000);
const RUNS = Number(process.env['RUNS'] ?? 20);

/** A layered DAG of joins: node i reads from up to three earlier nodes (seeded). */
function makePipeline(count: number): PipelineDoc {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const nodes: PipelineDoc['nodes'] = [];
  const edges: PipelineDoc['edges'] = [];
  for (let i = 0; i < count; i++) {
    if (i < 5) {
      nodes.push({ id: `n${i}`, type: 'data.source', params: { path: `data/${i}.csv` }, position: { x: i, y: 0 } });
      continue;
    }
    nodes.push({ id: `n${i}`, type: 'util.join', params: { weight: i, options: { limit: i } }, position: { x: i, y: 1 } });
    const parents = new Set([Math.floor(random() * i), Math.floor(random() * i), Math.floor(random() * i)]);
    [...parents].forEach((parent, slot) => edges.push({ from: `n${parent}.table`, to: `n${i}.${'abc'[slot]}` }));
  }
  return { format: PIPELINE_FORMAT, name: 'speed', nodes, edges };
}

const registry = fixtureRegistry();
const doc = makePipeline(NODES);
const text = JSON.stringify(doc, null, 2);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function time(label: string, action: () => void): void {
  action(); // warm up
  const samples: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    action();
    samples.push(performance.now() - started);
  }
  console.log(`${label.padEnd(34)} median ${median(samples).toFixed(2)} ms   max ${Math.max(...samples).toFixed(2)} ms`);
}

console.log(`${NODES} nodes, ${doc.edges.length} edges, ${(text.length / 1024).toFixed(0)} KiB of JSON, ${RUNS} runs`);
time('parsePipelineText', () => {
  if (!parsePipelineText(text).ok) throw new Error('parse failed');
});
time('validatePipeline', () => {
  const result = validatePipeline(doc, registry);
  if (!result.ok) throw new Error(result.issues[0]!.message);
});
time('pipelineHash (with registry)', () => void pipelineHash(doc, registry));
const broken = { ...doc, edges: [...doc.edges, { from: `n${NODES - 1}.table`, to: 'n5.c' }, { from: 'ghost.table', to: 'n6.c' }] };
time('validatePipeline (cycle + errors)', () => {
  if (validatePipeline(broken, registry).ok) throw new Error('expected issues');
});
