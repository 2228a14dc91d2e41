/**
 * Engine overhead benchmark: a 200-node pipeline of trivial nodes, run cold (empty
 * workspace) and fully cached, against its peer: the same node functions called directly
 * with no engine (no scheduling, hashing, store or events). Prints medians and ratios.
 *
 *   npm run bench:engine            (RUNS=7 NODES=200 to change the sizes)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../core/engine/index.js';
import { validatePipeline } from '../../core/graph/index.js';
import { NodeRegistry } from '../../core/graph/registry.js';
import type { PipelineDoc } from '../../core/graph/types.js';
import { createTestContext } from '../../core/sdk/testing.js';
import { defineNode, port, z } from '../../core/sdk/index.js';
import { WorkspaceStore } from '../../core/store/index.js';

const NODES = Number(process.env.NODES ?? 200);
const RUNS = Number(process.env.RUNS ?? 7);

const inc = defineNode({
  type: 'bench.inc', version: 1, category: 'util', title: 'Increment', description: 'a + b + by',
  inputs: { a: port('metrics', { optional: true }), b: port('metrics', { optional: true }) },
  outputs: { out: port('metrics') },
  params: z.object({ by: z.number().default(1) }),
  async run({ inputs, params }) {
    return { out: { value: Number(inputs.a?.value ?? 0) + Number(inputs.b?.value ?? 0) + params.by } };
  },
});

/** A layered DAG: node i takes inputs from up to two earlier nodes (seeded, reproducible). */
function makePipeline(count: number): PipelineDoc {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const nodes = Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type: 'bench.inc', params: { by: i } }));
  const edges: { from: string; to: string }[] = [];
  for (let i = 1; i < count; i += 1) {
    edges.push({ from: `n${Math.floor(random() * i)}.out`, to: `n${i}.a` });
    if (i > 2 && random() < 0.5) edges.push({ from: `n${Math.floor(random() * i)}.out`, to: `n${i}.b` });
  }
  return { format: 'tensorloom/pipeline@1', name: 'bench', nodes, edges };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const registry = new NodeRegistry([inc]);
  const validated = validatePipeline(makePipeline(NODES), registry);
  if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('\n'));
  const pipeline = validated.pipeline;

  // Peer: the same node functions, called directly in topological order.
  const bare: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const ctx = createTestContext();
    const values = new Map<string, { value: number }>();
    const started = performance.now();
    for (const id of pipeline.order) {
      const node = pipeline.nodes.get(id)!;
      const inputs = Object.fromEntries(Object.entries(node.inputs).map(([port, ref]) => [port, values.get(ref.node)]));
      const out = await inc.run({ inputs: inputs as never, params: node.params as { by: number } }, ctx);
      values.set(id, out.out as { value: number });
    }
    bare.push(performance.now() - started);
  }

  const cold: number[] = [];
  const cached: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-bench-'));
    const store = WorkspaceStore.open(join(root, '.tensorloom'));
    const engine = new Engine({ registry, store, workspaceRoot: root });
    const request = { pipeline, pipelinePath: null, pipelineDir: root };
    let started = performance.now();
    const first = await engine.run(request);
    cold.push(performance.now() - started);
    started = performance.now();
    const second = await engine.run(request);
    cached.push(performance.now() - started);
    if (first.status !== 'succeeded' || Object.values(second.nodes).some((node) => !node.cached)) throw new Error('benchmark run did not behave');
    await engine.close();
    store.close();
    rmSync(root, { recursive: true, force: true });
  }

  const b = median(bare);
  const c = median(cold);
  const h = median(cached);
  console.log(`engine overhead, ${NODES} trivial nodes, median of ${RUNS} runs`);
  console.log(`  peer: direct calls   ${b.toFixed(1)} ms  (${((b / NODES) * 1000).toFixed(1)} µs/node)`);
  console.log(`  engine, cold         ${c.toFixed(1)} ms  (${(c / NODES).toFixed(3)} ms/node)`);
  console.log(`  engine, all cached   ${h.toFixed(1)} ms  (${(h / NODES).toFixed(3)} ms/node)  target < 200 ms: ${h < 200 ? 'met' : 'MISSED'}`);
  console.log(`  ratio cold / peer    ${(c / b).toFixed(1)}x`);
  console.log(`  ratio cached / cold  ${(h / c).toFixed(2)}x`);
}

await main();
