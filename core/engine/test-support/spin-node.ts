/** A worker node that ignores the abort signal and spins the CPU: cancel must still stop it. */
import { defineNode, port, z } from '../../sdk/index.js';

export default defineNode({
  type: 'test.spin', version: 1, category: 'util', title: 'Spin', description: 'Busy-loops for `ms`, ignoring cancel.',
  worker: true,
  module: import.meta.url,
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ ms: z.number().default(5000) }),
  async run({ params }, ctx) {
    const end = Date.now() + params.ms;
    let spins = 0;
    while (Date.now() < end) spins += 1;
    ctx.metric('spins', spins);
    return { out: { value: spins } };
  },
});
