import { describe, expect, it } from 'vitest';
import { applyRecipe, columnNames, columnValues, SPLIT_COLUMN, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import encodeNode from './encode.js';
import { csvText, load, PENGUINS, split, WEATHER } from './test-support/fixtures.js';

async function encode(input: DataTable, params: Record<string, unknown> = {}) {
  const ctx = createTestContext({ nodeId: 'enc', nodeType: 'feature.encode' });
  const output = await encodeNode.run({ inputs: { table: input }, params: encodeNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

describe('feature.encode node', () => {
  it('declares described params with defaults', () => {
    expect(encodeNode.params.parse({})).toEqual({ method: 'onehot', maxCategories: 50 });
    expect(encodeNode.params.safeParse({ maxCategories: 0 }).success).toBe(false);
    expect(encodeNode.params.safeParse({ method: 'binary' }).success).toBe(false);
    for (const field of Object.values(encodeNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('one-hot encodes every text column but the target, categories from train rows', async () => {
    const input = await split(await load(PENGUINS), createTestContext());
    const { output, ctx } = await encode(input, { target: 'species' });
    expect(columnNames(output.table)).toEqual([
      'species', 'island=Biscoe', 'island=Dream', 'island=Torgersen', 'bill_length_mm', 'bill_depth_mm',
      'flipper_length_mm', 'body_mass_g', 'sex=female', 'sex=male', 'year', SPLIT_COLUMN,
    ]);
    expect(output.recipe.at(-1)).toEqual({
      kind: 'feature.encode',
      nodeId: 'enc',
      version: 1,
      fitted: { method: 'onehot', columns: [{ name: 'island', categories: ['Biscoe', 'Dream', 'Torgersen'] }, { name: 'sex', categories: ['female', 'male'] }] },
    });
    expect(ctx.metrics).toContainEqual({ name: 'categories', value: 5, step: undefined });
    expect(ctx.logs).toContainEqual({ level: 'info', message: 'island: 3 categories' });
    expect(applyRecipe(input.table, output.recipe).getChild('sex=male')!.toJSON()).toEqual(output.table.getChild('sex=male')!.toJSON());
  });

  it('ordinal codes with maxCategories: the rest, and unseen values, are -1', async () => {
    const input = await split(await load(WEATHER), createTestContext());
    const { output, ctx } = await encode(input, { columns: ['weather'], method: 'ordinal', maxCategories: 2 });
    const categories = (output.recipe.at(-1)!.fitted as { columns: { categories: string[] }[] }).columns[0]!.categories;
    expect(categories).toEqual(['rain', 'sun']);
    const weather = columnValues(input.table, 'weather', 'x');
    columnValues(output.table, 'weather', 'x').forEach((code, row) => expect(code).toBe(categories.indexOf(weather[row] as string)));
    expect(ctx.logs.find((log) => log.level === 'warn')?.message).toBe('weather: 5 distinct values on train rows; kept the 2 most frequent, the other 3 encode as unknown');
  });

  it('names bad columns and refuses an all-missing one', async () => {
    const input = await load(PENGUINS);
    const unknown = await expectNodeError(encode(input, { columns: ['Island'] }));
    expect(unknown.message).toBe("column 'Island' not found (did you mean 'island'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year");
    const empty = await expectNodeError(encode(await csvText('a,b\nx,NA\ny,NA\n'), { columns: ['b'] }));
    expect(empty.message).toBe("column 'b' has no values on the 2 rows, so there is nothing to encode; impute it first or leave it out of columns");
  });
});
