/** test.model in a worker thread; with `hang`, it ignores cancel after writing its files (the engine must still clean up). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineNode, port, z } from '../../sdk/index.js';

export default defineNode({
  type: 'test.workerModel', version: 1, category: 'train', title: 'Worker model', description: 'Writes a small model folder in a worker thread.',
  worker: true,
  module: import.meta.url,
  inputs: {},
  outputs: { model: port('model') },
  params: z.object({ seed: z.number().default(0), hang: z.boolean().default(false) }),
  async run({ params }, ctx) {
    const dir = ctx.artifacts.tempPath('model');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ seed: params.seed }));
    ctx.metric('written', 1);
    if (params.hang) {
      const end = Date.now() + 30_000;
      while (Date.now() < end) {
        // spins, ignoring the abort signal
      }
    }
    return { model: { dir } };
  },
});
