/** The browser bundle's CSV reading: RFC 4180 records, and the values data.csv reads from the same file. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../data/csv.js';
import { columnValues } from '../../data/table-ops.js';
import type { InputColumn } from '../../ml/bundle-format.js';
import { CsvError, parseCsv, rowsFromCsv } from './csv-rows.js';

const PENGUINS = join(fileURLToPath(new URL('../../../', import.meta.url)), 'examples', 'data', 'penguins.csv');
const INPUTS: InputColumn[] = [
  { name: 'bill_length_mm', type: 'number' },
  { name: 'bill_depth_mm', type: 'number' },
  { name: 'flipper_length_mm', type: 'number' },
  { name: 'body_mass_g', type: 'number' },
  { name: 'year', type: 'number' },
  { name: 'island', type: 'any' },
  { name: 'sex', type: 'any' },
];

describe('parseCsv', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\n"two\nlines",\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', ''],
    ]);
    expect(parseCsv('a\n1')).toEqual([['a'], ['1']]);
    expect(() => parseCsv('a\n"open')).toThrow(CsvError);
  });
});

describe('rowsFromCsv', () => {
  it('gives every input the value data.csv reads from the same file (numbers, missing markers, text)', async () => {
    const text = readFileSync(PENGUINS, 'utf8');
    const { rows, ignored } = rowsFromCsv(text, INPUTS, 'species');
    expect(ignored).toEqual(['species']);
    const { table } = await readCsv({ path: PENGUINS });
    expect(rows).toHaveLength(table.numRows);
    for (const input of INPUTS) expect(rows.map((row) => row[input.name]), input.name).toEqual(columnValues(table, input.name, input.name));
    expect(rows.filter((row) => row.sex === null).length).toBeGreaterThan(0);
  });

  it('names a missing column, an unknown one, a value of the wrong type (with its line), and a short line', () => {
    const header = 'bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,year,island,sex';
    expect(() => rowsFromCsv('bill_length_mm,island\n1,Dream\n', INPUTS, 'species')).toThrow(
      "missing columns 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'year', 'sex'; the model's inputs are bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year, island, sex",
    );
    expect(() => rowsFromCsv(`${header},colour\n1,2,3,4,2008,Dream,male,blue\n`, INPUTS, 'species')).toThrow("unknown column 'colour'; the model's inputs are");
    expect(() => rowsFromCsv(`${header}\n1,2,3,4,2008,Dream,male\n1,2,three,4,2008,Dream,male\n`, INPUTS, 'species')).toThrow(`line 3, column 'flipper_length_mm': expected a number, got "three"`);
    expect(() => rowsFromCsv(`${header}\n1,2,3\n`, INPUTS, 'species')).toThrow('line 2 has 3 fields, the header 7');
    expect(() => rowsFromCsv(`${header}\n`, INPUTS, 'species')).toThrow('the file has a header but no rows');
    expect(() => rowsFromCsv('', INPUTS, 'species')).toThrow('the file is empty');
    expect(rowsFromCsv(`${header}\n 1 ,NA,,4,2008,Dream,male\n`, INPUTS, 'species').rows).toEqual([
      { bill_length_mm: 1, bill_depth_mm: null, flipper_length_mm: null, body_mass_g: 4, year: 2008, island: 'Dream', sex: 'male' },
    ]);
  });
});
