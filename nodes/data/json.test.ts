import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import jsonNode from './json.js';

const VEGA = join(import.meta.dirname, '..', '..', 'node_modules', 'vega-datasets', 'data');

/** A workspace holding copies of the named vega data sets and the given files. */
function workspace(datasets: string[], files: Record<string, string> = {}): TestContext {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-json-'));
  for (const name of datasets) copyFileSync(join(VEGA, name), join(root, name));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return createTestContext({ root, nodeType: 'data.json' });
}

const run = (ctx: TestContext, params: Record<string, unknown>) => jsonNode.run({ inputs: {}, params: jsonNode.params.parse(params) }, ctx);
const types = (ctx: Awaited<ReturnType<typeof run>>) => ctx.table.table.schema.fields.map((field) => `${field.name}:${String(field.type)}`);

describe('data.json node', () => {
  it('declares a worker source node with a described path param', () => {
    expect(jsonNode.type).toBe('data.json');
    expect(jsonNode.worker).toEqual({ whenInputBytesOver: 4 * 1024 * 1024 });
    expect(jsonNode.module).toMatch(/json\.(ts|js)$/);
    expect(jsonNode.outputs.table.type).toBe('table');
    for (const field of Object.values(jsonNode.params.shape)) expect(field.description).toBeTruthy();
    expect(jsonNode.sourceFiles?.(jsonNode.params.parse({ path: 'a.json' }))).toEqual([{ param: 'path', path: 'a.json' }]);
  });

  it('reads the real penguins data: integer and decimal columns with nulls, text columns', async () => {
    const ctx = workspace(['penguins.json']);
    const output = await run(ctx, { path: 'penguins.json' });
    const { table, recipe } = output.table;
    expect(recipe).toEqual([]);
    expect(table.numRows).toBe(344);
    expect(types(output)).toEqual([
      'Species:Utf8',
      'Island:Utf8',
      'Beak Length (mm):Float64',
      'Beak Depth (mm):Float64',
      'Flipper Length (mm):Int32',
      'Body Mass (g):Int32',
      'Sex:Utf8',
    ]);
    expect(table.getChild('Body Mass (g)')!.nullCount).toBe(2);
    expect(table.getChild('Sex')!.nullCount).toBe(10);
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 344, step: undefined });
  });

  it('reads the real flights and cars data', async () => {
    const ctx = workspace(['flights-2k.json', 'cars.json']);
    expect(types(await run(ctx, { path: 'flights-2k.json' }))).toEqual(['date:Utf8', 'delay:Int32', 'distance:Int32', 'origin:Utf8', 'destination:Utf8']);
    const cars = await run(ctx, { path: 'cars.json' });
    expect(cars.table.table.numRows).toBe(406);
    expect(cars.table.table.get(0)!.toJSON()).toMatchObject({ Name: 'chevrolet chevelle malibu', Miles_per_Gallon: 18, Year: '1970-01-01' });
  });

  it('fails on the real movies data, whose Title column mixes strings and numbers', async () => {
    const ctx = workspace(['movies.json']);
    const error = await expectNodeError(run(ctx, { path: 'movies.json' }));
    expect(error.message).toMatch(/^'movies\.json' record \d+ \(line \d+\): column 'Title' holds strings \(from record 1 on\), but here it is a number/);
    expect(error.field).toBe('path');
  });

  it('names bad JSON, an empty array, an object instead of an array, a missing file and a path outside the workspace', async () => {
    const ctx = workspace([], { 'bad.json': '[\n  {"a": 1},\n  {"a": 2]\n]', 'empty.json': '[ ]', 'one.json': '{"a": 1}' });
    expect((await expectNodeError(run(ctx, { path: 'bad.json' }))).message).toBe("'bad.json' line 3, column 10: expected ',' or '}' after a value");
    expect((await expectNodeError(run(ctx, { path: 'empty.json' }))).message).toBe("'empty.json' holds an empty array: there are no records to read");
    expect((await expectNodeError(run(ctx, { path: 'one.json' }))).message).toContain('holds an object, not an array of records');
    expect((await expectNodeError(run(ctx, { path: 'nope.json' }))).message).toContain("file 'nope.json' not found");
    expect((await expectNodeError(run(ctx, { path: join(VEGA, 'cars.json') }))).message).toContain('outside the workspace');
  });

  it('refuses more distinct keys than maxColumns, naming the record and key, and reads them once raised', async () => {
    const record = (from: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 4 }, (_, k) => [`k${from + k}`, k])));
    const ctx = workspace([], { 'keys.json': `[\n${record(0)},\n${record(2)},\n${record(4)}\n]` });
    const error = await expectNodeError(run(ctx, { path: 'keys.json', maxColumns: 6 }));
    expect(error.message).toBe(
      "'keys.json' record 3 (line 4): key 'k6' would be column 7, more than the limit of 6 (param maxColumns). Every distinct key is a column; raise maxColumns to read records with this many keys.",
    );
    expect(error.field).toBe('maxColumns');
    const output = await run(ctx, { path: 'keys.json', maxColumns: 8 });
    expect(output.table.table.numCols).toBe(8);
    expect(output.table.table.numRows).toBe(3);
  });
});
