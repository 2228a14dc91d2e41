import { describe, expect, it } from 'vitest';
import { Bool, DateMillisecond, Float32, Float64, Int32, Int64, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { isNodeError } from '../base/errors.js';
import {
  columnAsFloat64,
  columnKind,
  columnNames,
  columnValues,
  compactTable,
  describeColumns,
  filterRows,
  float64Column,
  previewRows,
  readFloat64,
  requireColumn,
  stringColumn,
  takeRows,
  withColumn,
} from './table-ops.js';

function sample(): Table {
  return new Table({
    id: vectorFromArray([1, 2, null, 4], new Int32()),
    score: vectorFromArray([0.5, 1.5, 2.5, 3.5], new Float64()),
    ok: vectorFromArray([true, null, false, true], new Bool()),
    name: vectorFromArray(['ann', 'bo', null, 'dee'], new Utf8()),
  });
}

const json = (table: Table) => table.toArray().map((row) => row.toJSON());

describe('table-ops', () => {
  it('describes columns by kind, type and nulls', () => {
    expect(columnNames(sample())).toEqual(['id', 'score', 'ok', 'name']);
    expect(describeColumns(sample())).toEqual([
      { name: 'id', kind: 'int', type: 'Int32', nullCount: 1 },
      { name: 'score', kind: 'float', type: 'Float64', nullCount: 0 },
      { name: 'ok', kind: 'bool', type: 'Bool', nullCount: 1 },
      { name: 'name', kind: 'string', type: 'Utf8', nullCount: 1 },
    ]);
    expect(columnKind(new DateMillisecond())).toBe('other');
  });

  it('requireColumn names the missing column, the param and the columns there are', () => {
    expect(requireColumn(sample(), 'score', 'target').length).toBe(4);
    let error: unknown;
    try {
      requireColumn(sample(), 'age', 'target');
    } catch (caught) {
      error = caught;
    }
    expect(isNodeError(error)).toBe(true);
    expect((error as Error).message).toBe("column 'age' not found; columns are: id, score, ok, name");
    expect((error as { field?: string }).field).toBe('target');
  });

  it('takeRows keeps types and nulls, in the given order, repeats allowed', () => {
    const taken = takeRows(sample(), [3, 2, 0, 0]);
    expect(taken.schema.fields.map((f) => String(f.type))).toEqual(['Int32', 'Float64', 'Bool', 'Utf8']);
    expect(json(taken)).toEqual([
      { id: 4, score: 3.5, ok: true, name: 'dee' },
      { id: null, score: 2.5, ok: false, name: null },
      { id: 1, score: 0.5, ok: true, name: 'ann' },
      { id: 1, score: 0.5, ok: true, name: 'ann' },
    ]);
    expect(takeRows(sample(), []).numRows).toBe(0);
    expect(() => takeRows(sample(), [4])).toThrow(RangeError);
  });

  it('takeRows works across chunks and for other types', () => {
    const chunked = sample().slice(0, 2).concat(sample().slice(2));
    expect(json(takeRows(chunked, [3, 1]))).toEqual(json(takeRows(sample(), [3, 1])));
    const other = new Table({
      big: vectorFromArray([1n, null, 3n], new Int64()),
      f32: vectorFromArray([1.5, 2.5, null], new Float32()),
    });
    expect(json(takeRows(other, [2, 0]))).toEqual([
      { big: 3n, f32: null },
      { big: 1n, f32: 1.5 },
    ]);
  });

  it('filterRows keeps rows matching a predicate', () => {
    const scores = columnAsFloat64(sample(), 'score', 'x');
    expect(json(filterRows(sample(), (row) => scores[row]! > 1)).map((r) => r.score)).toEqual([1.5, 2.5, 3.5]);
  });

  it('withColumn appends, or replaces in place', () => {
    const added = withColumn(sample(), 'split', stringColumn(['train', 'test', 'train', null]));
    expect(columnNames(added)).toEqual(['id', 'score', 'ok', 'name', 'split']);
    expect(columnValues(added, 'split', 'x')).toEqual(['train', 'test', 'train', null]);
    const replaced = withColumn(added, 'score', float64Column([9, NaN, 7, 6]));
    expect(columnNames(replaced)).toEqual(['id', 'score', 'ok', 'name', 'split']);
    expect(columnValues(replaced, 'score', 'x')).toEqual([9, null, 7, 6]);
    expect(() => withColumn(sample(), 'x', stringColumn(['a']))).toThrow('has 1 values but the table has 4 rows');
  });

  it('withColumn and compactTable merge chunked tables into one batch', () => {
    const chunked = sample().slice(0, 1).concat(sample().slice(1));
    expect(chunked.batches.length).toBe(2);
    expect(compactTable(chunked).batches.length).toBe(1);
    expect(json(compactTable(chunked))).toEqual(json(sample()));
    expect(withColumn(chunked, 'k', float64Column([1, 2, 3, 4])).batches.length).toBe(1);
  });

  it('columnAsFloat64 converts numbers and booleans, NaN for missing, and refuses text', () => {
    expect([...columnAsFloat64(sample(), 'id', 'f')]).toEqual([1, 2, NaN, 4]);
    expect([...columnAsFloat64(sample(), 'ok', 'f')]).toEqual([1, NaN, 0, 1]);
    expect(() => columnAsFloat64(sample(), 'name', 'feature')).toThrow("column 'name' is text, not numeric");
  });

  it('columnAsFloat64 copies plain typed columns exactly, chunk by chunk (Int32, Float32, Int64, sliced)', () => {
    const table = new Table({
      i: vectorFromArray([7, -3, 2 ** 31 - 1], new Int32()),
      f: vectorFromArray([0.1, -2.5, 3.4e38], new Float32()),
      big: vectorFromArray([2n ** 60n, -5n, 0n], new Int64()),
    });
    expect([...columnAsFloat64(table, 'i', 'f')]).toEqual([7, -3, 2 ** 31 - 1]);
    expect([...columnAsFloat64(table, 'f', 'f')]).toEqual([Math.fround(0.1), -2.5, Math.fround(3.4e38)]);
    expect([...columnAsFloat64(table, 'big', 'f')]).toEqual([2 ** 60, -5, 0]);
    const chunked = new Table({ x: vectorFromArray([1.5, 2.5], new Float64()) }).concat(new Table({ x: vectorFromArray([3.5, 4.5, 5.5], new Float64()) }));
    expect([...columnAsFloat64(chunked, 'x', 'f')]).toEqual([1.5, 2.5, 3.5, 4.5, 5.5]);
    expect([...columnAsFloat64(chunked.slice(1, 4), 'x', 'f')]).toEqual([2.5, 3.5, 4.5]);
  });

  it('readFloat64 hands out a one-chunk Float64 column without a copy, and copies anything else', () => {
    const table = sample();
    const score = readFloat64(table, 'score', 'f');
    expect(score).toBeInstanceOf(Float64Array);
    expect((score as Float64Array).buffer).toBe(table.getChild('score')!.data[0]!.values.buffer);
    expect([...(score as Float64Array)]).toEqual([0.5, 1.5, 2.5, 3.5]);
    expect([...(readFloat64(table.slice(1, 3), 'score', 'f') as Float64Array)]).toEqual([1.5, 2.5]);
    // With nulls, or another type: the same values columnAsFloat64 gives.
    expect([...(readFloat64(table, 'id', 'f') as Float64Array)]).toEqual([1, 2, NaN, 4]);
    expect(() => readFloat64(table, 'name', 'feature')).toThrow("column 'name' is text, not numeric");
  });

  it('previewRows gives JSON-safe records', () => {
    const table = new Table({ big: vectorFromArray([2n ** 60n, 5n], new Int64()), name: vectorFromArray(['a', null], new Utf8()) });
    expect(previewRows(table)).toEqual([
      { big: '1152921504606846976', name: 'a' },
      { big: 5, name: null },
    ]);
    expect(previewRows(sample(), 1)).toEqual([{ id: 1, score: 0.5, ok: true, name: 'ann' }]);
  });
});

describe('stringColumn', () => {
  it('holds every value as Arrow’s own builder does: nulls, empty text, multi-byte and lone surrogates', () => {
    const values = ['Torgersen', null, '', 'Zürich ☃ 𝄞', undefined, '\ud800x'];
    const built = stringColumn(values);
    // undefined is missing too (Arrow's builder would store it as empty text).
    const reference = vectorFromArray(values.map((value) => value ?? null), new Utf8());
    expect(built.type).toBeInstanceOf(Utf8);
    expect(built.nullCount).toBe(2);
    expect(built.toArray()).toEqual(reference.toArray());
    expect([...built]).toEqual(['Torgersen', null, '', 'Zürich ☃ 𝄞', null, '\ufffdx']);
    expect(stringColumn([]).length).toBe(0);
  });
});
