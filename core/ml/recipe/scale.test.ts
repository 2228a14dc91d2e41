import { tableFromJSON } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN } from '../../base/table.js';
import { columnNames, columnValues, stringColumn, withColumn, float64Column } from '../../data/table-ops.js';
import { expectNodeError } from '../../sdk/testing.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitScale } from './scale.js';
import { csvTable, PENGUINS, rawRecord, recordsTable, step, trainRowsOf, withSplit } from './test-support/data.js';
import { trainRowMask } from './train-rows.js';

const FEATURES = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'];

/** Reference statistics, computed the slow obvious way on the train rows' non-missing values. */
function reference(values: number[]) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => {
    const h = (n - 1) * p;
    return sorted[Math.floor(h)]! + (h - Math.floor(h)) * (sorted[Math.ceil(h)]! - sorted[Math.floor(h)]!);
  };
  return { mean, std, min: sorted[0]!, max: sorted[n - 1]!, median: q(0.5), iqr: q(0.75) - q(0.25) };
}

function trainValues(table: Parameters<typeof columnValues>[0], name: string): number[] {
  const values = columnValues(table, name, 'x');
  return trainRowsOf(table)
    .map((row) => values[row])
    .filter((v): v is number => typeof v === 'number');
}

describe('feature.scale step', () => {
  it('fits each method on train rows only', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { mask } = trainRowMask(table);
    for (const name of FEATURES) {
      const ref = reference(trainValues(table, name));
      const standard = fitScale(table, [name], 'standard', mask).columns[0]!;
      expect(standard.center).toBeCloseTo(ref.mean, 9);
      expect(standard.scale).toBeCloseTo(ref.std, 9);
      const minmax = fitScale(table, [name], 'minmax', mask).columns[0]!;
      expect(minmax).toEqual({ name, center: ref.min, scale: ref.max - ref.min });
      const robust = fitScale(table, [name], 'robust', mask).columns[0]!;
      expect(robust.center).toBeCloseTo(ref.median, 9);
      expect(robust.scale).toBeCloseTo(ref.iqr, 9);
    }
    // All rows would give different statistics: the test rows really are left out.
    const allRows = fitScale(table, ['body_mass_g'], 'standard', null).columns[0]!;
    expect(allRows.center).not.toBeCloseTo(fitScale(table, ['body_mass_g'], 'standard', mask).columns[0]!.center, 6);
  });

  it('a changed test-row value does not change the fitted step', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { mask } = trainRowMask(table);
    const before = fitScale(table, FEATURES, 'robust', mask);
    const masses = columnValues(table, 'body_mass_g', 'x') as (number | null)[];
    const changed = masses.map((value, row) => (row % 5 === 0 ? 1e6 : (value ?? NaN)));
    const tampered = withColumn(table, 'body_mass_g', float64Column(changed));
    expect(fitScale(tampered, FEATURES, 'robust', trainRowMask(tampered).mask)).toEqual(before);
  });

  it('applies (x - center) / scale to all rows as Float64, keeps nulls, positions and the split', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const fitted = fitScale(table, ['bill_length_mm', 'year'], 'standard', trainRowMask(table).mask);
    const out = applyStep(table, step('feature.scale', { ...fitted }));
    expect(columnNames(out)).toEqual(columnNames(table));
    expect(String(out.getChild('bill_length_mm')!.type)).toBe('Float64');
    expect(out.getChild(SPLIT_COLUMN)!.toJSON()).toEqual(table.getChild(SPLIT_COLUMN)!.toJSON());
    expect(out.getChild('species')!.toJSON()).toEqual(table.getChild('species')!.toJSON());
    const { center, scale } = fitted.columns[0]!;
    const raw = columnValues(table, 'bill_length_mm', 'x');
    const scaled = columnValues(out, 'bill_length_mm', 'x');
    raw.forEach((value, row) => {
      if (value === null) expect(scaled[row]).toBeNull();
      else expect(scaled[row]).toBeCloseTo(((value as number) - center) / scale, 12);
    });
    // Train rows of the standardised column have mean 0 and std 1.
    const train = trainRowsOf(out).map((row) => scaled[row]).filter((v): v is number => v !== null);
    expect(reference(train).mean).toBeCloseTo(0, 9);
    expect(reference(train).std).toBeCloseTo(1, 9);
  });

  it('replays on a single raw record with the values of the fitted table', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const fitted = step('feature.scale', { ...fitScale(table, FEATURES, 'minmax', trainRowMask(table).mask) });
    const out = applyStep(table, fitted);
    for (const row of [0, 3, 100, 343]) {
      const single = applyRecipe(recordsTable([rawRecord(table, row)]), [fitted]);
      for (const name of FEATURES) expect(single.getChild(name)!.get(0)).toBe(out.getChild(name)!.get(row));
    }
  });

  it('a constant column gets scale 1, not a division by zero', async () => {
    const table = await csvTable(PENGUINS);
    const constant = withColumn(table, 'one', float64Column(new Array(table.numRows).fill(7)));
    for (const method of ['standard', 'minmax', 'robust'] as const) {
      const fitted = fitScale(constant, ['one'], method, null);
      expect(fitted.columns[0]).toEqual({ name: 'one', center: 7, scale: 1 });
      expect(new Set(columnValues(applyStep(constant, step('feature.scale', { ...fitted })), 'one', 'x'))).toEqual(new Set([0]));
    }
  });

  it('refuses text, infinite values and columns without train values, naming them', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const { mask } = trainRowMask(table);
    const text = await expectNodeError(Promise.resolve().then(() => fitScale(table, ['species'], 'standard', mask)));
    expect(text.message).toBe("column 'species' is text, not numeric; feature.scale needs numbers (encode it with feature.encode, or leave it out of columns)");
    expect(text.field).toBe('columns');

    const masses = (columnValues(table, 'body_mass_g', 'x') as (number | null)[]).map((v, row) => (row === 7 || row === 9 ? -Infinity : (v ?? NaN)));
    const infinite = withColumn(table, 'body_mass_g', float64Column(masses));
    const inf = await expectNodeError(Promise.resolve().then(() => fitScale(infinite, ['body_mass_g'], 'standard', mask)));
    expect(inf.message).toContain("column 'body_mass_g' has 2 infinite values (rows 7, 9)");
    expect(inf.message).toContain('feature.impute treats them as missing');

    const empty = withColumn(table, 'empty', float64Column(new Array(table.numRows).fill(NaN)));
    const none = await expectNodeError(Promise.resolve().then(() => fitScale(empty, ['empty'], 'standard', mask)));
    expect(none.message).toBe("column 'empty' has no values on the 275 train rows; impute it first or leave it out of columns");

    const missing = await expectNodeError(Promise.resolve().then(() => fitScale(table, ['bill'], 'standard', mask)));
    expect(missing.message).toBe(
      "column 'bill' not found; columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year, __split",
    );
  });

  it('a text column at apply time is a RecipeError naming the column and the node', async () => {
    const fitted = step('feature.scale', { method: 'standard', columns: [{ name: 'x', center: 0, scale: 1 }] }, 'scale');
    const table = withColumn(tableFromJSON([{ y: 1 }] as never), 'x', stringColumn(['3.5']));
    expect(() => applyStep(table, fitted)).toThrow("column 'x' is text, but node 'scale' (feature.scale) scales numbers");
  });
});
