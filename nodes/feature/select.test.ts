import { describe, expect, it } from 'vitest';
import { applyRecipe, columnNames, SPLIT_COLUMN, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import { load, PENGUINS, split } from './test-support/fixtures.js';
import selectNode from './select.js';

async function select(input: DataTable, params: Record<string, unknown>) {
  const ctx = createTestContext({ nodeId: 'pick', nodeType: 'feature.select' });
  const output = await selectNode.run({ inputs: { table: input }, params: selectNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

describe('feature.select node', () => {
  it('takes exactly one of columns and drop', () => {
    expect(selectNode.params.safeParse({}).error?.issues[0]).toMatchObject({ path: ['columns'], message: "give exactly one of 'columns' (to keep) and 'drop'" });
    expect(selectNode.params.safeParse({ columns: ['a'], drop: ['b'] }).success).toBe(false);
    expect(selectNode.params.safeParse({ drop: ['b'] }).success).toBe(true);
    for (const field of Object.values(selectNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('keeps the listed columns and the split; replay drops extra fields', async () => {
    const input = await split(await load(PENGUINS), createTestContext());
    const { output, ctx } = await select(input, { columns: ['species', 'body_mass_g'] });
    expect(columnNames(output.table)).toEqual(['species', 'body_mass_g', SPLIT_COLUMN]);
    expect(output.recipe.at(-1)).toEqual({ kind: 'feature.select', nodeId: 'pick', version: 1, fitted: { keep: ['species', 'body_mass_g'] } });
    expect(ctx.logs[ctx.logs.length - 1]!.message).toBe('kept 2 of 8 columns; dropped island, bill_length_mm, bill_depth_mm, flipper_length_mm, sex, year');
    expect(columnNames(applyRecipe((await load(PENGUINS)).table, output.recipe))).toEqual(['species', 'body_mass_g']);
  });

  it('drop keeps the rest; unknown names list the columns', async () => {
    const input = await load(PENGUINS);
    const { output } = await select(input, { drop: ['year', 'island'] });
    expect(columnNames(output.table)).toEqual(['species', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
    const error = await expectNodeError(select(input, { drop: ['Year'] }));
    expect(error.message).toBe("column 'Year' not found (did you mean 'year'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year");
    expect(error.field).toBe('drop');
  });
});
