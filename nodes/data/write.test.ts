import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorloom } from '../../cli/test-support/run-cli.js';
import type { DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import csvNode from './csv.js';
import jsonlNode from './jsonl.js';
import parquetNode from './parquet.js';
import splitNode from './split.js';
import writeNode from './write.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'data');

function workspace(): TestContext {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-write-'));
  cpSync(EXAMPLES, join(root, 'data'), { recursive: true });
  return createTestContext({ root, nodeType: 'data.write' });
}

const write = (ctx: TestContext, table: DataTable, params: Record<string, unknown>) => writeNode.run({ inputs: { table }, params: writeNode.params.parse(params) }, ctx);

async function readCsv(ctx: TestContext, path: string): Promise<DataTable> {
  return (await csvNode.run({ inputs: {}, params: csvNode.params.parse({ path }) }, ctx)).table;
}

/** Reads a written file back with the node (or library) a user would use for its format. */
async function readBack(ctx: TestContext, path: string, format: string): Promise<Table> {
  if (format === 'csv') return (await readCsv(ctx, path)).table;
  if (format === 'parquet') return (await parquetNode.run({ inputs: {}, params: { path } }, ctx)).table.table;
  if (format === 'jsonl') return (await jsonlNode.run({ inputs: {}, params: { path } }, ctx)).table.table;
  return tableFromIPC(readFileSync(ctx.workspace.resolve(path, 'path')));
}

const shape = (table: Table) => table.schema.fields.map((field) => `${field.name}:${String(field.type)}`);
const rows = (table: Table) => table.toArray().map((row) => row.toJSON());

describe('data.write node', () => {
  it('declares a sink with a table input, a report output and described params', () => {
    expect(writeNode.type).toBe('data.write');
    expect(writeNode.inputs.table.type).toBe('table');
    expect(writeNode.outputs.report.type).toBe('report');
    expect(writeNode.sourceFiles).toBeUndefined();
    expect(writeNode.cacheable?.({ path: 'out.csv', format: 'csv' })).toBe(false);
    expect(writeNode.worker).toEqual({ whenInputBytesOver: 4 * 1024 * 1024 });
    for (const field of Object.values(writeNode.params.shape)) expect(field.description).toBeTruthy();
    expect(writeNode.params.parse({ path: 'out.csv', format: 'csv' })).toEqual({ path: 'out.csv', format: 'csv', mode: 'replace' });
    expect(writeNode.params.safeParse({ path: 'out.parquet', format: 'parquet', mode: 'append' }).success).toBe(false);
    expect(writeNode.params.safeParse({ path: 'out.xlsx', format: 'xlsx' }).success).toBe(false);
    expect(writeNode.params.safeParse({ path: 'out.csv' }).success).toBe(false);
  });

  describe('round trips: CSV in, each format out, read back equal (types, values, nulls, split column)', () => {
    let ctx: TestContext;
    let penguins: DataTable;
    let weather: DataTable;
    beforeAll(async () => {
      ctx = workspace();
      const loaded = await readCsv(ctx, 'data/penguins.csv');
      penguins = (await splitNode.run({ inputs: { table: loaded }, params: splitNode.params.parse({ test: 0.2, seed: 3 }) }, ctx)).table;
      weather = await readCsv(ctx, 'data/seattle-weather.csv');
    });

    for (const format of ['csv', 'parquet', 'jsonl', 'arrow'] as const) {
      it(format, async () => {
        const path = `out/penguins.${format}`;
        const { report } = await write(ctx, penguins, { path, format });
        expect(report).toMatchObject({ path, format, rows: 344, columns: 9 });
        expect(report.bytes).toBeGreaterThan(1000);
        const back = await readBack(ctx, path, format);
        expect(shape(back)).toEqual(shape(penguins.table));
        expect(shape(back)).toContain('__split:Utf8');
        expect(rows(back)).toEqual(rows(penguins.table));
        expect(back.getChild('sex')!.nullCount).toBe(11);
        const other = await readBack(ctx, (await write(ctx, weather, { path: `out/weather.${format}`, format })).report.path as string, format);
        expect(shape(other)).toEqual(shape(weather.table));
        expect(rows(other)).toEqual(rows(weather.table));
      });
    }

    it('keeps the recipe in Arrow files (the engine’s own table format)', async () => {
      const withRecipe: DataTable = { table: penguins.table, recipe: [{ kind: 'feature.scale', nodeId: 'scale', version: 1, fitted: { mean: 1 } }] };
      await write(ctx, withRecipe, { path: 'out/recipe.arrow', format: 'arrow' });
      const back = tableFromIPC(readFileSync(ctx.workspace.resolve('out/recipe.arrow', 'path')));
      expect(JSON.parse(back.schema.metadata.get('tensorloom.recipe')!)).toEqual(withRecipe.recipe);
    });

    it('writes a table without rows as Parquet that keeps its column types', async () => {
      const empty: DataTable = { table: penguins.table.slice(0, 0), recipe: [] };
      await write(ctx, empty, { path: 'out/empty.parquet', format: 'parquet' });
      const back = await readBack(ctx, 'out/empty.parquet', 'parquet');
      expect(back.numRows).toBe(0);
      expect(shape(back)).toEqual(shape(penguins.table));
    });
  });

  it('replaces the file atomically and warns when the name does not match the format', async () => {
    const ctx = workspace();
    const table = await readCsv(ctx, 'data/penguins.csv');
    writeFileSync(join(ctx.workspace.root, 'out.txt'), 'old');
    await write(ctx, table, { path: 'out.txt', format: 'jsonl' });
    expect(readFileSync(join(ctx.workspace.root, 'out.txt'), 'utf8').split('\n')).toHaveLength(345);
    expect(readdirSync(ctx.workspace.root).filter((name) => name.includes('out'))).toEqual(['out.txt']);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: "'out.txt' is written as jsonl, but its name does not end in .jsonl or .ndjson" });
    expect(ctx.logs.map((log) => log.message)).toContainEqual(expect.stringMatching(/^wrote 344 rows × 8 columns to 'out\.txt' \(jsonl, \d+ bytes\)$/));
  });

  it('refuses paths outside the workspace and inside its .tensorloom store, and a folder', async () => {
    const ctx = workspace();
    const table = await readCsv(ctx, 'data/penguins.csv');
    const outside = await expectNodeError(write(ctx, table, { path: '../escape.csv', format: 'csv' }));
    expect(outside.field).toBe('path');
    expect(outside.message).toContain('outside the workspace');
    const store = await expectNodeError(write(ctx, table, { path: '.tensorloom/artifacts/x.csv', format: 'csv' }));
    expect(store.message).toBe("param 'path': '.tensorloom/artifacts/x.csv' is inside the workspace's .tensorloom folder, which Tensorloom manages; write somewhere else");
    expect((await expectNodeError(write(ctx, table, { path: 'data', format: 'csv' }))).message).toBe("'data' is a folder; name a file to write");
  });

  it('names an unknown format even when params skipped validation', async () => {
    const ctx = workspace();
    const table = await readCsv(ctx, 'data/penguins.csv');
    const error = await expectNodeError(writeNode.run({ inputs: { table }, params: { path: 'x.xlsx', format: 'xlsx' as 'csv' } }, ctx));
    expect(error.field).toBe('format');
    expect(error.message).toBe("format 'xlsx' is not one of csv, parquet, jsonl, arrow");
    expect(existsSync(join(ctx.workspace.root, 'x.xlsx'))).toBe(false);
  });

  it('writes nothing when cancelled', async () => {
    const ctx = workspace();
    const table = await readCsv(ctx, 'data/penguins.csv');
    ctx.abort.abort(new Error('cancelled'));
    await expect(write(ctx, table, { path: 'out/never.parquet', format: 'parquet' })).rejects.toThrow('cancelled');
    expect(existsSync(join(ctx.workspace.root, 'out'))).toBe(false);
  });
});

describe('data.write in a pipeline run by the real engine (CLI)', () => {
  let dir: string;
  const pipeline = (nodes: unknown[], edges: unknown[]) => JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'export', nodes, edges });
  const run = (name: string, ...args: string[]) => {
    const result = tensorloom(['run', name, '--json', ...args], { cwd: dir });
    return { ...result, json: JSON.parse(result.stdout || '{}') as { status: string; nodes: Record<string, { status: string; error?: string }> } };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tensorloom-write-cli-'));
    cpSync(EXAMPLES, join(dir, 'data'), { recursive: true });
    writeFileSync(
      join(dir, 'export.pipeline.json'),
      pipeline(
        [
          { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
          { id: 'split', type: 'data.split', params: { test: 0.2, seed: 1 } },
          { id: 'save', type: 'data.write', params: { path: 'out/penguins.parquet', format: 'parquet' } },
        ],
        [
          { from: 'load.table', to: 'split.table' },
          { from: 'split.table', to: 'save.table' },
        ],
      ),
    );
    writeFileSync(
      join(dir, 'reload.pipeline.json'),
      pipeline(
        [
          { id: 'read', type: 'data.parquet', params: { path: 'out/penguins.parquet' } },
          { id: 'again', type: 'data.write', params: { path: 'out/again.jsonl', format: 'jsonl' } },
        ],
        [{ from: 'read.table', to: 'again.table' }],
      ),
    );
  });

  it('writes the file on every run (a deleted file comes back), from cached inputs, and reads it back in another pipeline', () => {
    const first = run('export.pipeline.json');
    expect(first.stderr).toBe('');
    expect(first.json.status).toBe('succeeded');
    expect(first.json.nodes.save!.status).toBe('succeeded');
    const written = join(dir, 'out', 'penguins.parquet');
    const bytes = readFileSync(written);

    rmSync(written);
    const second = run('export.pipeline.json');
    expect(second.json.nodes.load!.status).toBe('cached');
    expect(second.json.nodes.split!.status).toBe('cached');
    expect(second.json.nodes.save!.status).toBe('succeeded');
    expect(readFileSync(written)).toEqual(bytes);

    const changed = run('export.pipeline.json', '--set', 'save.path="out/other.csv"', '--set', 'save.format="csv"');
    expect(changed.json.nodes.save!.status).toBe('succeeded');
    expect(readFileSync(join(dir, 'out', 'other.csv'), 'utf8').split('\n')[0]).toBe('species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year,__split');

    const reload = run('reload.pipeline.json');
    expect(reload.json.status).toBe('succeeded');
    const lines = readFileSync(join(dir, 'out', 'again.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(344);
    expect(JSON.parse(lines[0]!)).toMatchObject({ species: 'Adelie', island: 'Torgersen', bill_length_mm: 39.1, body_mass_g: 3750, sex: 'male' });
  });

  it('reports a node error naming the file and line, not a stack trace', () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"a": 1}\n{"a": 2,}\n');
    writeFileSync(join(dir, 'bad.pipeline.json'), pipeline([{ id: 'read', type: 'data.jsonl', params: { path: 'bad.jsonl' } }], []));
    const result = run('bad.pipeline.json');
    expect(result.status).toBe(1);
    expect(result.json.nodes.read).toMatchObject({ status: 'failed', error: "'bad.jsonl' line 2, column 9: a comma before '}' is not allowed in JSON" });
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
  });
});
