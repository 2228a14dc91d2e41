import { defineNode, port, readJsonLines, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'data.jsonl',
  version: 1,
  category: 'data',
  title: 'JSON Lines file',
  description: 'Reads a JSON Lines file (one object per line) into a table: keys become columns, typed integer, decimal, true/false or text.',
  // A small file parses faster than a worker thread starts; a large one must not block the API.
  worker: { whenInputBytesOver: 4 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {},
  outputs: { table: port('table', { description: 'One row per line of the file.' }) },
  params: z.object({
    path: z.string().min(1, 'a file path is required').describe('JSON Lines file to read (.jsonl, .ndjson), relative to the pipeline file'),
  }),
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  async run({ params }, ctx) {
    const path = ctx.workspace.resolve(params.path, 'path');
    const result = await readJsonLines({ path, name: params.path }, { signal: ctx.signal, onProgress: (fraction) => ctx.progress(fraction) });
    if (result.nestedColumns.length > 0) {
      ctx.log(`objects and arrays are kept as JSON text in column${result.nestedColumns.length === 1 ? '' : 's'} ${result.nestedColumns.map((name) => `'${name}'`).join(', ')}`);
    }
    ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}'`);
    ctx.metric('rows', result.rowsRead);
    ctx.progress(1);
    return { table: { table: result.table, recipe: [] } };
  },
});
