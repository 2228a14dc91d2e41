import { Dictionary, Field, Float64, Int32, Schema, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeTable, encodeTable } from './arrow-io.js';
import { tableFromIpcBytes, wideSchema, withLinearAssign } from './arrow-wide.js';
import { readCsv } from './csv.js';
import { makeTable } from './source-file.js';
import { compactTable, takeRows, withColumn } from './table-ops.js';

/** What a schema is, in plain values: fields (name, type, nullable, metadata), metadata, dictionary ids. */
function describeSchema(schema: Schema) {
  return {
    fields: schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullable: f.nullable, metadata: [...f.metadata] })),
    metadata: [...schema.metadata],
    dictionaries: [...schema.dictionaries.keys()],
  };
}

describe('linear Schema.assign', () => {
  it("gives Arrow's own result: clones, merged metadata, added fields, dictionaries, repeated names", () => {
    const dictionary = new Dictionary(new Utf8(), new Int32(), 7);
    const fields = [
      new Field('a', new Int32(), false, new Map([['k', 'a']])),
      new Field('b', new Utf8(), true),
      new Field('a', new Float64(), true), // a repeated name: Arrow matches the first 'a'
    ];
    const others: unknown[][] = [
      [[new Field('a', new Float64(), true, new Map([['j', 'x']])), new Field('c', dictionary, true), new Field('b', new Int32(), false)]],
      [new Schema([new Field('d', new Utf8())], new Map([['m', '1']]))],
      [new Field('b', new Utf8(), false), new Field('e', new Int32())],
      [[new Field('a', new Int32()), new Field('a', new Utf8(), true, new Map([['second', 'y']]))]],
    ];
    for (const args of others) {
      const plain = new Schema(fields, new Map([['s', 'v']]));
      const linear = withLinearAssign(new Schema(fields, new Map([['s', 'v']])));
      const expected = (Schema.prototype.assign as (...a: unknown[]) => Schema).apply(plain, args);
      const actual = (linear.assign as (...a: unknown[]) => Schema)(...args);
      expect(describeSchema(actual)).toEqual(describeSchema(expected));
      expect(actual.dictionaries).toEqual(expected.dictionaries);
      // Still linear one step further.
      expect(Object.hasOwn(actual, 'assign')).toBe(true);
    }
  });

  it("returns the schema itself for its own fields (a RecordBatch's assign), equal to Arrow's result", () => {
    const fields = [new Field('a', new Int32(), false, new Map([['k', 'a']])), new Field('b', new Utf8(), true)];
    const linear = withLinearAssign(new Schema(fields, new Map([['s', 'v']])));
    const expected = Schema.prototype.assign.call(new Schema(fields, new Map([['s', 'v']])), [...fields]);
    expect(linear.assign([...fields])).toBe(linear);
    expect(describeSchema(linear)).toEqual(describeSchema(expected));
  });
});

describe('wide tables', () => {
  afterEach(() => vi.restoreAllMocks());

  it("builds, slices, encodes and decodes tables without Arrow's quadratic Schema.assign", async () => {
    // Arrow's assign looks each field up by name: n²/2 compares per record batch built.
    const arrowAssign = vi.spyOn(Schema.prototype, 'assign');
    const n = 300;
    const header = Array.from({ length: n }, (_, k) => `c${k}`).join(',');
    const row = (r: number) => Array.from({ length: n }, (_, k) => String(k * 10 + r)).join(',');
    const { table } = await readCsv({ bytes: new TextEncoder().encode(`${header}\n${row(1)}\n${row(2)}\n`), name: 'wide.csv' }, { maxColumns: n });
    const taken = takeRows(table, [1, 0]);
    const added = withColumn(taken, 'extra', vectorFromArray(['x', 'y']));
    const decoded = decodeTable(encodeTable({ table: added, recipe: [] }));
    const sliced = decoded.table.slice(1);
    expect(arrowAssign).not.toHaveBeenCalled();
    expect(sliced.numCols).toBe(n + 1);
    expect(sliced.get(0)!.toJSON()).toMatchObject({ c0: 1, c299: 2991, extra: 'y' });
  });

  it('reads a 20,000-column file end to end with every value in place', async () => {
    const n = 20_000;
    const header = Array.from({ length: n }, (_, k) => `c${k}`).join(',');
    const row = (r: number) => Array.from({ length: n }, (_, k) => String(k * 2 + r)).join(',');
    const bytes = new TextEncoder().encode(`${header}\n${row(0)}\n${row(1)}\n`);
    const { table } = await readCsv({ bytes, name: 'wide.csv' }, { maxColumns: n });
    const decoded = decodeTable(encodeTable({ table, recipe: [] })).table;
    expect(decoded.numCols).toBe(n);
    expect(decoded.numRows).toBe(2);
    expect(decoded.schema.fields[n - 1]!.name).toBe(`c${n - 1}`);
    expect(decoded.getChildAt(n - 1)!.toArray()).toEqual(Int32Array.from([2 * (n - 1), 2 * (n - 1) + 1]));
    expect(decoded.getChildAt(12_345)!.get(1)).toBe(24_691);
  });

  it('keeps table helpers and IPC reading unchanged for ordinary tables', () => {
    const table = makeTable(['x', 'y'], [vectorFromArray([1, 2], new Int32()).data[0]!, vectorFromArray(['a', null]).data[0]!], 2);
    expect(compactTable(table)).toBe(table);
    const read = tableFromIpcBytes(tableToIPC(table, 'stream'));
    expect(read.toArray().map((r) => r.toJSON())).toEqual([
      { x: 1, y: 'a' },
      { x: 2, y: null },
    ]);
    expect(wideSchema(table.schema.fields).fields.map((f) => f.name)).toEqual(['x', 'y']);
  });
});
