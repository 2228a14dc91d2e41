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
    // Budgets against runaway queries (an unbounded recursive CTE streams rows forever); see core/data/sqlite-io.ts.
    maxRows: z
      .number()
      .int()
      .min(1)
      .default(5_000_000)
      .describe('Most rows the query may return (default 5,000,000); more stops the run with an error. Add a LIMIT, or raise this for a larger result'),
    timeoutSeconds: z
      .number()
      .positive()
      .default(300)
      .describe('Seconds the query may run (default 300), checked as rows arrive; then the run stops with an error'),
    maxMegabytes: z
      .number()
      .int()
      .min(1)
      .default(2048)
      .describe('Memory the result may take while it is read, in MiB (default 2,048); more stops the run with an error. Select fewer columns or rows, or raise this'),
  }),
  // The query's result depends only on the file (and the query, a param): hashing the file is enough.
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  async run({ params }, ctx) {
    const path = ctx.workspace.resolve(params.path, 'path');
    const result = await readSqlite({ path, name: params.path }, params.query, {
      signal: ctx.signal,
      // The row count is unknown until the query ends: the message carries the news.
      onRows: (rows) => ctx.progress(0, `${rows} rows read`),
      maxRows: params.maxRows,
      timeoutSeconds: params.timeoutSeconds,
      maxMegabytes: params.maxMegabytes,
    });
    if (result.rowsRead === 0) ctx.log(`the query on '${params.path}' returned no rows: the table is empty`, 'warn');
    ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}'`);
    ctx.metric('rows', result.rowsRead);
    ctx.progress(1);
    return { table: { table: result.table, recipe: [] } };
  },
});
