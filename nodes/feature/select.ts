import { columnNames, defineNode, fitSelect, port, SPLIT_COLUMN, z } from '../../core/sdk/index.js';
import { columnListParam, withStep } from './shared.js';

/** feature.select's own type version: bump it when the node computes differently; add a migration when its params change. */
const SELECT_VERSION = 1;

export default defineNode({
  type: 'feature.select',
  version: SELECT_VERSION,
  category: 'feature',
  title: 'Select columns',
  description: `Keeps the listed columns (or drops the listed ones); the '${SPLIT_COLUMN}' column always stays. Serving drops extra fields the same way.`,
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'The kept columns, the selection added to the recipe.' }) },
  params: z
    .object({
      columns: columnListParam('Columns to keep (give this or drop)'),
      drop: columnListParam('Columns to drop (give this or columns)'),
    })
    .superRefine((params, issues) => {
      if ((params.columns === undefined) === (params.drop === undefined)) {
        issues.addIssue({ code: 'custom', path: ['columns'], message: "give exactly one of 'columns' (to keep) and 'drop'" });
      }
    }),
  async run({ inputs, params }, ctx) {
    const input = inputs.table;
    const fitted = fitSelect(input.table, params);
    const before = columnNames(input.table).filter((name) => name !== SPLIT_COLUMN);
    const dropped = before.filter((name) => !fitted.keep.includes(name));
    ctx.log(`kept ${fitted.keep.length} of ${before.length} columns${dropped.length > 0 ? `; dropped ${dropped.join(', ')}` : ''}`);
    ctx.metric('columns_kept', fitted.keep.length);
    return { table: withStep(input, 'feature.select', { ...fitted }, ctx) };
  },
});
