import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN } from '../../base/table.js';
import { columnNames, columnValues, float64Column, stringColumn, withColumn } from '../../data/table-ops.js';
import { expectNodeError } from '../../sdk/testing.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitEncode } from './encode.js';
import { carsRecords, carsTable, csvTable, PENGUINS, rawRecord, recordsTable, step, withSplit } from './test-support/data.js';
import { trainRowMask } from './train-rows.js';

describe('feature.encode step', () => {
  it('onehot replaces a column at its position by one 0/1 column per train category', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { fitted, info } = fitEncode(table, ['species', 'sex'], 'onehot', 50, trainRowMask(table).mask);
    expect(fitted).toEqual({
      method: 'onehot',
      columns: [
        { name: 'species', categories: ['Adelie', 'Chinstrap', 'Gentoo'] },
        { name: 'sex', categories: ['female', 'male'] },
      ],
    });
    expect(info).toEqual([
      { name: 'species', distinct: 3, dropped: 0, unknownRows: 0 },
      { name: 'sex', distinct: 2, dropped: 0, unknownRows: 0 },
    ]);
    const out = applyStep(table, step('feature.encode', { ...fitted }));
    expect(columnNames(out)).toEqual([
      'species=Adelie', 'species=Chinstrap', 'species=Gentoo', 'island', 'bill_length_mm', 'bill_depth_mm',
      'flipper_length_mm', 'body_mass_g', 'sex=female', 'sex=male', 'year', SPLIT_COLUMN,
    ]);
    const species = columnValues(table, 'species', 'x');
    const sex = columnValues(table, 'sex', 'x');
    species.forEach((value, row) => {
      expect(out.getChild(`species=${String(value)}`)!.get(row)).toBe(1);
      const ones = ['Adelie', 'Chinstrap', 'Gentoo'].map((name) => out.getChild(`species=${name}`)!.get(row) as number);
      expect(ones.reduce((a, b) => a + b, 0)).toBe(1);
    });
    // NA sex: all zeros, never null.
    sex.forEach((value, row) => {
      expect(out.getChild('sex=female')!.get(row)).toBe(value === 'female' ? 1 : 0);
      expect(out.getChild('sex=male')!.get(row)).toBe(value === 'male' ? 1 : 0);
    });
    expect(out.getChild('sex=male')!.nullCount).toBe(0);
  });

  it('ordinal codes follow the sorted categories; missing and unknown are -1', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { fitted } = fitEncode(table, ['island', 'sex'], 'ordinal', 50, trainRowMask(table).mask);
    expect(fitted.columns[0]!.categories).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    const out = applyStep(table, step('feature.encode', { ...fitted }));
    expect(columnNames(out)).toEqual(columnNames(table));
    expect(String(out.getChild('island')!.type)).toBe('Float64');
    const islands = columnValues(table, 'island', 'x');
    islands.forEach((island, row) => expect(out.getChild('island')!.get(row)).toBe(['Biscoe', 'Dream', 'Torgersen'].indexOf(island as string)));
    const sex = columnValues(table, 'sex', 'x');
    sex.forEach((value, row) => expect(out.getChild('sex')!.get(row)).toBe(value === null ? -1 : value === 'female' ? 0 : 1));

    const unseen = recordsTable([{ island: 'Anvers', sex: 'male' }, { island: 'Dream', sex: null }]);
    const replayed = applyRecipe(unseen, [step('feature.encode', { ...fitted })]);
    expect(replayed.getChild('island')!.toJSON()).toEqual([-1, 1]);
    expect(replayed.getChild('sex')!.toJSON()).toEqual([1, -1]);
  });

  it('categories come from train rows only: a value seen only in test rows is unknown', async () => {
    const base = await csvTable(PENGUINS);
    const islands = columnValues(base, 'island', 'x').map((island, row) => (row % 5 === 0 && row < 50 ? 'Anvers' : (island as string)));
    const table = withSplit(withColumn(base, 'island', stringColumn(islands)));
    const { fitted } = fitEncode(table, ['island'], 'onehot', 50, trainRowMask(table).mask);
    expect(fitted.columns[0]!.categories).toEqual(['Biscoe', 'Dream', 'Torgersen']);
    const out = applyStep(table, step('feature.encode', { ...fitted }));
    expect(columnNames(out)).not.toContain('island=Anvers');
    for (const name of ['Biscoe', 'Dream', 'Torgersen']) expect(out.getChild(`island=${name}`)!.get(0)).toBe(0);
    // Changing test rows changes nothing fitted.
    const tampered = withSplit(withColumn(base, 'island', stringColumn(columnValues(base, 'island', 'x').map((v, row) => (row % 5 === 0 ? 'Elsewhere' : (v as string))))));
    expect(fitEncode(tampered, ['island'], 'onehot', 50, trainRowMask(tampered).mask).fitted).toEqual(fitted);
  });

  it('maxCategories keeps the most frequent train values, ties broken by value', async () => {
    const table = recordsTable(['b', 'b', 'a', 'a', 'c', 'c', 'd', 'e', 'e', 'e', null].map((v) => ({ v })));
    const { fitted, info } = fitEncode(table, ['v'], 'onehot', 3, null);
    // e (3), then a, b, c tie at 2: a and b win on value.
    expect(fitted.columns[0]!.categories).toEqual(['a', 'b', 'e']);
    expect(info[0]).toEqual({ name: 'v', distinct: 5, dropped: 2, unknownRows: 3 });
    const out = applyStep(table, step('feature.encode', { ...fitted }));
    expect(columnNames(out)).toEqual(['v=a', 'v=b', 'v=e']);
    // c and d were cut: all zeros, like missing.
    expect([4, 6, 10].map((row) => ['v=a', 'v=b', 'v=e'].map((name) => out.getChild(name)!.get(row)))).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  });

  it('numbers are encoded by their string form, sorted numerically; requests may send either', () => {
    const cars = carsTable();
    const { fitted } = fitEncode(cars, ['Cylinders', 'Origin'], 'onehot', 50, null);
    expect(fitted.columns).toEqual([
      { name: 'Cylinders', categories: ['3', '4', '5', '6', '8'] },
      { name: 'Origin', categories: ['Europe', 'Japan', 'USA'] },
    ]);
    const recorded = step('feature.encode', { ...fitted });
    const out = applyStep(cars, recorded);
    const asText = applyRecipe(recordsTable([{ Cylinders: '8', Origin: 'USA' }]), [recorded]);
    const asNumber = applyRecipe(recordsTable([{ Cylinders: 8, Origin: 'USA' }]), [recorded]);
    for (const name of columnNames(asText)) {
      expect(asText.getChild(name)!.get(0)).toBe(out.getChild(name)!.get(0));
      expect(asNumber.getChild(name)!.get(0)).toBe(out.getChild(name)!.get(0));
    }
  });

  it('replays each cars record (dictionary-encoded JSON) as a one-row table', () => {
    const cars = carsTable();
    const recorded = step('feature.encode', { ...fitEncode(cars, ['Origin', 'Year'], 'ordinal', 50, null).fitted });
    const out = applyStep(cars, recorded);
    carsRecords().forEach((record, row) => {
      if (row % 37 !== 0) return;
      const single = applyRecipe(recordsTable([record]), [recorded]);
      expect(single.getChild('Origin')!.get(0)).toBe(out.getChild('Origin')!.get(row));
      expect(single.getChild('Year')!.get(0)).toBe(out.getChild('Year')!.get(row));
    });
  });

  it('refuses an all-missing column and onehot names that clash', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const empty = withColumn(table, 'empty', float64Column(new Array(table.numRows).fill(NaN)));
    const none = await expectNodeError(Promise.resolve().then(() => fitEncode(empty, ['empty'], 'onehot', 50, trainRowMask(empty).mask)));
    expect(none.message).toBe("column 'empty' has no values on the 275 train rows, so there is nothing to encode; impute it first or leave it out of columns");
    const clash = withColumn(table, 'sex=male', float64Column(new Array(table.numRows).fill(1)));
    const error = await expectNodeError(Promise.resolve().then(() => fitEncode(clash, ['sex'], 'onehot', 50, null)));
    expect(error.message).toBe("onehot column 'sex=male' (from column 'sex') would clash with an existing column of that name; rename one of them or use method 'ordinal'");
    expect(error.field).toBe('columns');
  });

  it('the label may be absent at apply time; any other column is an error naming it', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const recorded = step('feature.encode', { ...fitEncode(table, ['species', 'island'], 'onehot', 50, trainRowMask(table).mask).fitted }, 'enc');
    const record = rawRecord(table, 10);
    delete record.species;
    const single = applyRecipe(recordsTable([record]), [recorded], { absentOk: new Set(['species']) });
    expect(columnNames(single).filter((name) => name.startsWith('species'))).toEqual([]);
    expect(single.getChild('island=Torgersen')!.get(0)).toBe(1);
    expect(() => applyRecipe(recordsTable([record]), [recorded])).toThrow("column 'species' is missing; node 'enc' (feature.encode) was fitted with it");
  });
});
