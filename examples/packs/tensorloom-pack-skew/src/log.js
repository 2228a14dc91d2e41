/**
 * skew.log: replaces numeric columns with log(1 + x - min), where min is each column's
 * smallest value on the train rows (fitted there only: no leakage). The fitted minimums
 * become a recipe step of kind `skew.log`, which predict.batch, the model server and
 * exported images replay on raw rows; values below the fitted minimum count as the minimum.
 */
import {
  applyStep,
  columnAsFloat64,
  defineNode,
  findInput,
  float64Data,
  indexOfColumn,
  isRecipeError,
  newColumn,
  NO_SPLIT_WARNING,
  NodeError,
  numericValues,
  port,
  trainRowMask,
  wrongTypeError,
  z,
} from 'tensorloom/sdk';

/** The fitted format's version: bump it (and keep replaying older ones) when the fitted JSON changes. */
const STEP_VERSION = 1;

const fittedSchema = z.object({
  columns: z.array(z.object({ column: z.string().min(1), name: z.string().min(1), min: z.number() })).min(1),
});

/** The step kind: parse the fitted JSON, replay it on columns, and say what it reads and writes. */
export const logStep = {
  kind: 'skew.log',
  version: STEP_VERSION,
  parse: (fitted) => fittedSchema.parse(fitted),
  apply(columns, fitted, context) {
    const out = [...columns];
    for (const { column, name, min } of fitted.columns) {
      const index = findInput(out, column, context);
      // A column allowed to be absent (the label, when predicting): so is its output.
      if (index === undefined) continue;
      const values = numericValues(out[index].data);
      if (!values) throw wrongTypeError(context, out[index], 'takes the log of numbers');
      for (let row = 0; row < values.length; row++) {
        const value = values[row];
        values[row] = Number.isNaN(value) ? NaN : Math.log1p(Math.max(0, value - min));
      }
      const result = newColumn(name, float64Data(values));
      const at = indexOfColumn(out, name);
      if (at >= 0) out[at] = result;
      else out.push(result);
    }
    return out;
  },
  flows: (fitted) => fitted.columns.map(({ column, name }) => ({ reads: [{ name: column, type: 'number' }], writes: [name] })),
};

export default defineNode({
  type: 'skew.log',
  version: 1,
  category: 'feature',
  title: 'Log transform',
  description: 'Replaces long-tailed numeric columns with log(1 + x - min), min fitted on the train rows.',
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'The columns log-transformed, the fitted step added to the recipe.' }) },
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).describe('Numeric columns to transform'),
    suffix: z.string().default('').describe("Write to '<column><suffix>' and keep the original; empty: replace the column"),
  }),
  async run({ inputs, params }, ctx) {
    const { table, recipe } = inputs.table;
    const { mask, trainRows } = trainRowMask(table);
    if (mask === null) ctx.log(NO_SPLIT_WARNING, 'warn');
    else if (trainRows === 0) throw new NodeError('the split column marks no row as train; check the split upstream', { field: 'table' });
    const fitted = [];
    for (const column of params.columns) {
      // A NodeError naming the param when the column is missing or not numeric.
      const values = columnAsFloat64(table, column, 'columns');
      let min = Infinity;
      for (let row = 0; row < values.length; row++) {
        if ((mask === null || mask[row]) && !Number.isNaN(values[row]) && values[row] < min) min = values[row];
      }
      if (min === Infinity) throw new NodeError(`column '${column}' has no value on the train rows to fit on`, { field: 'columns' });
      fitted.push({ column, name: `${column}${params.suffix}`, min });
      ctx.log(`${column}: min ${min}`);
    }
    ctx.metric('columns_logged', fitted.length);
    const step = { kind: 'skew.log', nodeId: ctx.nodeId, version: STEP_VERSION, fitted: { columns: fitted } };
    try {
      return { table: { table: applyStep(table, step), recipe: [...recipe, step] } };
    } catch (error) {
      if (isRecipeError(error)) throw new NodeError(error.message, { field: 'columns' });
      throw error;
    }
  },
});
