import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { columnNames, columnValues, readCsv, SPLIT_COLUMN, type DataTable, type RecipeStep } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import splitNode from './split.js';

const PENGUINS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'data', 'penguins.csv');
const recipe: RecipeStep[] = [{ kind: 'feature.test', nodeId: 'f', version: 1, fitted: { a: 1 } }];

async function penguins(): Promise<DataTable> {
  return { table: (await readCsv({ path: PENGUINS })).table, recipe };
}

async function fromText(text: string): Promise<DataTable> {
  return { table: (await readCsv({ bytes: new TextEncoder().encode(text), name: 't.csv' })).table, recipe: [] };
}

async function split(input: DataTable, params: Record<string, unknown> = {}, ctx = createTestContext({ nodeType: 'data.split' })) {
  const output = await splitNode.run({ inputs: { table: input }, params: splitNode.params.parse(params) }, ctx);
  const roles = columnValues(output.table.table, SPLIT_COLUMN, 'x') as string[];
  const count = (role: string) => roles.filter((r) => r === role).length;
  return { output, roles, ctx, counts: { train: count('train'), validation: count('validation'), test: count('test') } };
}

describe('data.split node', () => {
  it('declares its params with limits and defaults', () => {
    expect(splitNode.type).toBe('data.split');
    expect(splitNode.params.parse({})).toEqual({ test: 0.2, validation: 0, seed: 0 });
    expect(splitNode.params.safeParse({ test: 0.95 }).success).toBe(false);
    expect(splitNode.params.safeParse({ validation: 0.6 }).success).toBe(false);
    expect(splitNode.params.safeParse({ seed: 1.5 }).success).toBe(false);
    for (const field of Object.values(splitNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('marks 20% of the penguins as test, keeps every column and the recipe', async () => {
    const input = await penguins();
    const { output, counts, ctx } = await split(input);
    expect(counts).toEqual({ train: 275, validation: 0, test: 69 });
    expect(columnNames(output.table.table)).toEqual([...columnNames(input.table), SPLIT_COLUMN]);
    expect(output.table.recipe).toBe(input.recipe);
    expect(output.table.table.getChild('species')!.toJSON()).toEqual(input.table.getChild('species')!.toJSON());
    expect(ctx.metrics).toContainEqual({ name: 'test_rows', value: 69, step: undefined });
  });

  it('is deterministic for a seed and changes with it', async () => {
    const input = await penguins();
    const a = await split(input, { seed: 7 });
    const b = await split(input, { seed: 7 });
    const c = await split(input, { seed: 8 });
    expect(b.roles).toEqual(a.roles);
    expect(c.roles).not.toEqual(a.roles);
  });

  it('makes train, validation and test parts', async () => {
    const { counts } = await split(await penguins(), { test: 0.2, validation: 0.1, seed: 3 });
    expect(counts).toEqual({ train: 241, validation: 34, test: 69 });
  });

  it('keeps class proportions when stratified, missing values as their own class', async () => {
    const input = await penguins();
    const { roles } = await split(input, { stratifyBy: 'sex', test: 0.2, seed: 1 });
    const sex = columnValues(input.table, 'sex', 'x');
    const tested = (value: unknown) => sex.filter((s, row) => s === value && roles[row] === 'test').length;
    // 168 male, 165 female, 11 NA.
    expect(tested('male')).toBe(34);
    expect(tested('female')).toBe(33);
    expect(tested(null)).toBe(2);

    const species = columnValues(input.table, 'species', 'x');
    const bySpecies = await split(input, { stratifyBy: 'species', test: 0.25, validation: 0.1, seed: 2 });
    for (const name of ['Adelie', 'Gentoo', 'Chinstrap']) {
      const rows = species.map((s, row) => (s === name ? row : -1)).filter((row) => row >= 0);
      const share = rows.filter((row) => bySpecies.roles[row] === 'test').length / rows.length;
      expect(Math.abs(share - 0.25)).toBeLessThan(0.01);
    }
  });

  it('gives every class of two rows or more a test row', async () => {
    const text = `label,x\n${['a', 'a', 'b', 'b', 'b', 'c', ...Array(20).fill('d')].map((label, k) => `${label},${k}`).join('\n')}\n`;
    const input = await fromText(text);
    const { roles } = await split(input, { stratifyBy: 'label', test: 0.1 });
    const labels = columnValues(input.table, 'label', 'x');
    const testLabels = new Set(labels.filter((_, row) => roles[row] === 'test'));
    expect(testLabels).toEqual(new Set(['a', 'b', 'd']));
    expect(roles[labels.indexOf('c')]).toBe('train');
  });

  it('replaces an existing split column, with a warning', async () => {
    const input = await penguins();
    const first = await split(input, { seed: 1 });
    const again = await split(first.output.table, { seed: 2 });
    expect(columnNames(again.output.table.table).filter((name) => name === SPLIT_COLUMN)).toHaveLength(1);
    expect(again.roles).not.toEqual(first.roles);
    expect(again.ctx.logs).toContainEqual({ level: 'warn', message: `the input already has a '${SPLIT_COLUMN}' column; replacing it with this split` });
  });

  it('names a missing stratify column and lists the columns', async () => {
    const error = await expectNodeError(split(await penguins(), { stratifyBy: 'Species' }));
    expect(error.field).toBe('stratifyBy');
    expect(error.message).toBe(
      "column 'Species' not found (did you mean 'species'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year",
    );
  });

  it('refuses test + validation of 0.95 or more', async () => {
    const error = await expectNodeError(split(await penguins(), { test: 0.5, validation: 0.45 }));
    expect(error.field).toBe('test');
    expect(error.message).toContain('keep it below 0.95');
  });

  it('refuses an empty table and too few rows', async () => {
    expect((await expectNodeError(split(await fromText('a,b\n')))).message).toContain('no rows to split');
    const one = await expectNodeError(split(await fromText('a\n1\n')));
    expect(one.message).toBe('1 row is too few for this split: no row left for test; lower test/validation or use more data');
    expect(one.field).toBe('test');
    const two = await expectNodeError(split(await fromText('a\n1\n2\n'), { test: 0.2, validation: 0.2 }));
    expect(two.message).toContain('no row left for validation');
    expect(two.field).toBe('validation');
    const three = await split(await fromText('a\n1\n2\n3\n'), { test: 0.2, validation: 0.2 });
    expect(three.counts).toEqual({ train: 1, validation: 1, test: 1 });
  });

  it('with test 0 keeps every row for training', async () => {
    const { counts } = await split(await fromText('a\n1\n2\n'), { test: 0 });
    expect(counts).toEqual({ train: 2, validation: 0, test: 0 });
  });
});
