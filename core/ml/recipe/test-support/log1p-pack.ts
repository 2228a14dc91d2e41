/**
 * A node pack's step kind and the feature node that fits it, written the way a pack author
 * would: against the SDK only. `test.log1p` writes `log(1 + x)` of a numeric column into a
 * new column (or over its namesake). Tests register it with `registerStepKind`, as the pack
 * loader will.
 */
import {
  applyStep,
  defineNode,
  findInput,
  float64Data,
  indexOfColumn,
  isRecipeError,
  newColumn,
  NodeError,
  numericValues,
  port,
  requireColumn,
  wrongTypeError,
  z,
  type Column,
  type RecipeStep,
  type StepKind,
} from '../../../sdk/index.js';

export interface Log1pFitted {
  readonly column: string;
  readonly name: string;
}

const fittedSchema = z.object({ column: z.string().min(1), name: z.string().min(1) });

export const log1pStep: StepKind<Log1pFitted> = {
  kind: 'test.log1p',
  version: 1,
  pack: 'tensorloom-test-pack',
  parse: (fitted) => fittedSchema.parse(fitted),
  apply(columns, fitted, context) {
    const index = findInput(columns, fitted.column, context);
    // The input may be absent (the label, at prediction time): then so is the output.
    if (index === undefined) return [...columns];
    const column = columns[index]!;
    const values = numericValues(column.data);
    if (!values) throw wrongTypeError(context, column, 'takes log1p of numbers');
    for (let row = 0; row < values.length; row++) values[row] = Math.log1p(values[row]!);
    const out: Column[] = [...columns];
    const result = newColumn(fitted.name, float64Data(values));
    const at = indexOfColumn(out, fitted.name);
    if (at >= 0) out[at] = result;
    else out.push(result);
    return out;
  },
  flows: (fitted) => [{ reads: [{ name: fitted.column, type: 'number' }], writes: [fitted.name] }],
};

/** The pack's feature node: nothing to fit, so it records the step and replays it through the recipe runtime. */
export const log1pNode = defineNode({
  type: 'test.log1p',
  version: 1,
  category: 'feature',
  title: 'log(1 + x)',
  description: 'Adds log(1 + x) of a numeric column.',
  inputs: { table: port('table') },
  outputs: { table: port('table') },
  params: z.object({ column: z.string().min(1).describe('Numeric column'), name: z.string().min(1).describe('Output column') }),
  async run({ inputs, params }, ctx) {
    requireColumn(inputs.table.table, params.column, 'column');
    const step: RecipeStep = { kind: 'test.log1p', nodeId: ctx.nodeId, version: 1, fitted: { column: params.column, name: params.name } };
    try {
      return { table: { table: applyStep(inputs.table.table, step), recipe: [...inputs.table.recipe, step] } };
    } catch (error) {
      if (isRecipeError(error)) throw new NodeError(error.message, { field: 'column' });
      throw error;
    }
  },
});
