import { applyRecipe, columnNames, defineNode, isRecipeError, NodeError, port, SPLIT_COLUMN, z } from '../../core/sdk/index.js';
import { columnListParam } from './shared.js';

/** feature.apply's own type version: bump it when the node computes differently; add a migration when its params change. */
const APPLY_VERSION = 1;

/**
 * Replays fitted feature steps on other rows without refitting them (KNIME's "(Apply)"
 * nodes, scikit-learn's `transform` after `fit`): a stream's micro-batches, or new rows to
 * score, go through the recipe the training branch fitted, so downstream nodes
 * (predict.batch, eval.model, monitor.drift) see them exactly as the model's own rows.
 */
export default defineNode({
  type: 'feature.apply',
  version: APPLY_VERSION,
  category: 'feature',
  title: 'Apply recipe',
  description:
    'Replays the fitted feature steps of another table (e.g. the training branch’s last feature node) on new rows, without refitting: a stream’s batches or rows to score get the same preprocessing as the training data.',
  inputs: {
    fitted: port('table', { description: 'A table whose recipe (its fitted feature steps) is replayed, e.g. the last feature node of the training branch.' }),
    table: port('table', { description: 'Raw rows (no feature steps yet) to transform.' }),
  },
  outputs: { table: port('table', { description: 'The rows transformed by the fitted steps, carrying the same recipe (predict.batch uses them as is).' }) },
  params: z.object({
    optional: columnListParam('Columns the rows may lack (e.g. the label): steps fitted with them skip them instead of failing'),
  }),
  async run({ inputs, params }, ctx) {
    const { recipe } = inputs.fitted;
    const rows = inputs.table;
    if (rows.recipe.length > 0) {
      const steps = rows.recipe.map((step) => `${step.nodeId} (${step.kind})`).join(' → ');
      throw new NodeError(`the rows on 'table' went through feature steps already (${steps}); connect raw rows, e.g. straight from the data node`, { field: 'table' });
    }
    if (recipe.length === 0) ctx.log("the 'fitted' table has no feature steps: the rows pass through unchanged", 'warn');
    let table;
    try {
      table = applyRecipe(rows.table, recipe, { absentOk: new Set(params.optional ?? []) });
    } catch (error) {
      if (isRecipeError(error)) {
        const hint = error.column !== undefined && !columnNames(rows.table).includes(error.column) ? `; add '${error.column}' to 'optional' if these rows may lack it` : '';
        throw new NodeError(`${error.message}${hint}`, { field: 'table' });
      }
      throw error;
    }
    ctx.signal.throwIfAborted();
    const shown = recipe.map((step) => step.nodeId).join(' → ');
    ctx.log(`replayed ${recipe.length} fitted step${recipe.length === 1 ? '' : 's'}${recipe.length > 0 ? ` (${shown})` : ''} on ${table.numRows} rows`);
    if (columnNames(table).includes(SPLIT_COLUMN)) ctx.log(`the rows carry a '${SPLIT_COLUMN}' column; it passes through untouched`);
    ctx.metric('rows', table.numRows);
    ctx.metric('steps', recipe.length);
    return { table: { table, recipe } };
  },
});
