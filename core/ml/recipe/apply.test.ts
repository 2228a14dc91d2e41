import { Float64, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN, type RecipeStep } from '../../base/table.js';
import { columnNames, previewRows } from '../../data/table-ops.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitEncode } from './encode.js';
import { isRecipeError, RecipeError } from './errors.js';
import { fitExpression } from './expression.js';
import { fitImpute } from './impute.js';
import { fitScale } from './scale.js';
import { fitSelect } from './select.js';
import { carsRecords, carsTable, csvTable, PENGUINS, rawRecord, recordsTable, step, withSplit } from './test-support/data.js';
import { hasSplit, trainRowMask } from './train-rows.js';

/** Fits the penguin pipeline the way the feature nodes do: each step on the previous output. */
async function penguinRecipe(): Promise<{ fitted: Table; steps: RecipeStep[]; raw: Table }> {
  const raw = withSplit(await csvTable(PENGUINS), 4, 1);
  const steps: RecipeStep[] = [];
  let table = raw;
  const add = (kind: string, nodeId: string, fit: (t: Table, mask: boolean[] | null) => object) => {
    const recorded: RecipeStep = { kind, nodeId, version: 1, fitted: { ...fit(table, trainRowMask(table).mask) } };
    table = applyStep(table, recorded);
    steps.push(recorded);
  };
  add('feature.select', 'select', (t) => fitSelect(t, { drop: ['year'] }));
  add('feature.impute', 'impute', (t, mask) => fitImpute(t, ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'], { strategy: undefined }, mask).fitted);
  add('feature.expression', 'ratio', (t) => fitExpression(t, 'bill_ratio', 'bill_length_mm / bill_depth_mm'));
  add('feature.encode', 'encode', (t, mask) => fitEncode(t, ['island', 'sex'], 'onehot', 50, mask).fitted);
  add('feature.scale', 'scale', (t, mask) => fitScale(t, ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'bill_ratio'], 'standard', mask));
  add('feature.encode', 'label', (t, mask) => fitEncode(t, ['species'], 'ordinal', 50, mask).fitted);
  return { fitted: table, steps, raw };
}

describe('applyRecipe', () => {
  it('replaying the whole recipe on the raw table gives the fitted table', async () => {
    const { fitted, steps, raw } = await penguinRecipe();
    expect(columnNames(fitted)).toEqual([
      'species', 'island=Biscoe', 'island=Dream', 'island=Torgersen', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm',
      'body_mass_g', 'sex=female', 'sex=male', SPLIT_COLUMN, 'bill_ratio',
    ]);
    const replayed = applyRecipe(raw, steps);
    expect(previewRows(replayed, 400)).toEqual(previewRows(fitted, 400));
    // The recipe is plain JSON: a round trip through text changes nothing.
    const fromJson = JSON.parse(JSON.stringify(steps)) as RecipeStep[];
    expect(previewRows(applyRecipe(raw, fromJson), 400)).toEqual(previewRows(fitted, 400));
  });

  it('one raw record at a time, without the label, gives the rows of the fitted table', async () => {
    const { fitted, steps, raw } = await penguinRecipe();
    const absentOk = new Set(['species']);
    for (const row of [0, 1, 3, 8, 150, 271, 343]) {
      const { species: _label, ...record } = rawRecord(raw, row);
      const single = applyRecipe(recordsTable([record]), steps, { absentOk });
      const expected = previewRows(fitted, 400)[row]!;
      delete expected.species;
      delete expected[SPLIT_COLUMN];
      expect(previewRows(single)[0]).toEqual(expected);
    }
  });

  it('a missing feature column is a RecipeError naming it and the node', async () => {
    const { steps, raw } = await penguinRecipe();
    const { bill_length_mm: _gone, ...record } = rawRecord(raw, 0);
    let caught: unknown;
    try {
      applyRecipe(recordsTable([record]), steps);
    } catch (error) {
      caught = error;
    }
    expect(isRecipeError(caught)).toBe(true);
    expect(caught).toBeInstanceOf(RecipeError);
    expect((caught as RecipeError).message).toBe("column 'bill_length_mm' is missing; node 'select' (feature.select) was fitted with it");
    expect((caught as RecipeError).column).toBe('bill_length_mm');
    expect((caught as RecipeError).nodeId).toBe('select');
  });

  it('refuses unknown kinds, newer versions and malformed fitted values', async () => {
    const table = recordsTable([{ x: 1 }]);
    expect(() => applyStep(table, step('feature.pca', {}, 'p'))).toThrow(
      "node 'p' (feature.pca): unknown recipe step kind 'feature.pca'; known kinds are: feature.scale, feature.encode, feature.impute, feature.select, feature.expression",
    );
    expect(() => applyStep(table, { ...step('feature.scale', { method: 'standard', columns: [] }, 's'), version: 2 })).toThrow(
      "node 's' (feature.scale) is version 2, but this Tensorloom replays feature.scale up to version 1; update Tensorloom",
    );
    expect(() => applyStep(table, step('feature.scale', { method: 'zscore', columns: [] }, 's'))).toThrow(/^node 's' \(feature.scale\) has malformed fitted values/);
    expect(() => applyStep(table, step('feature.expression', { name: 'y', expression: 'x +' }, 'e'))).toThrow("node 'e' (feature.expression) has malformed fitted values (unexpected end of expression at character 4)");
  });

  it('works on cars (dictionary-encoded JSON) and on an empty table', () => {
    const cars = withSplit(carsTable(), 3);
    const { mask } = trainRowMask(cars);
    const impute = step('feature.impute', { ...fitImpute(cars, ['Miles_per_Gallon', 'Horsepower'], { strategy: 'median' }, mask).fitted });
    const imputed = applyStep(cars, impute);
    const encode = step('feature.encode', { ...fitEncode(imputed, ['Origin', 'Cylinders'], 'onehot', 50, mask).fitted });
    const encoded = applyStep(imputed, encode);
    const scale = step('feature.scale', { ...fitScale(encoded, ['Horsepower', 'Weight_in_lbs'], 'robust', mask) });
    const out = applyStep(encoded, scale);
    expect(out.getChild('Horsepower')!.nullCount).toBe(0);
    const records = carsRecords();
    for (const row of [0, 32, 126, 405]) {
      const single = applyRecipe(recordsTable([records[row]!]), [impute, encode, scale]);
      expect(previewRows(single)[0]).toEqual(Object.fromEntries(Object.entries(previewRows(out, 406)[row]!).filter(([name]) => name !== SPLIT_COLUMN)));
    }
    const empty = recordsTable([]);
    expect(applyRecipe(new Table({ Horsepower: vectorFromArray([], new Float64()), Miles_per_Gallon: vectorFromArray([], new Float64()) }), [impute]).numRows).toBe(0);
    expect(empty.numRows).toBe(0);
  });

  it('trainRowMask: train rows only, or null without a split', async () => {
    const raw = await csvTable(PENGUINS);
    expect(hasSplit(raw)).toBe(false);
    expect(trainRowMask(raw)).toEqual({ mask: null, trainRows: 344, rows: 344 });
    const split = withSplit(raw, 4, 1);
    const { mask, trainRows } = trainRowMask(split);
    expect(trainRows).toBe(258);
    expect(mask!.slice(0, 6)).toEqual([true, false, true, true, true, false]);
  });

  it('gives the same values for one row and for a million rows (speed: core/ml/recipe/README.md)', () => {
    const rows = 1_000_000;
    const x = new Float64Array(rows);
    const y = new Float64Array(rows);
    const labels = ['alpha', 'beta', 'gamma', 'delta'];
    const encoder = new TextEncoder();
    const offsets = new Int32Array(rows + 1);
    const parts: Uint8Array[] = labels.map((label) => encoder.encode(label));
    let total = 0;
    for (let k = 0; k < rows; k++) {
      x[k] = (k % 1000) / 10;
      y[k] = k % 7 === 0 ? NaN : k % 13;
      total += parts[k % 4]!.length;
      offsets[k + 1] = total;
    }
    const bytes = new Uint8Array(total);
    for (let k = 0; k < rows; k++) bytes.set(parts[k % 4]!, offsets[k]!);
    const big = new Table({
      x: makeVector(makeData({ type: new Float64(), length: rows, data: x })),
      y: makeVector(makeData({ type: new Float64(), length: rows, data: y })),
      kind: makeVector(makeData({ type: new Utf8(), length: rows, valueOffsets: offsets, data: bytes })),
    });
    const steps = [
      step('feature.impute', { strategy: 'mean', columns: [{ name: 'y', value: 6 }] }),
      step('feature.expression', { name: 'z', expression: 'log(x + 1) * y' }),
      step('feature.encode', { method: 'onehot', columns: [{ name: 'kind', categories: ['alpha', 'beta', 'delta'] }] }),
      step('feature.scale', { method: 'standard', columns: [{ name: 'x', center: 50, scale: 28.8 }, { name: 'z', center: 10, scale: 5 }] }),
    ];
    const out = applyRecipe(big, steps);
    expect(out.numRows).toBe(rows);
    expect(out.getChild('kind=gamma')).toBeNull();
    expect(out.getChild('kind=beta')!.get(1)).toBe(1);

    const one = recordsTable([{ x: 3, y: null, kind: 'beta' }]);
    expect(previewRows(applyRecipe(one, steps))[0]).toEqual({ x: (3 - 50) / 28.8, y: 6, 'kind=alpha': 0, 'kind=beta': 1, 'kind=delta': 0, z: (Math.log(4) * 6 - 10) / 5 });
  });
});
