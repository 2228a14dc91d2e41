/** A worker node that streams metric points (one every few ms) until it has sent `count` or is cancelled. */
import { defineNode, port, z } from '../../sdk/index.js';

export default defineNode({
  type: 'test.metricStream', version: 1, category: 'util', title: 'Metric stream', description: 'Reports a metric series from a worker thread.',
  worker: true,
  module: import.meta.url,
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ count: z.number().int().min(1).default(100), everyMs: z.number().int().min(0).default(5) }),
  async run({ params }, ctx) {
    for (let step = 1; step <= params.count; step += 1) {
      ctx.signal.throwIfAborted();
      ctx.metric('m', step, step);
      await new Promise((resolve) => setTimeout(resolve, params.everyMs));
    }
    return { out: { steps: params.count } };
  },
});
