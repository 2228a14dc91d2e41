import { defineNode, port, z } from '../../core/sdk/index.js';
import { columnListParam } from '../feature/shared.js';

export default defineNode({
  type: 'feature.store.write',
  version: 1,
  category: 'feature',
  title: 'Write feature view',
  description:
    "Appends the table's rows to a feature view in the workspace's feature store (offline, point-in-time correct for training) and brings the online table (latest values per entity, for serving) up to date. The table passes through unchanged.",
  worker: { whenInputBytesOver: 16 * 1024 * 1024 },
  module: import.meta.url,
  inputs: { table: port('table', { description: 'Feature rows: entity keys, an event time, feature values.' }) },
  outputs: { table: port('table', { description: 'The input table, unchanged.' }) },
  params: z.object({
    name: z.string().min(1, 'a view name is required').describe('The feature view to append to (created on first write; later writes must have the same columns)'),
    entity: z.array(z.string().min(1)).min(1, 'name at least one entity key column').describe('Entity key columns (e.g. customer_id)'),
    timestamp: z.string().min(1, 'the event-time column is required').describe('Event-time column: dates (ISO 8601) or epoch milliseconds'),
    ttl: z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w)\s*$/, "a duration such as '30d', '12h' or '90m'")
      .optional()
      .describe("How long a value stays valid after its time, e.g. '30d'; empty: forever"),
    features: columnListParam('Feature columns (default: every column other than the keys and the time)'),
  }),
  // The view in the store is this node's effect, which the cache cannot see: it writes every
  // time (rows already stored are recognised by their content hash and not added twice).
  cacheable: () => false,
  async run({ inputs, params }, ctx) {
    const { table } = inputs.table;
    ctx.progress(0.1, 'writing the view');
    const outcome = await ctx.features.write(table, params);
    const added = outcome.fresh ? `appended ${outcome.rows} rows to` : `these ${outcome.rows} rows were already in`;
    ctx.log(`${added} feature view '${outcome.view}'${outcome.created ? ' (new)' : ''}; ${outcome.materialized} entities updated online`);
    if (outcome.dropped > 0) ctx.log(`${outcome.dropped} rows without an entity key or timestamp were left out`, 'warn');
    ctx.metric('rows', outcome.rows);
    ctx.metric('entities_materialized', outcome.materialized);
    ctx.progress(1);
    return { table: inputs.table };
  },
});
