import { defineNode, fitImpute, IMPUTE_STRATEGIES, missingCount, port, showWhen, z } from '../../core/sdk/index.js';
import { chooseColumns, columnListParam, fittingMask, short, targetParam, withStep } from './shared.js';

/** feature.impute's own type version: bump it when the node computes differently; add a migration when its params change. */
const IMPUTE_VERSION = 1;

export default defineNode({
  type: 'feature.impute',
  version: IMPUTE_VERSION,
  category: 'feature',
  title: 'Impute missing values',
  description: 'Fills missing values (null, NaN, ±Infinity) with a value computed on train rows: mean, median, most frequent, or a constant.',
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'All rows filled (numeric columns as Float64), the fill values added to the recipe.' }) },
  params: z
    .object({
      columns: columnListParam('Columns to fill (default: every column with missing values but the target)'),
      strategy: z
        .enum(IMPUTE_STRATEGIES)
        .optional()
        .describe('mean | median | mostFrequent | constant (default: mean for numeric columns, mostFrequent for text and booleans)'),
      // Shown, checked and passed to run only while strategy is 'constant'; otherwise it keeps its value in the file but does not apply.
      value: showWhen(z.union([z.number(), z.string()]).optional().describe("The fill value for strategy 'constant'"), { strategy: ['constant'] }),
      target: targetParam,
    })
    .superRefine((params, issues) => {
      if (params.strategy === 'constant' && params.value === undefined) {
        issues.addIssue({ code: 'custom', path: ['value'], message: "is required when strategy is 'constant'" });
      }
    }),
  async run({ inputs, params }, ctx) {
    const input = inputs.table;
    const table = input.table;
    const columns = chooseColumns(table, params, (column) => missingCount(table, column.name) > 0);
    if (columns.length === 0) ctx.log('no missing values in any column; nothing to impute');
    const mask = fittingMask(table, ctx);
    ctx.progress(0.3);
    const { fitted, info } = fitImpute(table, columns, { strategy: params.strategy, value: params.value }, mask);
    let filled = 0;
    for (const column of info) {
      filled += column.missing;
      ctx.log(`${column.name}: ${column.missing} missing value${column.missing === 1 ? '' : 's'} filled with ${short(column.value)} (${column.strategy})`);
    }
    ctx.metric('values_imputed', filled);
    ctx.metric('columns_imputed', columns.length);
    ctx.signal.throwIfAborted();
    return { table: withStep(input, 'feature.impute', { ...fitted }, ctx) };
  },
});
