import { defineNode, NodeError, port, showWhen, streamTable, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'data.stream',
  version: 1,
  category: 'data',
  title: 'Stream',
  description:
    'Rows arriving continuously: an MQTT topic (QoS 1, persistent session), new files in a folder, or JSON rows POSTed to the app. In a streaming run (tensorloom watch --stream, or a stream trigger in the app) the pipeline runs once per micro-batch, and nothing is lost or duplicated across restarts; in a plain run it shows the next batch waiting, without consuming it.',
  module: import.meta.url,
  inputs: {},
  outputs: { table: port('table', { description: 'One micro-batch of rows, in the schema fixed by the first batch.' }) },
  params: z
    .object({
      source: z.enum(['mqtt', 'folder', 'http']).describe('mqtt: a broker topic; folder: new CSV, JSON Lines or Parquet files; http: rows POSTed to the app (POST /api/streams/ingest)'),
      url: showWhen(z.string().regex(/^mqtts?:\/\/\S+$/, 'an MQTT URL such as mqtt://127.0.0.1:1883').optional().describe('The broker, e.g. mqtt://127.0.0.1:1883'), { source: ['mqtt'] }),
      topic: showWhen(z.string().min(1).optional().describe('Topic (or filter such as sensors/+) to subscribe to with QoS 1'), { source: ['mqtt'] }),
      folder: showWhen(z.string().min(1).optional().describe('Folder to watch for new files, relative to the pipeline file'), { source: ['folder'] }),
      format: z.enum(['json', 'csv']).default('json').describe('Messages are JSON (an object or an array of objects) or CSV (a header line, then rows); folder files go by their extension'),
      idField: z
        .string()
        .min(1)
        .optional()
        .describe('The field that identifies a record: a record whose id was seen before is dropped (deduplication), one without it is a dead letter'),
      batchRows: z.number().int().min(1).max(1_000_000).default(1000).describe('A micro-batch closes at this many records'),
      batchSeconds: z.number().min(0.05).max(3600).default(5).describe('… or once its oldest record has waited this long (seconds)'),
    })
    .superRefine((params, issues) => {
      if (params.source === 'mqtt' && params.url === undefined) issues.addIssue({ code: 'custom', path: ['url'], message: "is required when source is 'mqtt'" });
      if (params.source === 'mqtt' && params.topic === undefined) issues.addIssue({ code: 'custom', path: ['topic'], message: "is required when source is 'mqtt'" });
      if (params.source === 'folder' && params.folder === undefined) issues.addIssue({ code: 'custom', path: ['folder'], message: "is required when source is 'folder'" });
    }),
  // Every run reads what the stream holds now: never served from the cache.
  cacheable: () => false,
  async run({ params }, ctx) {
    const read = await ctx.stream.read(params);
    for (const note of read.notes) ctx.log(note, note.startsWith('dead letter') ? 'warn' : 'info');
    if (read.columns.length === 0) throw new NodeError(`no records have arrived on this stream yet, so its columns are unknown; send some and run again`);
    const table = streamTable(read.columns, read.rows);
    ctx.log(
      read.batch === null
        ? `preview: the next ${table.numRows} rows waiting (${read.stats.backlog} stored, not yet processed); a plain run moves no offset`
        : `batch ${read.batch.id}: ${table.numRows} rows`,
    );
    ctx.metric('rows', table.numRows);
    ctx.metric('received', read.stats.received);
    ctx.metric('dead_letters', read.stats.deadLetters);
    ctx.metric('backlog', read.stats.backlog);
    ctx.metric('lag_ms', read.stats.lagMs);
    ctx.progress(1);
    return { table: { table, recipe: [] } };
  },
});
