import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import csvNode from './csv.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'data');

/** A workspace folder holding `files`, and a test context rooted there. */
function workspace(files: Record<string, string | Uint8Array>): TestContext {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-node-csv-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return createTestContext({ root, nodeType: 'data.csv' });
}

async function run(ctx: TestContext, params: Record<string, unknown>) {
  const parsed = csvNode.params.parse(params);
  return csvNode.run({ inputs: {}, params: parsed }, ctx);
}

const json = (output: Awaited<ReturnType<typeof run>>) => output.table.table.toArray().map((row) => row.toJSON());

describe('data.csv node', () => {
  it('declares a worker source node with described params and defaults', () => {
    expect(csvNode.type).toBe('data.csv');
    expect(csvNode.worker).toEqual({ whenInputBytesOver: 4 * 1024 * 1024 });
    expect(csvNode.module).toMatch(/csv\.(ts|js)$/);
    expect(Object.keys(csvNode.inputs)).toEqual([]);
    expect(csvNode.outputs.table.type).toBe('table');
    expect(csvNode.params.parse({ path: 'a.csv' })).toEqual({ path: 'a.csv', delimiter: 'auto', header: true, onBadRow: 'fail', maxColumns: 10_000 });
    expect(csvNode.params.safeParse({ path: 'a.csv', maxColumns: 0 }).success).toBe(false);
    for (const field of Object.values(csvNode.params.shape)) expect(field.description).toBeTruthy();
    expect(csvNode.sourceFiles?.(csvNode.params.parse({ path: 'data/x.csv' }))).toEqual([{ param: 'path', path: 'data/x.csv' }]);
    expect(csvNode.params.safeParse({ path: 'a.csv', delimiter: '::' }).success).toBe(false);
    expect(csvNode.params.safeParse({ path: 'a.csv', onBadRow: 'ignore' }).success).toBe(false);
    expect(csvNode.params.safeParse({}).success).toBe(false);
  });

  it('reads the real penguins data with its NA cells', async () => {
    const ctx = createTestContext({ root: EXAMPLES });
    const output = await run(ctx, { path: 'penguins.csv' });
    const { table, recipe } = output.table;
    expect(recipe).toEqual([]);
    expect(table.numRows).toBe(344);
    expect(table.getChild('sex')!.nullCount).toBe(11);
    expect(table.getChild('body_mass_g')!.nullCount).toBe(2);
    expect(String(table.getChild('body_mass_g')!.type)).toBe('Int32');
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 344, step: undefined });
    expect(ctx.progressReports.at(-1)).toBe(1);
    expect(ctx.logs.filter((log) => log.level === 'warn')).toEqual([]);
  });

  it('resolves paths against the pipeline folder', async () => {
    const ctx = workspace({ 'pipelines/data/a.csv': 'x\n1\n' });
    const nested = createTestContext({ root: ctx.workspace.root, pipelineDir: join(ctx.workspace.root, 'pipelines') });
    expect(json(await run(nested, { path: 'data/a.csv' }))).toEqual([{ x: 1 }]);
  });

  it('handles a BOM, CRLF, quoted newlines and NA cells', async () => {
    const ctx = workspace({ 'a.csv': '\ufeffid,note,score\r\n1,"two\r\nlines",NA\r\n2,"say ""hi""",3.5\r\n3,,4\r\n' });
    expect(json(await run(ctx, { path: 'a.csv' }))).toEqual([
      { id: 1, note: 'two\r\nlines', score: null },
      { id: 2, note: 'say "hi"', score: 3.5 },
      { id: 3, note: null, score: 4 },
    ]);
  });

  it('reads semicolon and tab files, sniffed or named', async () => {
    const ctx = workspace({ 'semi.csv': 'a;b\n1,5;x\n2,5;y\n', 'tab.tsv': 'a\tb\n1\tx\n2\ty\n' });
    expect(json(await run(ctx, { path: 'semi.csv' }))).toEqual([
      { a: '1,5', b: 'x' },
      { a: '2,5', b: 'y' },
    ]);
    expect(json(await run(ctx, { path: 'tab.tsv', delimiter: 'tab' }))).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    expect(json(await run(ctx, { path: 'tab.tsv', header: false }))[0]).toEqual({ column1: 'a', column2: 'b' });
  });

  it('fails on ragged rows by default, naming file and line', async () => {
    const ctx = workspace({ 'r.csv': 'a,b,c\n1,2,3\n4,5\n' });
    const error = await expectNodeError(run(ctx, { path: 'r.csv' }));
    expect(error.message).toBe("'r.csv' line 3: expected 3 fields, found 2. Fix the file, or set onBadRow to 'skip' to drop bad rows.");
  });

  const ages = `name,age\n${Array.from({ length: 60 }, (_, k) => `p${k},${k === 40 ? 'abc' : 20 + k}`).join('\n')}\n`;

  it('fails on text in a numeric column, naming line and column', async () => {
    const ctx = workspace({ 'ages.csv': ages });
    const error = await expectNodeError(run(ctx, { path: 'ages.csv' }));
    expect(error.message).toContain("line 42, column 'age': 'abc' is not a number");
  });

  it('skips bad rows when asked, with a warning and a metric', async () => {
    const ctx = workspace({ 'ages.csv': ages.replace('p3,23\n', 'p3\n') });
    const output = await run(ctx, { path: 'ages.csv', onBadRow: 'skip' });
    expect(output.table.table.numRows).toBe(58);
    expect(String(output.table.table.getChild('age')!.type)).toBe('Int32');
    const warnings = ctx.logs.filter((log) => log.level === 'warn').map((log) => log.message);
    expect(warnings).toEqual(["skipped 2 bad rows in 'ages.csv': line 5: expected 2 fields, found 1; line 42, column 'age': 'abc' is not a number"]);
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 58, step: undefined });
    expect(ctx.metrics).toContainEqual({ name: 'skipped_rows', value: 2, step: undefined });
  });

  it('warns that a header-only file gives an empty table, naming the file', async () => {
    const ctx = workspace({ 'data/header-only.csv': 'id,name,score\n' });
    const output = await run(ctx, { path: 'data/header-only.csv' });
    expect(output.table.table.numRows).toBe(0);
    expect(output.table.table.numCols).toBe(3);
    expect(ctx.logs.filter((log) => log.level === 'warn')).toEqual([{ level: 'warn', message: "'data/header-only.csv' has no data rows, only a header: the table is empty" }]);
  });

  it('warns when skipping bad rows leaves no rows', async () => {
    const ctx = workspace({ 'bad.csv': 'a,b\n1\n2\n' });
    await run(ctx, { path: 'bad.csv', onBadRow: 'skip' });
    expect(ctx.logs.filter((log) => log.level === 'warn').map((log) => log.message)).toContain("'bad.csv' has no data rows left after skipping bad rows: the table is empty");
  });

  it('refuses a header wider than maxColumns, and reads it once the param is raised', async () => {
    const header = Array.from({ length: 12 }, (_, k) => `c${k}`).join(',');
    const ctx = workspace({ 'wide.csv': `${header}\n${header.replaceAll('c', '')}\n` });
    const error = await expectNodeError(run(ctx, { path: 'wide.csv', maxColumns: 10 }));
    expect(error.message).toBe(
      "'wide.csv': the header has 12 columns, more than the limit of 10 (param maxColumns). Check the delimiter, or raise maxColumns to read a table this wide.",
    );
    expect(error.field).toBe('maxColumns');
    const output = await run(ctx, { path: 'wide.csv', maxColumns: 12 });
    expect(json(output)).toEqual([Object.fromEntries(Array.from({ length: 12 }, (_, k) => [`c${k}`, k]))]);
  });

  it('names a missing file and a folder', async () => {
    const ctx = workspace({ 'data/keep.txt': '' });
    expect((await expectNodeError(run(ctx, { path: 'data/missing.csv' }))).message).toContain("file 'data/missing.csv' not found");
    expect((await expectNodeError(run(ctx, { path: 'data' }))).message).toBe("'data' is a folder, not a CSV file");
  });

  it('refuses a path outside the workspace', async () => {
    const ctx = workspace({});
    const error = await expectNodeError(run(ctx, { path: join(EXAMPLES, 'penguins.csv') }));
    expect(error.field).toBe('path');
    expect(error.message).toContain('outside the workspace');
    expect((await expectNodeError(run(ctx, { path: '../elsewhere.csv' }))).message).toContain('outside the workspace');
  });

  it('rejects empty and non-UTF-8 files', async () => {
    const ctx = workspace({ 'empty.csv': '', 'latin1.csv': Uint8Array.from([0x61, 0x0a, 0x4a, 0x6f, 0x73, 0xe9, 0x0a]) });
    expect((await expectNodeError(run(ctx, { path: 'empty.csv' }))).message).toContain("'empty.csv' is empty");
    expect((await expectNodeError(run(ctx, { path: 'latin1.csv' }))).message).toContain('not valid UTF-8');
  });

  it('stops when cancelled', async () => {
    const ctx = createTestContext({ root: EXAMPLES });
    ctx.abort.abort(new Error('cancelled'));
    await expect(run(ctx, { path: 'penguins.csv' })).rejects.toThrow('cancelled');
  });
});
