import { defineNode, port, z, type JsonReadOptions, type JsonReadResult, type JsonSource } from '../../core/sdk/index.js';

interface JsonReaderNode {
  readonly type: 'data.json' | 'data.jsonl';
  readonly title: string;
  readonly description: string;
  readonly rows: string;
  readonly pathHelp: string;
  /** `import.meta.url` of the node's own file, for worker threads. */
  readonly module: string;
  readonly read: (source: JsonSource, options: JsonReadOptions) => Promise<JsonReadResult>;
}

/** data.json and data.jsonl: the same node around two readers. */
export function jsonReaderNode(spec: JsonReaderNode) {
  return defineNode({
    type: spec.type,
    version: 1,
    category: 'data',
    title: spec.title,
    description: spec.description,
    // A small file parses faster than a worker thread starts; a large one must not block the API.
    worker: { whenInputBytesOver: 4 * 1024 * 1024 },
    module: spec.module,
    inputs: {},
    outputs: { table: port('table', { description: spec.rows }) },
    params: z.object({
      path: z.string().min(1, 'a file path is required').describe(spec.pathHelp),
      // Optional in the params type too: hand-built params (tests, other nodes) may leave it out; the reader's default is the same.
      maxColumns: z
        .number()
        .int()
        .min(1)
        .default(10_000)
        .optional()
        .describe('Most columns (distinct keys over all records) the file may have (default 10,000); one more stops the run with an error. Raise this for genuinely wide data'),
    }),
    sourceFiles: (params) => [{ param: 'path', path: params.path }],
    async run({ params }, ctx) {
      const path = ctx.workspace.resolve(params.path, 'path');
      const result = await spec.read(
        { path, name: params.path },
        { signal: ctx.signal, onProgress: (fraction) => ctx.progress(fraction), maxColumns: params.maxColumns },
      );
      if (result.nestedColumns.length > 0) {
        ctx.log(`objects and arrays are kept as JSON text in column${result.nestedColumns.length === 1 ? '' : 's'} ${result.nestedColumns.map((name) => `'${name}'`).join(', ')}`);
      }
      ctx.log(`read ${result.rowsRead} rows × ${result.table.numCols} columns from '${params.path}'`);
      ctx.metric('rows', result.rowsRead);
      ctx.progress(1);
      return { table: { table: result.table, recipe: [] } };
    },
  });
}
