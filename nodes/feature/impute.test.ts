import { describe, expect, it } from 'vitest';
import { applyRecipe, columnNames, columnValues, SPLIT_COLUMN, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import { csvText, load, PENGUINS, split } from './test-support/fixtures.js';
import imputeNode from './impute.js';

async function impute(input: DataTable, params: Record<string, unknown> = {}) {
  const ctx = createTestContext({ nodeId: 'fill', nodeType: 'feature.impute' });
  const output = await imputeNode.run({ inputs: { table: input }, params: imputeNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

describe('feature.impute node', () => {
  it('declares described params; constant needs a value', () => {
    expect(imputeNode.params.parse({})).toEqual({});
    const noValue = imputeNode.params.safeParse({ strategy: 'constant' });
    expect(noValue.error?.issues[0]).toMatchObject({ path: ['value'], message: "is required when strategy is 'constant'" });
    expect(imputeNode.params.safeParse({ strategy: 'constant', value: 0 }).success).toBe(true);
    for (const field of Object.values(imputeNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('fills every column with missing values, mean for numbers and most frequent for text, from train rows', async () => {
    const input = await split(await load(PENGUINS), createTestContext());
    const { output, ctx } = await impute(input);
    const fitted = output.recipe.at(-1)!.fitted as { strategy: string; columns: { name: string; value: number | string }[] };
    expect(fitted.strategy).toBe('auto');
    expect(fitted.columns.map((column) => column.name)).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex']);
    const roles = columnValues(input.table, SPLIT_COLUMN, 'x');
    const depths = columnValues(input.table, 'bill_depth_mm', 'x').filter((value, row) => roles[row] === 'train' && value !== null) as number[];
    expect(fitted.columns[1]!.value).toBeCloseTo(depths.reduce((a, b) => a + b, 0) / depths.length, 10);
    for (const name of columnNames(output.table)) expect(output.table.getChild(name)!.nullCount).toBe(0);
    expect(ctx.metrics).toContainEqual({ name: 'values_imputed', value: 2 * 4 + 11, step: undefined });
    expect(ctx.logs).toContainEqual({ level: 'info', message: `sex: 11 missing values filled with '${String(fitted.columns[4]!.value)}' (mostFrequent)` });
    expect(applyRecipe(input.table, output.recipe).getChild('sex')!.toJSON()).toEqual(output.table.getChild('sex')!.toJSON());
  });

  it('leaves the target out of the default columns and warns without a split', async () => {
    const { output, ctx } = await impute(await load(PENGUINS), { target: 'sex', strategy: 'median' });
    expect((output.recipe.at(-1)!.fitted as { columns: { name: string }[] }).columns.map((c) => c.name)).not.toContain('sex');
    expect(output.table.getChild('sex')!.nullCount).toBe(11);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: 'no split upstream: fitted on all rows' });
  });

  it('treats infinite values as missing', async () => {
    const { output, ctx } = await impute(await csvText('a,b\n1,x\ninf,y\n3,\n-inf,y\n'));
    expect(output.table.getChild('a')!.toJSON()).toEqual([1, 2, 3, 2]);
    expect(output.table.getChild('b')!.toJSON()).toEqual(['x', 'y', 'y', 'y']);
    expect(ctx.metrics).toContainEqual({ name: 'values_imputed', value: 3, step: undefined });
  });

  it('names the problem: text with mean, an all-null column, an unknown column', async () => {
    const input = await split(await load(PENGUINS), createTestContext());
    const text = await expectNodeError(impute(input, { columns: ['sex'], strategy: 'mean' }));
    expect(text.message).toBe("column 'sex' is text; strategy 'mean' needs numbers: use 'mostFrequent' or 'constant' for it");
    expect(text.field).toBe('strategy');
    const empty = await expectNodeError(impute(await csvText('a,b\n1,NA\n2,NA\n')));
    expect(empty.message).toBe("column 'b' has no values on the 2 rows, so 'mean' has nothing to compute; use strategy 'constant' or leave it out of columns");
    const { output } = await impute(await csvText('a,b\n1,NA\n2,NA\n'), { columns: ['b'], strategy: 'constant', value: 'none' });
    expect(output.table.getChild('b')!.toJSON()).toEqual(['none', 'none']);
    const unknown = await expectNodeError(impute(input, { columns: ['mass'] }));
    expect(unknown.message).toMatch(/^column 'mass' not found; columns are: species, island, /);
  });
});
