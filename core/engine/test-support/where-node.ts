/** Reports which thread it ran in; a worker node only for inputs over 10 bytes. */
import { isMainThread } from 'node:worker_threads';
import { defineNode, port, z } from '../../sdk/index.js';

export default defineNode({
  type: 'test.where', version: 1, category: 'util', title: 'Where', description: 'Says which thread ran it.',
  worker: { whenInputBytesOver: 10 },
  module: import.meta.url,
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ file: z.string() }),
  sourceFiles: (params) => [{ param: 'file', path: params.file }],
  async run(_args, ctx) {
    ctx.log(isMainThread ? 'main thread' : 'worker thread');
    return { out: { main: isMainThread } };
  },
});
