import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN } from '../../base/table.js';
import { columnNames } from '../../data/table-ops.js';
import { expectNodeError } from '../../sdk/testing.js';
import { applyRecipe, applyStep } from './apply.js';
import { fitSelect } from './select.js';
import { csvTable, PENGUINS, rawRecord, recordsTable, step, withSplit } from './test-support/data.js';

describe('feature.select step', () => {
  it('keeps the listed columns in table order, the split column at the end', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    const fitted = fitSelect(table, { columns: ['body_mass_g', 'species', SPLIT_COLUMN] });
    expect(fitted).toEqual({ keep: ['species', 'body_mass_g'] });
    const out = applyStep(table, step('feature.select', { ...fitted }));
    expect(columnNames(out)).toEqual(['species', 'body_mass_g', SPLIT_COLUMN]);
    expect(out.getChild(SPLIT_COLUMN)!.toJSON()).toEqual(table.getChild(SPLIT_COLUMN)!.toJSON());
  });

  it('drop resolves to the list of kept columns; the split column cannot be dropped', async () => {
    const table = withSplit(await csvTable(PENGUINS));
    expect(fitSelect(table, { drop: ['year', 'island'] })).toEqual({
      keep: ['species', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex'],
    });
    const error = await expectNodeError(Promise.resolve().then(() => fitSelect(table, { drop: [SPLIT_COLUMN] })));
    expect(error.field).toBe('drop');
    const unknown = await expectNodeError(Promise.resolve().then(() => fitSelect(table, { drop: ['yaer'] })));
    expect(unknown.message).toBe(
      "column 'yaer' not found (did you mean 'year'?); columns are: species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year, __split",
    );
    expect(unknown.field).toBe('drop');
  });

  it('at apply time drops extra fields, refuses missing ones, skips an absent label', async () => {
    const table = await csvTable(PENGUINS);
    const recorded = step('feature.select', { ...fitSelect(table, { columns: ['species', 'bill_length_mm', 'sex'] }) }, 'pick');
    const request: Record<string, unknown> = { ...rawRecord(table, 0), extra: 'ignored' };
    expect(columnNames(applyRecipe(recordsTable([request]), [recorded]))).toEqual(['species', 'bill_length_mm', 'sex']);
    const { species: _label, ...unlabeled } = request;
    expect(columnNames(applyRecipe(recordsTable([unlabeled]), [recorded], { absentOk: new Set(['species']) }))).toEqual(['bill_length_mm', 'sex']);
    const { sex: _sex, ...noSex } = request;
    expect(() => applyRecipe(recordsTable([noSex]), [recorded])).toThrow("column 'sex' is missing; node 'pick' (feature.select) was fitted with it");
  });
});
