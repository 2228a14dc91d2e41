import { defineNode, port, readParquetFile, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'data.parquet',
  version: 1,
  category: 'data',
  title: 'Parquet file',
  description: 'Reads a Parquet file into a table: numbers become integer or decimal columns, strings text, timestamps ISO 8601 text.',
  // Parquet is compressed: a few MiB of file are many rows, so the threshold is lower than CSV's.
  worker: { whenInputBytesOver: 1024 * 1024 },
  module: import.meta.url,
  inputs: {},
  outputs: { table: port('table', { description: 'The rows of the file.' }) },
  params: z.object({
    path: z.string().min(1, 'a file path is required').describe('Parquet file to read, relative to the pipeline file'),
    // Optional in the params type too: hand-built params (tests, other nodes) may leave it out; the reader's default is the same.
    maxColumns: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .optional()
      .describe('Most columns the file may have (default 10,000); a wider file stops the run with an error before any row is read. Raise this for genuinely wide data'),
  }),
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  async run({ params }, ctx) {
    const path = ctx.workspace.resolve(params.path, 'path');
    const result = await readParquetFile({ path, name: params.path }, {
      signal: ctx.signal,
      onProgress: (fraction) => ctx.progress(fraction),
      maxColumns: params.maxColumns,
    });
    if (result.conversions.length > 0) ctx.log(`converted column types: ${result.conversions.join('; ')}`);
    if (result.rowsRead === 0) ctx.log(`'${params.path}' has no rows: the table is empty`, 'warn');
    ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}'`);
    ctx.metric('rows', result.rowsRead);
    return { table: { table: result.table, recipe: [] } };
  },
});
