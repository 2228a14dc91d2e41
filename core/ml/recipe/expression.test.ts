import { describe, expect, it } from 'vitest';
import { columnNames, columnValues } from '../../data/table-ops.js';
import { expectNodeError } from '../../sdk/testing.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitExpression } from './expression.js';
import { carsTable, csvTable, PENGUINS, rawRecord, recordsTable, step, WEATHER, withSplit } from './test-support/data.js';

describe('feature.expression step', () => {
  it('adds a Float64 column computed from numeric columns, null where an input is missing', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const fitted = fitExpression(table, 'bill_ratio', 'bill_length_mm / bill_depth_mm');
    const out = applyStep(table, step('feature.expression', { ...fitted }));
    expect(columnNames(out)).toEqual([...columnNames(table), 'bill_ratio']);
    const length = columnValues(table, 'bill_length_mm', 'x');
    const depth = columnValues(table, 'bill_depth_mm', 'x');
    columnValues(out, 'bill_ratio', 'x').forEach((ratio, row) => {
      if (length[row] === null) expect(ratio).toBeNull();
      else expect(ratio).toBe((length[row] as number) / (depth[row] as number));
    });
  });

  it('replaces an existing column at its position', async () => {
    const weather = await csvTable(WEATHER);
    const fitted = fitExpression(weather, 'precipitation', 'log(precipitation)');
    const out = applyStep(weather, step('feature.expression', { ...fitted }));
    expect(columnNames(out)).toEqual(columnNames(weather));
    const rain = columnValues(weather, 'precipitation', 'x') as number[];
    const logged = columnValues(out, 'precipitation', 'x');
    // Dry days (0 mm): log(0) is null, never -Infinity.
    rain.forEach((mm, row) => expect(logged[row]).toBe(mm > 0 ? Math.log(mm) : null));
    expect(rain.filter((mm) => mm === 0).length).toBeGreaterThan(100);
  });

  it('replays on one raw record with the same value', () => {
    const cars = carsTable();
    const recorded = step('feature.expression', { ...fitExpression(cars, 'power to weight', 'Horsepower / `Weight_in_lbs` * 1000') });
    const out = applyStep(cars, recorded);
    for (const row of [0, 10, 32, 400]) {
      const single = applyRecipe(recordsTable([rawRecord(cars, row)]), [recorded]);
      expect(single.getChild('power to weight')!.get(0)).toBe(out.getChild('power to weight')!.get(row));
    }
  });

  it('names parse errors, unknown columns (listing them) and text columns', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const fit = (expression: string) => expectNodeError(Promise.resolve().then(() => fitExpression(table, 'x', expression)));
    const syntax = await fit('(bill_length_mm))');
    expect(syntax.message).toBe("expression: unexpected ')' at character 17");
    expect(syntax.field).toBe('expression');
    expect((await fit('bill_lenght_mm * 2')).message).toBe(
      "expression: unknown column 'bill_lenght_mm' at character 1; columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year",
    );
    expect((await fit('year + species')).message).toBe("expression: column 'species' at character 8 is text; expressions compute with numeric columns only");
    const split = await expectNodeError(Promise.resolve().then(() => fitExpression(table, '__split', 'year')));
    expect(split.field).toBe('name');
  });

  it('a missing input is an error at apply time unless it may be absent', async () => {
    const table = await csvTable(PENGUINS);
    const recorded = step('feature.expression', { ...fitExpression(table, 'mass_kg', 'body_mass_g / 1000') }, 'kg');
    expect(() => applyRecipe(recordsTable([{ year: 2007 }]), [recorded])).toThrow("column 'body_mass_g' is missing; node 'kg' (feature.expression) was fitted with it");
    expect(columnNames(applyRecipe(recordsTable([{ year: 2007 }]), [recorded], { absentOk: new Set(['body_mass_g']) }))).toEqual(['year']);
  });
});
