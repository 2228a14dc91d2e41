import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import jsonlNode from './jsonl.js';

const VEGA = join(import.meta.dirname, '..', '..', 'node_modules', 'vega-datasets', 'data');
/** Real records: the vega flights sample. */
const flights = JSON.parse(readFileSync(join(VEGA, 'flights-2k.json'), 'utf8')) as Record<string, unknown>[];
const asLines = (records: readonly unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';

function workspace(files: Record<string, string | Uint8Array>): TestContext {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-jsonl-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return createTestContext({ root, nodeType: 'data.jsonl' });
}

const run = (ctx: TestContext, params: Record<string, unknown>) => jsonlNode.run({ inputs: {}, params: jsonlNode.params.parse(params) }, ctx);

describe('data.jsonl node', () => {
  it('declares a worker source node with a described path param', () => {
    expect(jsonlNode.type).toBe('data.jsonl');
    expect(jsonlNode.worker).toEqual({ whenInputBytesOver: 4 * 1024 * 1024 });
    expect(jsonlNode.module).toMatch(/jsonl\.(ts|js)$/);
    expect(Object.keys(jsonlNode.inputs)).toEqual([]);
    expect(jsonlNode.outputs.table.type).toBe('table');
    for (const field of Object.values(jsonlNode.params.shape)) expect(field.description).toBeTruthy();
    expect(jsonlNode.sourceFiles?.(jsonlNode.params.parse({ path: 'data/x.jsonl' }))).toEqual([{ param: 'path', path: 'data/x.jsonl' }]);
    expect(jsonlNode.params.safeParse({}).success).toBe(false);
    expect(jsonlNode.params.safeParse({ path: '' }).success).toBe(false);
  });

  it('reads real flight records written as JSON Lines', async () => {
    const ctx = workspace({ 'data/flights.jsonl': asLines(flights) });
    const { table } = (await run(ctx, { path: 'data/flights.jsonl' })).table;
    expect(table.numRows).toBe(2000);
    expect(table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(['date:Utf8', 'delay:Int32', 'distance:Int32', 'origin:Utf8', 'destination:Utf8']);
    expect(table.toArray().map((row) => row.toJSON())).toEqual(flights);
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 2000, step: undefined });
    expect(ctx.logs.map((log) => log.message)).toContain("read 2000 rows × 5 columns from 'data/flights.jsonl'");
    expect(ctx.progressReports.at(-1)).toBe(1);
  });

  it('says which columns keep objects or arrays as JSON text', async () => {
    const ctx = workspace({ 'n.jsonl': '{"id": 1, "tags": ["x"]}\n{"id": 2, "tags": null}\n' });
    const { table } = (await run(ctx, { path: 'n.jsonl' })).table;
    expect(table.getChild('tags')!.toArray()).toEqual(['["x"]', null]);
    expect(ctx.logs.map((log) => log.message)).toContain("objects and arrays are kept as JSON text in column 'tags'");
  });

  it('names file, line and column of bad JSON, and the column and types when they mix', async () => {
    const broken = asLines(flights.slice(0, 3)) + '{"date": "2001/01/14 21:55", "delay": 0,, "distance": 480}\n';
    const mixed = asLines([...flights.slice(0, 4), { ...flights[4], delay: 'late' }]);
    const ctx = workspace({ 'broken.jsonl': broken, 'mixed.jsonl': mixed });
    const error = await expectNodeError(run(ctx, { path: 'broken.jsonl' }));
    expect(error.message).toBe("'broken.jsonl' line 4, column 41: expected a key in double quotes");
    expect(error.field).toBe('path');
    expect((await expectNodeError(run(ctx, { path: 'mixed.jsonl' }))).message).toContain(
      "'mixed.jsonl' line 5: column 'delay' holds numbers (from line 1 on), but here it is a string (\"late\")",
    );
  });

  it('names a missing file, an empty file and a path outside the workspace', async () => {
    const ctx = workspace({ 'empty.jsonl': '' });
    expect((await expectNodeError(run(ctx, { path: 'missing.jsonl' }))).message).toContain("file 'missing.jsonl' not found");
    expect((await expectNodeError(run(ctx, { path: 'empty.jsonl' }))).message).toBe("'empty.jsonl' is empty: it has no records");
    const outside = await expectNodeError(run(ctx, { path: '../elsewhere.jsonl' }));
    expect(outside.field).toBe('path');
    expect(outside.message).toContain('outside the workspace');
  });

  it('refuses more distinct keys than maxColumns, naming the line and key, and reads them once raised', async () => {
    const record = (from: number) => JSON.stringify(Object.fromEntries(Array.from({ length: 6 }, (_, k) => [`k${from + k}`, k])));
    const ctx = workspace({ 'keys.jsonl': `${record(0)}\n${record(3)}\n` });
    const error = await expectNodeError(run(ctx, { path: 'keys.jsonl', maxColumns: 8 }));
    expect(error.message).toBe(
      "'keys.jsonl' line 2: key 'k8' would be column 9, more than the limit of 8 (param maxColumns). Every distinct key is a column; raise maxColumns to read records with this many keys.",
    );
    expect(error.field).toBe('maxColumns');
    expect((await run(ctx, { path: 'keys.jsonl', maxColumns: 9 })).table.table.numCols).toBe(9);
    expect(jsonlNode.params.parse({ path: 'a.jsonl' })).toEqual({ path: 'a.jsonl', maxColumns: 10_000 });
  });

  it('refuses a line of 300,000 keys under the default limit, before building their columns', async () => {
    const keys = Array.from({ length: 300_000 }, (_, k) => `"${k}":1`).join(',');
    const ctx = workspace({ 'huge.jsonl': `{${keys}}\n` });
    expect((await expectNodeError(run(ctx, { path: 'huge.jsonl' }))).message).toContain("'huge.jsonl' line 1: key '10000' would be column 10,001, more than the limit of 10,000");
  });

  it('stops when cancelled', async () => {
    const ctx = workspace({ 'f.jsonl': asLines(flights) });
    ctx.abort.abort(new Error('cancelled'));
    await expect(run(ctx, { path: 'f.jsonl' })).rejects.toThrow('cancelled');
  });
});
