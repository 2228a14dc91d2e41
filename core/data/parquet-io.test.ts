import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DateDay,
  Dictionary,
  Field,
  Float32,
  Int32,
  Int64,
  List,
  Table,
  TimestampNanosecond,
  Uint8,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readParquetFile, writeParquetTo } from './parquet-io.js';

async function writeFile(table: Table, onProgress?: (fraction: number) => void): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'tensorloom-parquet-')), 't.parquet');
  const handle = await open(path, 'w');
  try {
    await writeParquetTo(table, handle, { onProgress });
  } finally {
    await handle.close();
  }
  return path;
}

const roundTrip = async (table: Table) => readParquetFile({ path: await writeFile(table), name: 't.parquet' });

describe('Parquet files with the types other tools write', () => {
  it('normalises Int64, Uint8, Float32, dictionary strings, ns timestamps in UTC, dates and lists', async () => {
    const stamp = new TimestampNanosecond('UTC');
    const dictionary = new Dictionary(new Utf8(), new Int32());
    const list = new List(new Field('item', new Int32(), true));
    const table = new Table({
      big: makeVector(makeData({ type: new Int64(), length: 3, data: BigInt64Array.from([1n, 2n ** 40n, -3n]) })),
      small: makeVector(makeData({ type: new Int64(), length: 3, data: BigInt64Array.from([1n, 2n, -3n]) })),
      byte: vectorFromArray([7, null, 255], new Uint8()),
      ratio: vectorFromArray([0.5, 2, null], new Float32()),
      kind: vectorFromArray(['cat', 'dog', 'cat'], dictionary),
      at: makeVector(makeData({ type: stamp, length: 3, data: BigInt64Array.from([1700000000123456789n, 0n, -1000000000n]) })),
      day: vectorFromArray([new Date(Date.UTC(2020, 1, 29)), null, new Date(0)], new DateDay()),
      tags: vectorFromArray([[1, 2], [], null], list),
    });
    const result = await roundTrip(table);
    expect(result.table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual([
      'big:Float64',
      'small:Int32',
      'byte:Int32',
      'ratio:Float64',
      'kind:Utf8',
      'at:Utf8',
      'day:Utf8',
      'tags:Utf8',
    ]);
    expect(result.table.toArray().map((row) => row.toJSON())).toEqual([
      { big: 1, small: 1, byte: 7, ratio: 0.5, kind: 'cat', at: '2023-11-14T22:13:20.123456789Z', day: '2020-02-29', tags: '[1,2]' },
      { big: 2 ** 40, small: 2, byte: null, ratio: 2, kind: 'dog', at: '1970-01-01T00:00:00Z', day: null, tags: '[]' },
      { big: -3, small: -3, byte: 255, ratio: null, kind: 'cat', at: '1969-12-31T23:59:59Z', day: '1970-01-01', tags: null },
    ]);
    expect(result.conversions).toContain('big: Int64 → Float64');
    expect(result.conversions).toContain('small: Int64 → Int32');
    expect(result.conversions.some((note) => note.startsWith('at: Timestamp<NANOSECOND'))).toBe(true);
  });

  it('writes and reads tables spanning several write slices', async () => {
    const rows = 150_000;
    const table = new Table({
      id: vectorFromArray(Array.from({ length: rows }, (_, k) => k), new Int32()),
      name: vectorFromArray(Array.from({ length: rows }, (_, k) => (k % 7 === 0 ? null : `n${k}`)), new Utf8()),
    });
    const fractions: number[] = [];
    const result = await readParquetFile({ path: await writeFile(table, (fraction) => fractions.push(fraction)) });
    expect(fractions.length).toBeGreaterThan(1);
    expect(result.rowsRead).toBe(rows);
    expect(result.table.getChild('id')!.get(149_999)).toBe(149_999);
    expect(result.table.getChild('name')!.get(7)).toBeNull();
    expect(result.table.getChild('name')!.get(8)).toBe('n8');
    expect(result.table.getChild('name')!.nullCount).toBe(Math.ceil(rows / 7));
  });
});
