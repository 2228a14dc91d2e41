import { defineNode, port, z } from '../../core/sdk/index.js';

export default defineNode({
  type: 'feature.store.read',
  version: 1,
  category: 'feature',
  title: 'Join features (point in time)',
  description:
    "Adds feature view columns to an entity table (keys plus event times, e.g. label events): for each row the latest values of its entity at or before the row's time and within the view's TTL, never later ones; missing when none qualifies.",
  worker: { whenInputBytesOver: 16 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {
    entities: port('table', { description: "Entity keys and an event-time column (the views' key columns by name)." }),
    // The engine orders nodes by their wires only: this one makes the join wait for a write in the same pipeline.
    after: port('table', { optional: true, description: "Optional: a feature.store.write's output, so the join runs after that write." }),
  },
  outputs: { table: port('table', { description: 'The entity table plus the views’ feature columns.' }) },
  params: z.object({
    views: z.array(z.string().min(1)).min(1, 'name at least one feature view').describe('Feature views to join, in order'),
    timestamp: z.string().min(1, "the entity table's time column is required").describe("The entity table's event-time column: dates (ISO 8601) or epoch milliseconds"),
  }),
  // The answer depends on what the feature store holds now, which the cache key cannot see.
  cacheable: () => false,
  async run({ inputs, params }, ctx) {
    const { table, recipe } = inputs.entities;
    ctx.progress(0.1, 'joining');
    const joined = await ctx.features.read(table, params);
    const added = joined.numCols - table.numCols;
    let missing = 0;
    for (let k = table.numCols; k < joined.numCols; k++) missing = Math.max(missing, joined.getChildAt(k)?.nullCount ?? 0);
    ctx.log(`joined ${added} feature columns from ${params.views.join(', ')} onto ${table.numRows} rows; up to ${missing} rows have no value in time`);
    ctx.metric('rows', joined.numRows);
    ctx.metric('features', added);
    ctx.progress(1);
    return { table: { table: joined, recipe } };
  },
});
