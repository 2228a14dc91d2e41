import { describe, expect, it } from 'vitest';
import { columnNames, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import { csvText, load, PENGUINS, split } from './test-support/fixtures.js';
import applyNode from './apply.js';
import encodeNode from './encode.js';
import scaleNode from './scale.js';

async function fitted(): Promise<DataTable> {
  const input = await split(await load(PENGUINS), createTestContext());
  const scaled = (await scaleNode.run({ inputs: { table: input }, params: scaleNode.params.parse({ target: 'sex' }) }, createTestContext({ nodeId: 'scale', nodeType: 'feature.scale' }))).table;
  return (await encodeNode.run({ inputs: { table: scaled }, params: encodeNode.params.parse({ target: 'sex' }) }, createTestContext({ nodeId: 'encode', nodeType: 'feature.encode' }))).table;
}

async function apply(fit: DataTable, rows: DataTable, params: Record<string, unknown> = {}) {
  const ctx = createTestContext({ nodeId: 'prep', nodeType: 'feature.apply' });
  const output = await applyNode.run({ inputs: { fitted: fit, table: rows }, params: applyNode.params.parse(params) }, ctx);
  return { output: output.table, ctx };
}

const NEW_ROWS = [
  'species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year',
  'Adelie,Torgersen,39.1,18.7,181,3750,male,2007',
  'Gentoo,Biscoe,50.0,15.2,218,5700,female,2009',
].join('\n');

describe('feature.apply node', () => {
  it('declares described params', () => {
    expect(applyNode.type).toBe('feature.apply');
    expect(applyNode.category).toBe('feature');
    expect(applyNode.params.parse({})).toEqual({});
    for (const field of Object.values(applyNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('replays the fitted steps on new rows without refitting, and carries the same recipe', async () => {
    const fit = await fitted();
    const { output, ctx } = await apply(fit, await csvText(NEW_ROWS));
    expect(output.recipe).toEqual(fit.recipe);
    expect(columnNames(output.table)).toEqual(columnNames(fit.table).filter((name) => name !== '__split'));
    // Two rows alone would scale to ±1 if refitted; replayed, they keep the train rows' statistics.
    const scale = fit.recipe[0]!.fitted as { columns: { name: string; center: number; scale: number }[] };
    const mass = scale.columns.find((column) => column.name === 'body_mass_g')!;
    expect(output.table.getChild('body_mass_g')!.toJSON()).toEqual([(3750 - mass.center) / mass.scale, (5700 - mass.center) / mass.scale]);
    expect(output.table.getChild('species=Gentoo')!.toJSON()).toEqual([0, 1]);
    expect(ctx.logs).toContainEqual({ level: 'info', message: 'replayed 2 fitted steps (scale → encode) on 2 rows' });
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 2, step: undefined });
  });

  it('names a column the rows lack, and skips it when listed as optional', async () => {
    const fit = await fitted();
    const lacking = await csvText('species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,sex,year\nAdelie,Torgersen,39.1,18.7,181,male,2007\n');
    const error = await expectNodeError(apply(fit, lacking));
    expect(error.message).toBe("column 'body_mass_g' is missing; node 'scale' (feature.scale) was fitted with it; add 'body_mass_g' to 'optional' if these rows may lack it");
    expect(error.field).toBe('table');
    const { output } = await apply(fit, lacking, { optional: ['body_mass_g'] });
    expect(output.table.numRows).toBe(1);
  });

  it('refuses rows that went through feature steps already', async () => {
    const fit = await fitted();
    const error = await expectNodeError(apply(fit, fit));
    expect(error.message).toBe("the rows on 'table' went through feature steps already (scale (feature.scale) → encode (feature.encode)); connect raw rows, e.g. straight from the data node");
    expect(error.field).toBe('table');
  });

  it('passes rows through with a warning when the fitted table has no steps', async () => {
    const rows = await csvText(NEW_ROWS);
    const { output, ctx } = await apply(await load(PENGUINS), rows);
    expect(output.recipe).toEqual([]);
    expect(output.table.getChild('body_mass_g')!.toJSON()).toEqual([3750, 5700]);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: "the 'fitted' table has no feature steps: the rows pass through unchanged" });
  });
});
