import { defineNode, ENCODE_METHODS, fitEncode, port, z } from '../../core/sdk/index.js';
import { chooseColumns, columnListParam, fittingMask, targetParam, withStep } from './shared.js';

/** feature.encode's own type version: bump it when the node computes differently; add a migration when its params change. */
const ENCODE_VERSION = 1;

export default defineNode({
  type: 'feature.encode',
  version: ENCODE_VERSION,
  category: 'feature',
  title: 'Encode categories',
  description: 'Turns category columns into numbers (one-hot or ordinal codes), with the categories seen on train rows.',
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'All rows encoded, the fitted categories added to the recipe.' }) },
  params: z.object({
    columns: columnListParam('Columns to encode (default: every text column but the target)'),
    method: z
      .enum(ENCODE_METHODS)
      .default('onehot')
      .describe("onehot: one 0/1 column per category, named 'column=category'; ordinal: one column of codes 0..k-1 (-1 for unknown)"),
    maxCategories: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(50)
      .describe('Keep at most this many categories per column, the most frequent on train rows; the rest encode as unknown'),
    target: targetParam,
  }),
  async run({ inputs, params }, ctx) {
    const input = inputs.table;
    const columns = chooseColumns(input.table, params, (column) => column.kind === 'string');
    if (columns.length === 0) ctx.log('no text columns to encode; the table passes through unchanged', 'warn');
    const mask = fittingMask(input.table, ctx);
    ctx.progress(0.3);
    const { fitted, info } = fitEncode(input.table, columns, params.method, params.maxCategories, mask);
    let categories = 0;
    for (const column of info) {
      categories += column.distinct - column.dropped;
      ctx.log(`${column.name}: ${column.distinct - column.dropped} categories`);
      if (column.dropped > 0) {
        ctx.log(`${column.name}: ${column.distinct} distinct values on train rows; kept the ${params.maxCategories} most frequent, the other ${column.dropped} encode as unknown`, 'warn');
      }
      if (column.unknownRows > 0) ctx.log(`${column.name}: ${column.unknownRows} rows have a value outside the kept categories (encoded as unknown)`);
    }
    ctx.metric('columns_encoded', columns.length);
    ctx.metric('categories', categories);
    ctx.signal.throwIfAborted();
    return { table: withStep(input, 'feature.encode', { ...fitted }, ctx) };
  },
});
