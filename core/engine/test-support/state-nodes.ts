/**
 * Nodes that keep a counter in ctx.state: one in this thread, one in a worker thread (the
 * same code), so tests see state survive runs and restarts whichever thread wrote it.
 */
import { defineNode, port, z, type Json, type RunContext } from '../../sdk/index.js';

const params = z.object({ key: z.string().default('count'), reset: z.boolean().default(false), value: z.unknown().optional() });

async function count(input: z.infer<typeof params>, ctx: RunContext): Promise<{ out: Record<string, Json> }> {
  if (input.reset) return { out: { deleted: await ctx.state.delete(input.key) } };
  if (input.value !== undefined) {
    await ctx.state.set(input.key, input.value as never);
    return { out: { stored: true } };
  }
  const before = await ctx.state.get(input.key);
  const next = (typeof before === 'number' ? before : 0) + 1;
  await ctx.state.set(input.key, next);
  return { out: { count: next } };
}

function counter(type: string, worker: boolean) {
  return defineNode({
    type,
    version: 1,
    category: 'util',
    title: 'Counter',
    description: 'Counts its runs in ctx.state.',
    ...(worker ? { worker: true, module: import.meta.url } : {}),
    inputs: {},
    outputs: { out: port('metrics') },
    params,
    cacheable: () => false,
    run: ({ params: input }, ctx) => count(input, ctx),
  });
}

export const counterNode = counter('test.counter', false);
export default counter('test.workerCounter', true);
