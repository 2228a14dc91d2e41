import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  LargeUtf8,
  List,
  Null,
  Struct,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Uint32,
  Uint64,
  Utf8,
  makeData,
  makeVector,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { NormalizedColumn } from './arrow-normalize.js';

/** Normalises chunks of one column; returns its type, values and the conversion note. */
function normalize(type: DataType, ...chunks: Data[]) {
  const column = new NormalizedColumn(new Field('c', type, true));
  for (const chunk of chunks) column.append(chunk);
  const data = column.finish(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  return { type: String(data.type), values: [...makeVector(data)].map((value) => value as unknown), note: column.describe(data) };
}

const data = (type: DataType, values: unknown[]) => vectorFromArray(values, type).data[0]!;

describe('normalising Arrow columns to Int32, Float64, Bool and Utf8', () => {
  it('keeps the four core types as they are, nulls included', () => {
    expect(normalize(new Int32(), data(new Int32(), [1, null, -3]))).toEqual({ type: 'Int32', values: [1, null, -3], note: undefined });
    expect(normalize(new Utf8(), data(new Utf8(), ['a', null, 'é']))).toEqual({ type: 'Utf8', values: ['a', null, 'é'], note: undefined });
    expect(normalize(new Bool(), data(new Bool(), [true, null, false])).values).toEqual([true, null, false]);
  });

  it('makes integers of any width Int32 when every value fits, else Float64, over all chunks', () => {
    expect(normalize(new Int16(), data(new Int16(), [1, null, -300]))).toEqual({ type: 'Int32', values: [1, null, -300], note: 'Int16 → Int32' });
    const small = makeData({ type: new Int64(), length: 3, data: BigInt64Array.from([1n, -2n, 2147483647n]) });
    expect(normalize(new Int64(), small)).toEqual({ type: 'Int32', values: [1, -2, 2147483647], note: 'Int64 → Int32' });
    const big = makeData({ type: new Int64(), length: 3, data: BigInt64Array.from([-2147483649n, 2n ** 53n, -(2n ** 40n) - 7n]) });
    expect(normalize(new Int64(), small, big).values).toEqual([1, -2, 2147483647, -2147483649, 2 ** 53, -(2 ** 40) - 7]);
    expect(normalize(new Int64(), small, big).type).toBe('Float64');
    const unsigned = makeData({ type: new Uint64(), length: 2, data: BigUint64Array.from([5n, 2n ** 63n]) });
    expect(normalize(new Uint64(), unsigned).values).toEqual([5, 2 ** 63]);
    expect(normalize(new Uint32(), data(new Uint32(), [4294967295, 1])).values).toEqual([4294967295, 1]);
  });

  it('keeps float columns Float64 when they hold only whole numbers, only nulls, or nothing', () => {
    expect(normalize(new Float64(), data(new Float64(), [null, 2])).type).toBe('Float64');
    expect(normalize(new Float64(), data(new Float64(), [null])).type).toBe('Float64');
    expect(normalize(new Float64(), data(new Float64(), [])).type).toBe('Float64');
  });

  it('makes Float32 Float64 with the same values', () => {
    expect(normalize(new Float32(), data(new Float32(), [0.5, null, 1e30]))).toEqual({ type: 'Float64', values: [0.5, null, Math.fround(1e30)], note: 'Float32 → Float64' });
  });

  it('decodes LargeUtf8 and dictionary-encoded strings to Utf8', () => {
    expect(normalize(new LargeUtf8(), data(new LargeUtf8(), ['x', null, 'yz']))).toEqual({ type: 'Utf8', values: ['x', null, 'yz'], note: 'LargeUtf8 → Utf8' });
    const dictionary = new Dictionary(new Utf8(), new Int32());
    expect(normalize(dictionary, data(dictionary, ['red', 'blue', null, 'red']), data(dictionary, ['green']))).toEqual({
      type: 'Utf8',
      values: ['red', 'blue', null, 'red', 'green'],
      note: 'Dictionary<Int32, Utf8> → Utf8',
    });
  });

  it('writes timestamps as ISO 8601 text: fraction only when not zero, Z only with a time zone', () => {
    const micro = makeData({ type: new TimestampMicrosecond(), length: 4, data: BigInt64Array.from([978307260000000n, 978307260123450n, -1n, 0n]) });
    expect(normalize(new TimestampMicrosecond(), micro).values).toEqual(['2001-01-01T00:01:00', '2001-01-01T00:01:00.12345', '1969-12-31T23:59:59.999999', '1970-01-01T00:00:00']);
    const utc = new TimestampMillisecond('UTC');
    expect(normalize(utc, makeData({ type: utc, length: 1, data: BigInt64Array.from([Date.UTC(2024, 1, 29, 13, 45, 30, 250)].map(BigInt)) })).values).toEqual([
      '2024-02-29T13:45:30.25Z',
    ]);
    // Nanoseconds beyond 2^53 (every date since 1970-04) and far dates stay exact.
    const nano = makeData({ type: new TimestampNanosecond(), length: 3, data: BigInt64Array.from([1700000000123456789n, -1n, -9000000000000000000n]) });
    expect(normalize(new TimestampNanosecond(), nano).values).toEqual(['2023-11-14T22:13:20.123456789', '1969-12-31T23:59:59.999999999', '1684-10-19T08:00:00']);
    const seconds = makeData({ type: new TimestampSecond(), length: 2, data: BigInt64Array.from([253402300799n, -62135596800n]) });
    expect(normalize(new TimestampSecond(), seconds).values).toEqual(['9999-12-31T23:59:59', '0001-01-01T00:00:00']);
    expect(normalize(new TimestampSecond(), seconds).note).toBe('Timestamp<SECOND> → Utf8');
  });

  it('writes dates and times of day as text', () => {
    expect(normalize(new DateDay(), data(new DateDay(), [new Date(Date.UTC(2000, 0, 1)), null, new Date(Date.UTC(1969, 11, 31))])).values).toEqual(['2000-01-01', null, '1969-12-31']);
    const time = makeData({ type: new TimeMicrosecond(), length: 2, data: BigInt64Array.from([(13n * 3600n + 5n) * 1000000n + 500n, 0n]) });
    expect(normalize(new TimeMicrosecond(), time).values).toEqual(['13:00:05.0005', '00:00:00']);
  });

  it('makes a Null column an all-null Utf8 column', () => {
    expect(normalize(new Null(), makeData({ type: new Null(), length: 3 }))).toEqual({ type: 'Utf8', values: [null, null, null], note: 'Null → Utf8' });
  });

  it('keeps lists and structs as JSON text', () => {
    const list = new List(new Field('item', new Int32(), true));
    expect(normalize(list, data(list, [[1, 2], null, []]))).toEqual({ type: 'Utf8', values: ['[1,2]', null, '[]'], note: 'List<Int32> as text → Utf8' });
    const struct = new Struct([new Field('a', new Utf8(), true), new Field('b', new Int64(), true)]);
    expect(normalize(struct, data(struct, [{ a: 'x', b: 3n }])).values).toEqual(['{"a":"x","b":3}']);
  });
});
