import { describe, expect, it } from 'vitest';
import { applyRecipe, columnNames, columnValues, SPLIT_COLUMN, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import { csvText, load, PENGUINS, split } from './test-support/fixtures.js';
import scaleNode from './scale.js';

async function scale(input: DataTable, params: Record<string, unknown> = {}) {
  const ctx = createTestContext({ nodeId: 'scale', nodeType: 'feature.scale' });
  const output = await scaleNode.run({ inputs: { table: input }, params: scaleNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

describe('feature.scale node', () => {
  it('declares described params with defaults', () => {
    expect(scaleNode.type).toBe('feature.scale');
    expect(scaleNode.category).toBe('feature');
    expect(scaleNode.params.parse({})).toEqual({ method: 'standard' });
    expect(scaleNode.params.safeParse({ method: 'zscore' }).success).toBe(false);
    expect(scaleNode.params.safeParse({ columns: [] }).success).toBe(false);
    expect(scaleNode.params.safeParse({ columns: ['a', 'a'] }).error?.issues[0]?.message).toBe("lists 'a' twice");
    for (const field of Object.values(scaleNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('scales every numeric column but the target with train-row statistics and appends the step', async () => {
    const input = await split(await load(PENGUINS), createTestContext());
    const { output, ctx } = await scale(input, { target: 'year' });
    const step = output.recipe.at(-1)!;
    expect(step).toMatchObject({ kind: 'feature.scale', nodeId: 'scale', version: 1 });
    const fitted = step.fitted as { method: string; columns: { name: string; center: number; scale: number }[] };
    expect(fitted.columns.map((column) => column.name)).toEqual(['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g']);
    // No leakage: the center is the mean of the train rows' values.
    const roles = columnValues(input.table, SPLIT_COLUMN, 'x');
    const masses = columnValues(input.table, 'body_mass_g', 'x');
    const train = masses.filter((value, row) => roles[row] === 'train' && value !== null) as number[];
    expect(fitted.columns[3]!.center).toBeCloseTo(train.reduce((a, b) => a + b, 0) / train.length, 9);
    expect(output.table.getChild('year')!.toJSON()).toEqual(input.table.getChild('year')!.toJSON());
    expect(columnNames(output.table)).toEqual(columnNames(input.table));
    expect(ctx.metrics).toContainEqual({ name: 'columns_scaled', value: 4, step: undefined });
    expect(ctx.logs.some((log) => log.level === 'warn')).toBe(false);
    // Replaying the recipe on the raw rows gives the node's output.
    expect(applyRecipe(input.table, output.recipe).getChild('body_mass_g')!.toJSON()).toEqual(output.table.getChild('body_mass_g')!.toJSON());
  });

  it('without a split, fits on all rows and warns', async () => {
    const { ctx } = await scale(await load(PENGUINS), { columns: ['bill_depth_mm'], method: 'robust' });
    expect(ctx.logs).toContainEqual({ level: 'warn', message: 'no split upstream: fitted on all rows' });
  });

  it('names the bad column: unknown (listing the columns), text, infinite, all-null, unknown target', async () => {
    const input = await load(PENGUINS);
    const unknown = await expectNodeError(scale(input, { columns: ['bill_length'] }));
    expect(unknown.message).toBe("column 'bill_length' not found (did you mean 'bill_length_mm'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year");
    expect(unknown.field).toBe('columns');
    expect((await expectNodeError(scale(input, { columns: ['species'] }))).message).toContain("column 'species' is text, not numeric");
    expect((await expectNodeError(scale(input, { target: 'Species' }))).field).toBe('target');
    const odd = await csvText('a,b\n1,\n2,\ninf,\n-inf,\n5,\n');
    const infinite = await expectNodeError(scale(odd, { columns: ['a'] }));
    expect(infinite.message).toMatch(/^column 'a' has 2 infinite values \(rows 2, 3\)/);
    const empty = await expectNodeError(scale(odd, { columns: ['b'] }));
    // A column of only missing cells (text, to the CSV reader) has nothing to fit on.
    expect(empty.message).toBe("column 'b' has no values on the 5 rows; impute it first or leave it out of columns");
    const nulls = await expectNodeError(scale(await split(await csvText(`a,b\n${'1,NA\n'.repeat(10)}`), createTestContext()), { columns: ['b'] }));
    expect(nulls.message).toBe("column 'b' has no values on the 8 train rows; impute it first or leave it out of columns");
    expect((await expectNodeError(scale(input, { columns: [SPLIT_COLUMN] }))).field).toBe('columns');
  });

  it('passes a table without numeric columns through with a warning', async () => {
    const { output, ctx } = await scale(await csvText('a,b\nx,y\n'));
    expect(output.table.getChild('a')!.toJSON()).toEqual(['x']);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: 'no numeric columns to scale; the table passes through unchanged' });
  });
});
