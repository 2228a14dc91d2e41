import { defineNode, formatBadRow, port, readCsv, z } from '../../core/sdk/index.js';

/** How many skipped lines the warning names. */
const LINES_IN_WARNING = 5;

export default defineNode({
  type: 'data.csv',
  version: 1,
  category: 'data',
  title: 'CSV file',
  description: 'Reads a CSV file into a table, inferring integer, decimal, true/false and text columns.',
  // A small file parses faster than a worker thread starts; a large one must not block the API.
  worker: { whenInputBytesOver: 4 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {},
  outputs: { table: port('table', { description: 'The rows of the file.' }) },
  params: z.object({
    path: z.string().min(1, 'a file path is required').describe('CSV file to read, relative to the pipeline file'),
    delimiter: z
      .string()
      .regex(/^(auto|tab|\\t|[\t !#-~])$/, "use 'auto', 'tab' or one character such as , ; |")
      .default('auto')
      .describe("Field separator: 'auto' detects , ; tab or |"),
    header: z.boolean().default(true).describe('The first line holds the column names'),
    onBadRow: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe("What to do with a malformed row (wrong number of fields, text in a number column): 'fail' stops, 'skip' drops it with a warning"),
    // Optional in the params type too: hand-built params (tests, other nodes) may leave it out; the reader's default is the same.
    maxColumns: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .optional()
      .describe('Most columns the file may have (default 10,000). A wider header stops the run with an error before it takes memory; raise this for genuinely wide data'),
  }),
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  async run({ params }, ctx) {
    const path = ctx.workspace.resolve(params.path, 'path');
    const result = await readCsv(
      { path, name: params.path },
      {
        delimiter: params.delimiter,
        header: params.header,
        onBadRow: params.onBadRow,
        maxColumns: params.maxColumns,
        signal: ctx.signal,
        onProgress: (fraction) => ctx.progress(fraction),
      },
    );
    if (result.skipped > 0) {
      const shown = result.badRows.slice(0, LINES_IN_WARNING).map(formatBadRow);
      const more = result.skipped > shown.length ? `; … and ${result.skipped - shown.length} more` : '';
      ctx.log(`skipped ${result.skipped} bad row${result.skipped === 1 ? '' : 's'} in '${params.path}': ${shown.join('; ')}${more}`, 'warn');
    }
    if (result.rowsRead === 0) {
      ctx.log(`'${params.path}' has no data rows${result.skipped > 0 ? ' left after skipping bad rows' : ', only a header'}: the table is empty`, 'warn');
    }
    const threads = result.threads > 1 ? `, ${result.threads} threads` : '';
    ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}' (delimiter ${JSON.stringify(result.delimiter)}${threads})`);
    ctx.metric('rows', result.rowsRead);
    if (result.skipped > 0) ctx.metric('skipped_rows', result.skipped);
    return { table: { table: result.table, recipe: [] } };
  },
});
