import { describe, expect, it } from 'vitest';
import { columnNames, columnValues, float64Column, stringColumn, withColumn } from '../../data/table-ops.js';
import { expectNodeError } from '../../sdk/testing.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitImpute, missingCount } from './impute.js';
import { carsTable, csvTable, PENGUINS, rawRecord, recordsTable, step, trainRowsOf, WEATHER, withSplit } from './test-support/data.js';
import { trainRowMask } from './train-rows.js';

function trainNumbers(table: Parameters<typeof columnValues>[0], name: string): number[] {
  const values = columnValues(table, name, 'x');
  return trainRowsOf(table).flatMap((row) => (typeof values[row] === 'number' ? [values[row]] : []));
}

const fit = (table: Parameters<typeof fitImpute>[0], columns: string[], options: Parameters<typeof fitImpute>[2]) =>
  Promise.resolve().then(() => fitImpute(table, columns, options, trainRowMask(table).mask));

describe('feature.impute step', () => {
  it('auto: mean of train rows for numbers, most frequent train value for text', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { fitted, info } = await fit(table, ['bill_length_mm', 'sex'], { strategy: undefined });
    const bills = trainNumbers(table, 'bill_length_mm');
    expect(fitted.strategy).toBe('auto');
    expect(fitted.columns[0]!.value).toBeCloseTo(bills.reduce((a, b) => a + b, 0) / bills.length, 12);
    const sexes = columnValues(table, 'sex', 'x');
    const train = trainRowsOf(table).map((row) => sexes[row]);
    const male = train.filter((s) => s === 'male').length;
    const female = train.filter((s) => s === 'female').length;
    expect(fitted.columns[1]!.value).toBe(male >= female ? 'male' : 'female');
    expect(info.map((entry) => [entry.name, entry.strategy, entry.missing])).toEqual([
      ['bill_length_mm', 'mean', 2],
      ['sex', 'mostFrequent', 11],
    ]);

    const out = applyStep(table, step('feature.impute', { ...fitted }));
    expect(columnNames(out)).toEqual(columnNames(table));
    expect(out.getChild('bill_length_mm')!.nullCount).toBe(0);
    expect(out.getChild('sex')!.nullCount).toBe(0);
    expect(String(out.getChild('sex')!.type)).toBe('Utf8');
    // Row 3 is all NA in the file.
    expect(out.getChild('bill_length_mm')!.get(3)).toBe(fitted.columns[0]!.value);
    expect(out.getChild('sex')!.get(3)).toBe(fitted.columns[1]!.value);
    expect(out.getChild('bill_length_mm')!.get(0)).toBe(39.1);
  });

  it('median and mostFrequent on numbers; ties go to the smallest value', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { fitted } = await fit(table, ['flipper_length_mm'], { strategy: 'median' });
    const flippers = trainNumbers(table, 'flipper_length_mm').sort((a, b) => a - b);
    const mid = (flippers.length - 1) / 2;
    expect(fitted.columns[0]!.value).toBe((flippers[Math.floor(mid)]! + flippers[Math.ceil(mid)]!) / 2);
    const tie = recordsTable([3, 1, 3, 1, 2, null].map((v) => ({ v })));
    expect(fitImpute(tie, ['v'], { strategy: 'mostFrequent' }, null).fitted.columns[0]!.value).toBe(1);
    const text = recordsTable(['b', 'a', 'b', 'a', null].map((v) => ({ v })));
    expect(fitImpute(text, ['v'], { strategy: 'mostFrequent' }, null).fitted.columns[0]!.value).toBe('a');
  });

  it('test rows do not move the fitted value, and they get the train value', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { fitted } = await fit(table, ['body_mass_g'], { strategy: 'mean' });
    const masses = columnValues(table, 'body_mass_g', 'x') as (number | null)[];
    const tampered = withColumn(table, 'body_mass_g', float64Column(masses.map((v, row) => (row % 5 === 0 ? (row === 0 ? NaN : 99999) : (v ?? NaN)))));
    expect((await fit(tampered, ['body_mass_g'], { strategy: 'mean' })).fitted).toEqual(fitted);
    const out = applyStep(tampered, step('feature.impute', { ...fitted }));
    expect(out.getChild('body_mass_g')!.get(0)).toBe(fitted.columns[0]!.value);
  });

  it('NaN and infinite values count as missing', async () => {
    const weather = await csvTable(WEATHER);
    const wind = columnValues(weather, 'wind', 'x') as number[];
    const odd = wind.map((v, row) => (row === 1 ? Infinity : row === 2 ? -Infinity : row === 3 ? NaN : v));
    const table = withColumn(weather, 'wind', float64Column(odd));
    expect(missingCount(table, 'wind')).toBe(3);
    const { fitted, info } = fitImpute(table, ['wind'], { strategy: 'median' }, null);
    expect(info[0]!.missing).toBe(3);
    const finite = odd.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
    const mid = (finite.length - 1) / 2;
    expect(fitted.columns[0]!.value).toBe((finite[Math.floor(mid)]! + finite[Math.ceil(mid)]!) / 2);
    const out = applyStep(table, step('feature.impute', { ...fitted }));
    expect([1, 2, 3].map((row) => out.getChild('wind')!.get(row))).toEqual([fitted.columns[0]!.value, fitted.columns[0]!.value, fitted.columns[0]!.value]);
    expect(out.getChild('wind')!.get(0)).toBe(wind[0]);
  });

  it('constant fills numbers and text; a text constant for a numeric column is refused', async () => {
    const table = await csvTable(PENGUINS);
    const { fitted } = fitImpute(table, ['sex'], { strategy: 'constant', value: 'unknown' }, null);
    expect(fitted.columns).toEqual([{ name: 'sex', value: 'unknown' }]);
    expect(applyStep(table, step('feature.impute', { ...fitted })).getChild('sex')!.get(8)).toBe('unknown');
    const zero = fitImpute(table, ['bill_depth_mm'], { strategy: 'constant', value: 0 }, null).fitted;
    expect(applyStep(table, step('feature.impute', { ...zero })).getChild('bill_depth_mm')!.get(3)).toBe(0);
    const error = await expectNodeError(Promise.resolve().then(() => fitImpute(table, ['bill_depth_mm'], { strategy: 'constant', value: 'none' }, null)));
    expect(error.field).toBe('value');
    expect(error.message).toContain("column 'bill_depth_mm' is numeric");
    const noValue = await expectNodeError(Promise.resolve().then(() => fitImpute(table, ['sex'], { strategy: 'constant' }, null)));
    expect(noValue.field).toBe('value');
  });

  it('refuses mean of text and an entirely missing column, naming it', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const text = await expectNodeError(fit(table, ['sex'], { strategy: 'mean' }));
    expect(text.message).toBe("column 'sex' is text; strategy 'mean' needs numbers: use 'mostFrequent' or 'constant' for it");
    expect(text.field).toBe('strategy');
    const allNull = withColumn(table, 'empty', float64Column(new Array(table.numRows).fill(NaN)));
    for (const strategy of ['mean', 'median', 'mostFrequent'] as const) {
      const error = await expectNodeError(fit(allNull, ['empty'], { strategy }));
      expect(error.message).toBe(`column 'empty' has no values on the 275 train rows, so '${strategy}' has nothing to compute; use strategy 'constant' or leave it out of columns`);
    }
    // Null on train rows only counts: values in test rows do not rescue it.
    const onlyTest = withColumn(table, 'partial', float64Column(Array.from({ length: table.numRows }, (_, row) => (row % 5 === 0 ? 1 : NaN))));
    expect((await expectNodeError(fit(onlyTest, ['partial'], { strategy: 'mean' }))).message).toContain("column 'partial' has no values on the 275 train rows");
  });

  it('replays on raw records: a numeric column sent as null, text sent as numbers', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const recorded = step('feature.impute', { ...(await fit(table, ['bill_length_mm', 'sex', 'island'], { strategy: undefined })).fitted });
    const out = applyStep(table, recorded);
    for (const row of [3, 8, 0]) {
      const single = applyRecipe(recordsTable([rawRecord(table, row)]), [recorded]);
      for (const name of ['bill_length_mm', 'sex', 'island']) expect(single.getChild(name)!.get(0)).toBe(out.getChild(name)!.get(row));
    }
    const cars = carsTable();
    const fittedCars = step('feature.impute', { ...fitImpute(cars, ['Horsepower', 'Origin'], { strategy: undefined }, null).fitted });
    const replayed = applyRecipe(recordsTable([{ Horsepower: null, Origin: 7 }]), [fittedCars]);
    expect(replayed.getChild('Origin')!.get(0)).toBe('7');
    expect(replayed.getChild('Horsepower')!.get(0)).toBe(fittedCars.fitted.columns && (fittedCars.fitted.columns as { value: number }[])[0]!.value);
    expect(() => applyRecipe(recordsTable([{ Horsepower: 'fast', Origin: 'USA' }]), [fittedCars])).toThrow(
      "column 'Horsepower' is text, but node 'impute' (feature.impute) fills it with the number",
    );
  });

  it('keeps a text column without missing values as it is', async () => {
    const table = await csvTable(PENGUINS);
    const species = stringColumn(columnValues(table, 'species', 'x') as string[]);
    const fitted = fitImpute(table, ['species'], { strategy: undefined }, null).fitted;
    const out = applyStep(withColumn(table, 'species', species), step('feature.impute', { ...fitted }));
    expect(out.getChild('species')!.toJSON()).toEqual(species.toJSON());
  });
});
