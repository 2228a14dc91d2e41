import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bool, Float64, Int32, Int64, Table, TimestampMillisecond, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { expectNodeError } from '../sdk/testing.js';
import { readTableFile } from './arrow-io.js';
import { readCsv } from './csv.js';
import { readJsonLines } from './json-io.js';
import { readParquetFile } from './parquet-io.js';
import { exportTable, writeFileAtomically } from './writers.js';

const folder = () => mkdtempSync(join(tmpdir(), 'tensorloom-writers-'));

/** A small table with every core type, nulls, and text that needs quoting or escaping. */
function sample(): Table {
  return new Table({
    id: vectorFromArray([1, 2, null, -4], new Int32()),
    score: vectorFromArray([2, 0.1, null, -1e-7], new Float64()),
    ok: vectorFromArray([true, null, false, true], new Bool()),
    note: vectorFromArray(['plain', 'a, "quoted"\nline', null, 'é\t\\ \u0001'], new Utf8()),
  });
}

describe('writing tables to files', () => {
  it('writes CSV that quotes only what needs it, marks whole floats with .0 and leaves nulls empty', async () => {
    const path = join(folder(), 'out.csv');
    const bytes = await exportTable({ table: sample(), recipe: [] }, path, 'csv');
    const text = readFileSync(path, 'utf8');
    expect(text).toBe('id,score,ok,note\n1,2.0,true,plain\n2,0.1,,"a, ""quoted""\nline"\n,,false,\n-4,-1e-7,true,é\t\\ \u0001\n');
    expect(bytes).toBe(Buffer.byteLength(text));
  });

  it('writes JSON Lines with every key, escaped text and null for NaN and infinities', async () => {
    const path = join(folder(), 'out.jsonl');
    const table = new Table({ x: vectorFromArray([NaN, Infinity, 3], new Float64()), 'we"ird': vectorFromArray(['a', 'b', null], new Utf8()) });
    await exportTable({ table, recipe: [] }, path, 'jsonl');
    expect(readFileSync(path, 'utf8')).toBe('{"x":null,"we\\"ird":"a"}\n{"x":null,"we\\"ird":"b"}\n{"x":3.0,"we\\"ird":null}\n');
    await exportTable({ table: sample(), recipe: [] }, path, 'jsonl');
    const parsed = readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(parsed).toEqual(sample().toArray().map((row) => row.toJSON()));
  });

  it('reads back what it wrote, in every format, with the same types and values', async () => {
    const dir = folder();
    const table = sample();
    const expected = table.toArray().map((row) => row.toJSON());
    const types = (t: Table) => t.schema.fields.map((field) => `${field.name}:${String(field.type)}`);
    await exportTable({ table, recipe: [] }, join(dir, 't.parquet'), 'parquet');
    await exportTable({ table, recipe: [{ kind: 'feature.x', nodeId: 'x', version: 1, fitted: { a: 1 } }] }, join(dir, 't.arrow'), 'arrow');
    await exportTable({ table, recipe: [] }, join(dir, 't.jsonl'), 'jsonl');
    for (const back of [(await readParquetFile({ path: join(dir, 't.parquet') })).table, (await readJsonLines({ path: join(dir, 't.jsonl') })).table]) {
      expect(types(back)).toEqual(types(table));
      expect(back.toArray().map((row) => row.toJSON())).toEqual(expected);
    }
    const arrow = await readTableFile(join(dir, 't.arrow'));
    expect(arrow.recipe).toEqual([{ kind: 'feature.x', nodeId: 'x', version: 1, fitted: { a: 1 } }]);
    expect(arrow.table.toArray().map((row) => row.toJSON())).toEqual(expected);
    // CSV cannot tell an empty string from a missing one, and reads control-free text back as is.
    await exportTable({ table, recipe: [] }, join(dir, 't.csv'), 'csv');
    const csv = (await readCsv({ path: join(dir, 't.csv') })).table;
    expect(types(csv)).toEqual(types(table));
    expect(csv.toArray().map((row) => row.toJSON())).toEqual(expected);
  });

  it('converts other column types first (Int64, timestamps) as the Parquet reader does', async () => {
    const path = join(folder(), 'other.csv');
    const stamp = new TimestampMillisecond('UTC');
    const table = new Table({
      n: makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.from([5n, -6n]) })),
      at: makeVector(makeData({ type: stamp, length: 2, data: BigInt64Array.from([0n, 1500n]) })),
    });
    await exportTable({ table, recipe: [] }, path, 'csv');
    expect(readFileSync(path, 'utf8')).toBe('n,at\n5,1970-01-01T00:00:00Z\n-6,1970-01-01T00:00:01.5Z\n');
  });

  it('replaces a file atomically, makes missing folders, and leaves no temp file behind', async () => {
    const dir = folder();
    const path = join(dir, 'deep', 'er', 'out.csv');
    await exportTable({ table: sample(), recipe: [] }, path, 'csv');
    await exportTable({ table: sample().slice(0, 1), recipe: [] }, path, 'csv');
    expect(readFileSync(path, 'utf8')).toBe('id,score,ok,note\n1,2.0,true,plain\n');
    expect(readdirSync(join(dir, 'deep', 'er'))).toEqual(['out.csv']);
  });

  it('keeps the old file when writing fails or is cancelled', async () => {
    const dir = folder();
    const path = join(dir, 'keep.csv');
    writeFileSync(path, 'old\n');
    await expect(
      writeFileAtomically(path, async (handle) => {
        await handle.write('half a fi');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(exportTable({ table: sample(), recipe: [] }, path, 'parquet', { signal: abort.signal })).rejects.toThrow('cancelled');
    const big = new Table({ x: vectorFromArray(Array.from({ length: 100_000 }, (_, k) => `row number ${k}`), new Utf8()) });
    const stop = new AbortController();
    const writing = exportTable({ table: big, recipe: [] }, path, 'jsonl', { signal: stop.signal, onProgress: () => stop.abort(new Error('cancelled')) });
    await expect(writing).rejects.toThrow('cancelled');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['keep.csv']);
  });

  it('refuses to write over a folder', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'taken'));
    const error = await expectNodeError(exportTable({ table: sample(), recipe: [] }, join(dir, 'taken'), 'csv', { name: 'taken' }));
    expect(error.message).toBe("'taken' is a folder; name a file to write");
    expect(error.field).toBe('path');
  });
});
