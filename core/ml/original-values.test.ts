import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN } from '../base/table.js';
import { columnNames, columnValues } from '../data/table-ops.js';
import { originalValues } from './original-values.js';
import { applyRecipe, fitEncode, fitScale, StepKindRegistry, BUILT_IN_STEP_KINDS, trainRowMask } from './recipe/index.js';
import { carsTable, csvTable, PENGUINS, step, withSplit } from './recipe/test-support/data.js';
import { log1pStep } from './recipe/test-support/log1p-pack.js';

const values = (table: Parameters<typeof columnValues>[0], name: string) => columnValues(table, name, name);

describe('originalValues: a featured table with its recipe undone where it can be', () => {
  it('undoes onehot and ordinal encoding and every kind of scaling, bringing back the values read (penguins)', async () => {
    const raw = withSplit(await csvTable(PENGUINS));
    const mask = trainRowMask(raw).mask;
    const numbers = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year'];
    for (const method of ['standard', 'minmax', 'robust'] as const) {
      const recipe = [
        step('feature.encode', { ...fitEncode(raw, ['island'], 'onehot', 50, mask).fitted }, 'onehot'),
        step('feature.encode', { ...fitEncode(raw, ['sex'], 'ordinal', 50, mask).fitted }, 'ordinal'),
      ];
      const encoded = applyRecipe(raw, recipe);
      // Scaling after encoding scales the onehot and ordinal codes too: undone first.
      recipe.push(step('feature.scale', { ...fitScale(encoded, [...numbers, 'island=Biscoe', 'island=Dream', 'island=Torgersen', 'sex'], method, mask) }));
      const featured = applyRecipe(raw, recipe);
      expect(values(featured, 'bill_length_mm')[0]).not.toBe(39.1);

      const original = originalValues(featured, recipe);
      expect(columnNames(original.table)).toEqual(columnNames(raw));
      for (const name of [...numbers, 'species', 'island', 'sex', SPLIT_COLUMN]) expect(values(original.table, name), `${method} ${name}`).toEqual(values(raw, name));
      expect([...original.restored].sort()).toEqual([...numbers, 'island', 'sex'].sort());
      expect(original.asIs).toEqual([]);
    }
  });

  it('names what it cannot undo: imputed cells, a pack step that changed a column in place, onehot columns a select thinned out', () => {
    const raw = withSplit(carsTable());
    const mask = trainRowMask(raw).mask;
    const origin = fitEncode(raw, ['Origin'], 'onehot', 50, mask).fitted;
    const recipe = [
      step('feature.impute', { strategy: 'median', columns: [{ name: 'Horsepower', value: 93.5 }] }, 'impute'),
      step('feature.encode', { ...origin }, 'encode'),
      step('test.log1p', { column: 'Weight_in_lbs', name: 'Weight_in_lbs' }, 'log'),
      step('feature.select', { keep: ['Horsepower', 'Weight_in_lbs', 'Origin=USA', 'Miles_per_Gallon'] }, 'select'),
    ];
    const steps = new StepKindRegistry([...BUILT_IN_STEP_KINDS, log1pStep]);
    const featured = applyRecipe(raw, recipe, { steps });
    const original = originalValues(featured, recipe, steps);
    expect(columnNames(original.table)).toEqual(columnNames(featured));
    expect(original.restored).toEqual([]);
    expect(original.asIs).toEqual([
      { name: 'Weight_in_lbs', why: "changed by 'log' (test.log1p), which cannot be undone" },
      { name: 'Horsepower', why: "missing values filled in by 'impute'" },
    ]);
    // What could not be undone is shown as the recipe left it.
    expect(values(original.table, 'Origin=USA')).toEqual(values(featured, 'Origin=USA'));
    expect(values(original.table, 'Weight_in_lbs')).toEqual(values(featured, 'Weight_in_lbs'));
  });

  it('a table without a recipe is returned as it is', () => {
    const raw = carsTable();
    expect(originalValues(raw, [])).toEqual({ table: raw, restored: [], asIs: [] });
  });
});
