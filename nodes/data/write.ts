import { APPEND_FORMATS, appendTable, defineNode, exportTable, FORMAT_EXTENSIONS, port, TABLE_FILE_FORMATS, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'data.write',
  version: 1,
  category: 'data',
  title: 'Write table to file',
  description: 'Writes the table (all rows and columns, the split column included) to a CSV, Parquet, JSON Lines or Arrow file in the workspace.',
  worker: { whenInputBytesOver: 4 * 1024 * 1024 },
  module: import.meta.url,
  inputs: { table: port('table', { description: 'The rows to write.' }) },
  outputs: { report: port('report', { description: 'What was written: path, format, rows, columns and bytes.' }) },
  params: z
    .object({
      path: z.string().min(1, 'a file path is required').describe('File to write, relative to the pipeline file; missing folders are made and an existing file is replaced'),
      format: z.enum(TABLE_FILE_FORMATS).describe('csv, parquet (zstd), jsonl (JSON Lines) or arrow (Arrow IPC / Feather v2, with the recipe)'),
      mode: z
        .enum(['replace', 'append'])
        .default('replace')
        // Optional in the params type too: hand-built params (tests, other nodes) may leave it out.
        .optional()
        .describe('replace: write the file anew; append (csv, jsonl): add the rows at its end, atomically, and in a streaming run once per micro-batch even when a batch is replayed'),
    })
    .superRefine((params, issues) => {
      if (params.mode === 'append' && !(APPEND_FORMATS as readonly string[]).includes(params.format)) {
        issues.addIssue({ code: 'custom', path: ['mode'], message: `append works for ${APPEND_FORMATS.join(' and ')}, not ${params.format}` });
      }
    }),
  // The file is this node's effect, and the cache cannot see it: deleted or edited since the
  // last run, it must be written again. So it runs every time; the nodes above it stay cached.
  cacheable: () => false,
  outputPaths: (params) => [{ param: 'path', path: params.path }],
  async run({ inputs, params }, ctx) {
    const path = ctx.workspace.resolveOutput(params.path, 'path');
    const extensions: readonly string[] | undefined = FORMAT_EXTENSIONS[params.format];
    const lower = params.path.toLowerCase();
    if (extensions && !extensions.some((extension) => lower.endsWith(extension))) {
      ctx.log(`'${params.path}' is written as ${params.format}, but its name does not end in ${extensions.join(' or ')}`, 'warn');
    }
    const { table } = inputs.table;
    if (params.mode === 'append' && (params.format === 'csv' || params.format === 'jsonl')) {
      const result = await appendTable(inputs.table, path, params.format, {
        name: params.path,
        batch: ctx.stream.batch,
        state: ctx.state,
        tempPath: ctx.artifacts.tempPath('append'),
        signal: ctx.signal,
      });
      if (result.rolledBack > 0) ctx.log(`rolled back ${result.rolledBack} bytes of an append to '${params.path}' that did not finish`, 'warn');
      if (!result.appended) ctx.log(`batch ${ctx.stream.batch} was appended to '${params.path}' before: not again`);
      else ctx.log(`appended ${table.numRows} rows × ${table.numCols} columns to '${params.path}' (${params.format}, ${result.bytes} bytes)`);
      const rows = result.appended ? table.numRows : 0;
      ctx.metric('rows', rows);
      ctx.progress(1);
      return { report: { path: params.path, format: params.format, mode: 'append' as string, rows, columns: table.numCols, bytes: result.bytes } };
    }
    const bytes = await exportTable(inputs.table, path, params.format, {
      name: params.path,
      signal: ctx.signal,
      onProgress: (fraction) => ctx.progress(fraction),
    });
    ctx.log(`wrote ${table.numRows} rows × ${table.numCols} columns to '${params.path}' (${params.format}, ${bytes} bytes)`);
    ctx.metric('rows', table.numRows);
    ctx.progress(1);
    return { report: { path: params.path, format: params.format, mode: 'replace' as string, rows: table.numRows, columns: table.numCols, bytes } };
  },
});
