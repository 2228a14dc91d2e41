import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Data, Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { exportTable, readCsv } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import parquetNode from './parquet.js';

const VEGA = join(import.meta.dirname, '..', '..', 'node_modules', 'vega-datasets', 'data');

const run = (ctx: TestContext, params: Record<string, unknown>) => parquetNode.run({ inputs: {}, params: parquetNode.params.parse(params) }, ctx);

/** Bytes the table's buffers hold (what stays in memory). */
function tableBytes(table: Table): number {
  const buffers = new Set<ArrayBufferLike>();
  let bytes = 0;
  const visit = (data: Data) => {
    for (const view of [data.values, data.valueOffsets, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
      if (view && !buffers.has(view.buffer)) {
        buffers.add(view.buffer);
        bytes += view.buffer.byteLength;
      }
    }
    data.children.forEach(visit);
  };
  for (const batch of table.batches) visit(batch.data);
  return bytes;
}

describe('data.parquet node', () => {
  it('declares a worker source node with a described path param', () => {
    expect(parquetNode.type).toBe('data.parquet');
    expect(parquetNode.worker).toEqual({ whenInputBytesOver: 1024 * 1024 });
    expect(parquetNode.module).toMatch(/parquet\.(ts|js)$/);
    expect(parquetNode.outputs.table.type).toBe('table');
    for (const field of Object.values(parquetNode.params.shape)) expect(field.description).toBeTruthy();
    expect(parquetNode.sourceFiles?.(parquetNode.params.parse({ path: 'f.parquet' }))).toEqual([{ param: 'path', path: 'f.parquet' }]);
  });

  it('reads the real 3-million-row flights file into compact Int32 and Utf8 columns', async () => {
    const ctx = createTestContext({ root: VEGA });
    const output = await run(ctx, { path: 'flights-3m.parquet' });
    const { table } = output.table;
    expect(table.numRows).toBe(3_000_000);
    expect(table.batches.length).toBe(1);
    expect(table.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(['date:Utf8', 'delay:Int32', 'distance:Int32', 'origin:Utf8', 'destination:Utf8']);
    expect(table.get(0)!.toJSON()).toEqual({ date: '2001-01-01T00:01:00', delay: 33, distance: 2176, origin: 'LAS', destination: 'PHL' });
    expect(table.get(2_999_999)!.toJSON()).toEqual({ date: '2001-07-01T00:00:00', delay: 33, distance: 373, origin: 'ATL', destination: 'CVG' });
    // 3M rows: 19-byte dates, two ints, two 3-letter codes, 4-byte offsets; no growth slack kept.
    expect(tableBytes(table)).toBeLessThan(150 * 1024 * 1024);
    expect(ctx.logs.map((log) => log.message)).toContain(
      'converted column types: date: Timestamp<MICROSECOND> → Utf8; delay: Int64 → Int32; distance: Int64 → Int32; origin: LargeUtf8 → Utf8; destination: LargeUtf8 → Utf8',
    );
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 3_000_000, step: undefined });
    expect(ctx.progressReports.length).toBeGreaterThan(5);
    expect(ctx.progressReports.at(-1)).toBe(1);
  });

  it('warns that a file without rows gives an empty table, naming the file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-parquet-'));
    const header = await readCsv({ bytes: new TextEncoder().encode('id,name\n'), name: 'header.csv' });
    await exportTable({ table: header.table, recipe: [] }, join(root, 'empty-rows.parquet'), 'parquet');
    const ctx = createTestContext({ root });
    const output = await run(ctx, { path: 'empty-rows.parquet' });
    expect(output.table.table.numRows).toBe(0);
    expect(output.table.table.schema.fields.map((field) => field.name)).toEqual(['id', 'name']);
    expect(ctx.logs.filter((log) => log.level === 'warn')).toEqual([{ level: 'warn', message: "'empty-rows.parquet' has no rows: the table is empty" }]);
  });

  it('refuses a file with more columns than maxColumns before reading rows, and reads it once raised', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-parquet-'));
    const header = Array.from({ length: 30 }, (_, k) => `c${k}`).join(',');
    const wide = await readCsv({ bytes: new TextEncoder().encode(`${header}\n${header.replaceAll('c', '')}\n`), name: 'wide.csv' });
    await exportTable({ table: wide.table, recipe: [] }, join(root, 'wide.parquet'), 'parquet');
    const ctx = createTestContext({ root });
    const error = await expectNodeError(run(ctx, { path: 'wide.parquet', maxColumns: 29 }));
    expect(error.message).toBe("'wide.parquet' has 30 columns, more than the limit of 29 (param maxColumns); raise maxColumns to read a table this wide");
    expect(error.field).toBe('maxColumns');
    const output = await run(ctx, { path: 'wide.parquet', maxColumns: 30 });
    expect(output.table.table.get(0)!.toJSON()).toMatchObject({ c0: 0, c29: 29 });
    expect(parquetNode.params.parse({ path: 'a.parquet' })).toEqual({ path: 'a.parquet', maxColumns: 10_000 });
  });

  it('stops between row groups when cancelled', async () => {
    const ctx = createTestContext({ root: VEGA });
    const progress = ctx.progress.bind(ctx);
    Object.assign(ctx, { progress: (fraction: number) => (progress(fraction), ctx.abort.abort(new Error('cancelled'))) });
    await expect(run(ctx, { path: 'flights-3m.parquet' })).rejects.toThrow('cancelled');
    expect(ctx.progressReports).toHaveLength(1);
  });

  it('names files that are not Parquet: a CSV, an empty file, a cut-off file, a folder, a missing file', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-parquet-'));
    copyFileSync(join(VEGA, 'seattle-weather.csv'), join(root, 'weather.parquet'));
    writeFileSync(join(root, 'empty.parquet'), '');
    const whole = readFileSync(join(VEGA, 'flights-3m.parquet'));
    // Head and tail markers kept, the middle (row groups and footer length) cut out.
    writeFileSync(join(root, 'cut.parquet'), Buffer.concat([whole.subarray(0, 4096), whole.subarray(whole.length - 4)]));
    const ctx = createTestContext({ root });
    expect((await expectNodeError(run(ctx, { path: 'weather.parquet' }))).message).toBe(
      "'weather.parquet' is not a Parquet file (it lacks the PAR1 markers at its start and end)",
    );
    expect((await expectNodeError(run(ctx, { path: 'empty.parquet' }))).message).toBe("'empty.parquet' is empty");
    const cut = await expectNodeError(run(ctx, { path: 'cut.parquet' }));
    expect(cut.message).toMatch(/^'cut\.parquet' cannot be read as Parquet: /);
    expect(cut.field).toBe('path');
    expect((await expectNodeError(run(ctx, { path: '.' }))).message).toBe("'.' is a folder, not a Parquet file");
    expect((await expectNodeError(run(ctx, { path: 'gone.parquet' }))).message).toContain("file 'gone.parquet' not found");
    expect((await expectNodeError(run(ctx, { path: join(VEGA, 'flights-3m.parquet') }))).message).toContain('outside the workspace');
  });
});
