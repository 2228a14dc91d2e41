import { defineNode, NodeError, parseDuration, predictionLogTable, readPredictionLog, port, z } from '../../core/sdk/index.js';

/** since/until/last as an epoch-ms window; each problem names its param. */
export function logWindow(params: { since?: string | undefined; until?: string | undefined; last?: string | undefined }, now = Date.now()): { since?: number; until?: number } {
  const date = (field: 'since' | 'until', text: string | undefined) => {
    if (text === undefined) return undefined;
    const value = Date.parse(text);
    if (Number.isNaN(value)) throw new NodeError(`param '${field}': '${text}' is not a date and time; write ISO 8601, e.g. 2024-05-01T12:00:00Z`, { field });
    return value;
  };
  if (params.last !== undefined && params.since !== undefined) throw new NodeError(`param 'last': give either 'last' or 'since', not both`, { field: 'last' });
  let since = date('since', params.since);
  const until = date('until', params.until);
  if (params.last !== undefined) {
    const span = parseDuration(params.last);
    if (span === undefined) throw new NodeError(`param 'last': '${params.last}' is not a duration; write a number and a unit: 90s, 15m, 24h, 7d, 2w`, { field: 'last' });
    since = (until ?? now) - span;
  }
  if (since !== undefined && until !== undefined && since >= until) throw new NodeError(`param 'until': the window is empty (${new Date(since).toISOString()} is not before ${new Date(until).toISOString()})`, { field: 'until' });
  return { ...(since === undefined ? {} : { since }), ...(until === undefined ? {} : { until }) };
}

export default defineNode({
  type: 'data.predictionLog',
  version: 1,
  category: 'data',
  title: 'Prediction log',
  description: "Reads a model server's prediction log (tensorloom serve --log-dir) for a time window: one row per predicted row, with the features as logged, the prediction, probabilities, and the feedback label joined by request id.",
  inputs: {},
  outputs: { table: port('table', { description: 'Features as logged, prediction, probability_<class>, label (feedback; empty when none), id, row, time, version, latency_ms.' }) },
  params: z.object({
    path: z.string().min(1, 'the log folder is required').describe("The server's log folder, relative to the pipeline file (tensorloom serve writes .tensorloom/predictions/<model>/)"),
    last: z.string().optional().describe('Only the most recent span: 90s, 15m, 24h, 7d (ending now, or at until)'),
    since: z.string().optional().describe('Only records at or after this time (ISO 8601)'),
    until: z.string().optional().describe('Only records before this time (ISO 8601)'),
    allowEmpty: z.boolean().default(false).describe('An empty window gives an empty table instead of an error'),
  }),
  // The log grows and `last` moves with the clock: every run reads it again.
  cacheable: () => false,
  async run({ params }, ctx) {
    const window = logWindow(params);
    const dir = ctx.workspace.resolve(params.path, 'path');
    let contents;
    try {
      contents = await readPredictionLog(dir, window, ctx.signal);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new NodeError(`param 'path': no log folder at '${params.path}'; the server writes it when it answers its first request (tensorloom serve --log-dir, default .tensorloom/predictions/<model>/)`, { field: 'path' });
      if (code === 'ENOTDIR') throw new NodeError(`param 'path': '${params.path}' is a file; pass the log folder`, { field: 'path' });
      throw error;
    }
    const { corrupt } = contents;
    if (corrupt.predictions + corrupt.feedback > 0) ctx.log(`skipped ${corrupt.predictions} corrupt prediction line(s) and ${corrupt.feedback} corrupt feedback line(s)`, 'warn');
    ctx.metric('corruptLines', corrupt.predictions + corrupt.feedback);
    if (contents.records.length === 0 && !params.allowEmpty) {
      const held = contents.first === undefined ? 'the log holds no predictions yet' : `the log holds ${contents.outside} request(s) from ${contents.first} to ${contents.last}`;
      throw new NodeError(`no predictions in the window${window.since === undefined ? '' : ` from ${new Date(window.since).toISOString()}`}${window.until === undefined ? '' : ` until ${new Date(window.until).toISOString()}`}: ${held}; widen the window or set allowEmpty`, { field: params.last === undefined ? 'since' : 'last' });
    }
    const { table, rows, labeled, versions } = predictionLogTable(contents);
    ctx.log(`read ${contents.records.length} request(s), ${rows} row(s) (${labeled} with a feedback label) of version(s) ${versions.join(', ') || '–'} from ${contents.files} file(s)`);
    ctx.metric('rows', rows);
    ctx.metric('labeled', labeled);
    ctx.progress(1);
    return { table: { table, recipe: [] } };
  },
});
