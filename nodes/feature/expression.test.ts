import { describe, expect, it } from 'vitest';
import { validatePipeline } from '../../core/graph/index.js';
import { NodeRegistry } from '../../core/graph/registry.js';
import { applyRecipe, columnValues, fitExpression, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import csvNode from '../data/csv.js';
import expressionNode from './expression.js';
import { load, PENGUINS, split, WEATHER } from './test-support/fixtures.js';

async function expression(input: DataTable, params: Record<string, unknown>) {
  const ctx = createTestContext({ nodeId: 'expr', nodeType: 'feature.expression' });
  const output = await expressionNode.run({ inputs: { table: input }, params: expressionNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

describe('feature.expression node', () => {
  it('declares described, required params', () => {
    expect(expressionNode.params.safeParse({ name: 'x' }).success).toBe(false);
    expect(expressionNode.params.safeParse({ name: '', expression: '1' }).success).toBe(false);
    for (const field of Object.values(expressionNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('computes a column on all rows and records the expression', async () => {
    const input = await split(await load(WEATHER), createTestContext());
    const { output, ctx } = await expression(input, { name: 'temp_range', expression: 'temp_max - temp_min' });
    const max = columnValues(input.table, 'temp_max', 'x') as number[];
    const min = columnValues(input.table, 'temp_min', 'x') as number[];
    columnValues(output.table, 'temp_range', 'x').forEach((value, row) => expect(value).toBe(max[row]! - min[row]!));
    expect(output.recipe.at(-1)).toEqual({ kind: 'feature.expression', nodeId: 'expr', version: 1, fitted: { name: 'temp_range', expression: 'temp_max - temp_min' } });
    expect(ctx.metrics).toContainEqual({ name: 'null_values', value: 0, step: undefined });
    expect(ctx.logs.some((log) => log.level === 'warn')).toBe(false);
  });

  it('reports nulls from missing inputs and undefined results', async () => {
    const { output, ctx } = await expression(await load(PENGUINS), { name: 'odd', expression: 'log(bill_depth_mm - 18)' });
    const depth = columnValues(output.table, 'bill_depth_mm', 'x');
    const nulls = depth.filter((value) => value === null || (value as number) <= 18).length;
    expect(output.table.getChild('odd')!.nullCount).toBe(nulls);
    expect(ctx.logs).toContainEqual({ level: 'info', message: `odd: ${nulls} of 344 rows are null (a missing input, or no finite result such as x/0 or log of 0 or less)` });
    expect(applyRecipe((await load(PENGUINS)).table, output.recipe).getChild('odd')!.toJSON()).toEqual(output.table.getChild('odd')!.toJSON());
  });

  it('errors name the position, the unknown column (with the list) and text columns', async () => {
    const input = await load(PENGUINS);
    // The params schema refuses a syntax error first (below); fitting still checks it.
    const syntax = await expectNodeError(Promise.resolve().then(() => fitExpression(input.table, 'x', 'year * (2')));
    expect(syntax.message).toBe("expression: expected ')' to close the '(' at character 8, found end of expression at character 10");
    expect(syntax.field).toBe('expression');
    expect((await expectNodeError(expression(input, { name: 'x', expression: 'mass / 2' }))).message).toBe(
      "expression: unknown column 'mass' at character 1; columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year",
    );
    expect((await expectNodeError(expression(input, { name: 'x', expression: 'sex * 2' }))).message).toBe(
      "expression: column 'sex' at character 1 is text; expressions compute with numeric columns only",
    );
  });

  it('validation refuses syntax errors and expressions over the size limits, naming the param', () => {
    const registry = new NodeRegistry([csvNode, expressionNode]);
    const messages = (expression: string) => {
      const doc = {
        format: 'tensorloom/pipeline@1',
        name: 'e',
        nodes: [
          { id: 'load', type: 'data.csv', params: { path: 'p.csv' } },
          { id: 'expr', type: 'feature.expression', params: { name: 'x', expression } },
        ],
        edges: [{ from: 'load.table', to: 'expr.table' }],
      };
      const result = validatePipeline(doc as never, registry);
      return result.ok ? [] : result.issues.map((issue) => `${issue.field ?? ''}: ${issue.message}`);
    };
    const chain = (terms: number) => Array.from({ length: terms }, () => '1').join('+');
    expect(messages(chain(900))).toEqual([]);
    expect(messages('log(`body mass` + 1) / year')).toEqual([]);
    // Before, 4,001 terms passed validation and failed the run with "Maximum call stack size exceeded".
    expect(messages(chain(4001))).toEqual(["expression: node 'expr': param 'expression' has 4,001 terms, more than the limit of 1,000"]);
    expect(messages(`${'('.repeat(100)}1${')'.repeat(100)}`)).toEqual([
      "expression: node 'expr': param 'expression' nests parentheses 100 levels deep, more than the limit of 64",
    ]);
    expect(messages('x'.repeat(10 * 1024 * 1024))).toEqual([
      "expression: node 'expr': param 'expression' is 10,485,760 characters long, more than the limit of 10,000",
    ]);
    expect(messages('year * (2')).toEqual([
      "expression: node 'expr': param 'expression' is not a valid expression: expected ')' to close the '(' at character 8, found end of expression at character 10",
    ]);
    expect(messages('')).toEqual(["expression: node 'expr': param 'expression' must not be empty"]);
  });

  it('computes a 900-term expression on real rows', async () => {
    const input = await load(PENGUINS);
    const terms = Array.from({ length: 900 }, () => 'year').join(' - ');
    const { output } = await expression(input, { name: 'x', expression: `${terms} + 1000 * year` });
    const year = columnValues(input.table, 'year', 'x') as number[];
    expect(columnValues(output.table, 'x', 'x')).toEqual(year.map((y) => 102 * y));
    const replayed = applyRecipe((await load(PENGUINS)).table, output.recipe);
    expect(replayed.getChild('x')!.toJSON()).toEqual(output.table.getChild('x')!.toJSON());
  });
});
