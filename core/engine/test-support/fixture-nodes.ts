/** Small node types for engine tests; they pass numbers on `metrics` wires. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineNode, NodeError, port, z } from '../../sdk/index.js';

const value = (input: { value?: unknown } | undefined) => Number(input?.value ?? 0);

/** Emits `value`, plus the number in `file` when set (a source node with a file). */
export const source = defineNode({
  type: 'test.source', version: 1, category: 'data', title: 'Source', description: 'Emits a number.',
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ value: z.number().default(1), file: z.string().optional() }),
  sourceFiles: (params) => (params.file ? [{ param: 'file', path: params.file }] : []),
  async run({ params }, ctx) {
    const fromFile = params.file ? Number(readFileSync(ctx.workspace.resolve(params.file, 'file'), 'utf8')) : 0;
    return { out: { value: params.value + fromFile } };
  },
});

export const add = defineNode({
  type: 'test.add', version: 1, category: 'util', title: 'Add', description: 'a + b + plus.',
  inputs: { a: port('metrics'), b: port('metrics', { optional: true }) },
  outputs: { out: port('metrics') },
  params: z.object({ plus: z.number().default(0) }),
  async run({ inputs, params }, ctx) {
    const sum = value(inputs.a) + value(inputs.b) + params.plus;
    ctx.metric('sum', sum);
    return { out: { value: sum } };
  },
});

/** Sleeps `ms` while honouring the abort signal; records a metric series as it goes. */
export const sleep = defineNode({
  type: 'test.sleep', version: 1, category: 'util', title: 'Sleep', description: 'Waits, then passes its input on.',
  inputs: { in: port('metrics', { optional: true }) },
  outputs: { out: port('metrics') },
  params: z.object({ ms: z.number().int().min(0).default(100), tag: z.string().default('') }),
  async run({ inputs, params }, ctx) {
    ctx.log(`start ${params.tag}`);
    const steps = 10;
    for (let step = 1; step <= steps; step += 1) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => { clearTimeout(timer); reject(ctx.signal.reason); };
        const timer = setTimeout(() => { ctx.signal.removeEventListener('abort', onAbort); resolve(); }, params.ms / steps);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
      });
      ctx.progress(step / steps);
      ctx.metric('step', step, step);
    }
    ctx.log(`end ${params.tag}`);
    return { out: { value: value(inputs.in) } };
  },
});

export const fail = defineNode({
  type: 'test.fail', version: 1, category: 'util', title: 'Fail', description: 'Always fails with a user error.',
  inputs: { in: port('metrics', { optional: true }) },
  outputs: { out: port('metrics') },
  params: z.object({ message: z.string().default('column \'age\' not found') }),
  async run({ params }) {
    throw new NodeError(params.message);
  },
});

export const crash = defineNode({
  type: 'test.crash', version: 1, category: 'util', title: 'Crash', description: 'A bug: throws a TypeError.',
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({}),
  async run() {
    const missing = undefined as unknown as { field: number };
    return { out: { value: missing.field } };
  },
});

/** A bug of another kind: returns the wrong shape for its output. */
export const badOutput = defineNode({
  type: 'test.badOutput', version: 1, category: 'util', title: 'Bad output', description: 'Returns a string where metrics belong.',
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({}),
  async run() {
    return { out: 'not metrics' as never };
  },
});

/** Outputs a report of about `bytes` bytes: for disk budget tests. */
export const blob = defineNode({
  type: 'test.blob', version: 1, category: 'util', title: 'Blob', description: 'Outputs a report of a given size.',
  inputs: { in: port('report', { optional: true }) },
  outputs: { out: port('report') },
  params: z.object({ bytes: z.number().int().min(0).default(1000), seed: z.number().default(0) }),
  async run({ params }) {
    return { out: { seed: params.seed, pad: 'x'.repeat(params.bytes) } };
  },
});

/** Builds a model folder in its work folder, as train.dense does; `fail` throws after writing it. */
export const model = defineNode({
  type: 'test.model', version: 1, category: 'train', title: 'Model', description: 'Writes a small model folder.',
  inputs: {},
  outputs: { model: port('model') },
  params: z.object({ seed: z.number().default(0), fail: z.boolean().default(false) }),
  async run({ params }, ctx) {
    const dir = ctx.artifacts.tempPath('model');
    mkdirSync(join(dir, 'weights'), { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ seed: params.seed }));
    writeFileSync(join(dir, 'weights', 'group1.bin'), Buffer.alloc(256, params.seed));
    writeFileSync(ctx.artifacts.tempPath('scratch.txt'), 'scratch the node never publishes');
    if (params.fail) throw new NodeError('training diverged');
    return { model: { dir } };
  },
});

export const fixtureNodes = [source, add, sleep, fail, crash, badOutput, blob, model];
