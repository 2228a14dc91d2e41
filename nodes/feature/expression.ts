import { defineNode, expressionParamProblem, fitExpression, port, z } from '../../core/sdk/index.js';
import { withStep } from './shared.js';

/** feature.expression's own type version: bump it when the node computes differently; add a migration when its params change. */
const EXPRESSION_VERSION = 1;

export default defineNode({
  type: 'feature.expression',
  version: EXPRESSION_VERSION,
  category: 'feature',
  title: 'Expression',
  description:
    'Computes a numeric column from others: + - * / % ^, parentheses, log exp sqrt abs min max pow round floor ceil clip; `backticks` quote other column names. Division by zero and log of 0 or less give null.',
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'The table with the computed column (Float64), the expression added to the recipe.' }) },
  params: z.object({
    name: z.string().min(1).describe('Name of the computed column (an existing column of that name is replaced in place)'),
    expression: z
      .string()
      .min(1)
      // Parsed here too, so that `tensorloom validate` refuses a syntax error or an
      // expression over the size limits (10,000 characters, 1,000 terms, 64 parentheses deep).
      .superRefine((expression, issues) => {
        const problem = expression === '' ? undefined : expressionParamProblem(expression);
        if (problem !== undefined) issues.addIssue({ code: 'custom', message: problem });
      })
      .describe('For example: bill_length_mm / bill_depth_mm, or log(`body mass` + 1)'),
  }),
  async run({ inputs, params }, ctx) {
    const input = inputs.table;
    const fitted = fitExpression(input.table, params.name, params.expression);
    const output = withStep(input, 'feature.expression', { ...fitted }, ctx);
    const nulls = output.table.getChild(params.name)?.nullCount ?? 0;
    if (nulls > 0) ctx.log(`${params.name}: ${nulls} of ${output.table.numRows} rows are null (a missing input, or no finite result such as x/0 or log of 0 or less)`);
    ctx.metric('null_values', nulls);
    return { table: output };
  },
});
