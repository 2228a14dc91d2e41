import { defineNode, port, readSqlite, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'data.sqlite',
  version: 1,
  category: 'data',
  title: 'SQLite query',
  description: 'Runs a read-only SQL query on an SQLite database file and returns its rows as a table.',
  worker: { whenInputBytesOver: 4 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {},
  outputs: { table: port('table', { description: 'The rows the query returns.' }) },
  params: z.object({
    path: z.string().min(1, 'a file path is required').describe('SQLite database file, relative to the pipeline file; opened read-only'),
    query: z.string().trim().min(1, 'a query is required').describe('A read-only query that returns rows, e.g. SELECT * FROM penguins WHERE sex IS NOT NULL'),
  }),
  // The query's result depends only on the file (and the query, a param): hashing the file is enough.
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  async run({ params }, ctx) {
    const path = ctx.workspace.resolve(params.path, 'path');
    const result = await readSqlite({ path, name: params.path }, params.query, {
      signal: ctx.signal,
      // The row count is unknown until the query ends: the message carries the news.
      onRows: (rows) => ctx.progress(0, `${rows} rows read`),
    });
    if (result.rowsRead === 0) ctx.log(`the query returned no rows`, 'warn');
    ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}'`);
    ctx.metric('rows', result.rowsRead);
    ctx.progress(1);
    return { table: { table: result.table, recipe: [] } };
  },
});
