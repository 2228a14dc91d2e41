/** A worker node whose thread dies under it (as on an out-of-memory abort). */
import { defineNode, port, z } from '../../sdk/index.js';

export default defineNode({
  type: 'test.exit', version: 1, category: 'util', title: 'Exit', description: 'Ends its worker thread.',
  worker: true,
  module: import.meta.url,
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({}),
  async run() {
    process.exit(3); // in a worker thread this ends only the thread
  },
});
