import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import sqliteNode from './sqlite.js';

const VEGA = join(import.meta.dirname, '..', '..', 'node_modules', 'vega-datasets', 'data');
type Penguin = Record<'Species' | 'Island' | 'Beak Length (mm)' | 'Beak Depth (mm)' | 'Flipper Length (mm)' | 'Body Mass (g)' | 'Sex', string | number | null>;
const penguins = JSON.parse(readFileSync(join(VEGA, 'penguins.json'), 'utf8')) as Penguin[];

let root: string;

/** A workspace with penguins.db (the real penguins rows) and a few odd tables. */
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tensorloom-node-sqlite-'));
  const db = new Database(join(root, 'penguins.db'));
  db.exec(`CREATE TABLE penguins (species TEXT NOT NULL, island TEXT, beak_length REAL, beak_depth REAL, flipper_length INTEGER, body_mass INTEGER, sex TEXT);
           CREATE TABLE odd (id INTEGER, mixed, blob BLOB, big INTEGER);`);
  const insert = db.prepare('INSERT INTO penguins VALUES (?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const p of penguins) insert.run(p.Species, p.Island, p['Beak Length (mm)'], p['Beak Depth (mm)'], p['Flipper Length (mm)'], p['Body Mass (g)'], p.Sex);
  })();
  db.prepare('INSERT INTO odd VALUES (?, ?, ?, ?)').run(1, 'text', null, 5_000_000_000);
  db.prepare('INSERT INTO odd VALUES (?, ?, ?, ?)').run(2, 42, Buffer.from([1, 2]), 7);
  db.close();
  copyFileSync(join(VEGA, 'seattle-weather.csv'), join(root, 'weather.db'));
});

const context = () => createTestContext({ root, nodeType: 'data.sqlite' });
const run = (ctx: TestContext, params: Record<string, unknown>) => sqliteNode.run({ inputs: {}, params: sqliteNode.params.parse(params) }, ctx);
const types = (output: Awaited<ReturnType<typeof run>>) => output.table.table.schema.fields.map((field) => `${field.name}:${String(field.type)}`);
const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('data.sqlite node', () => {
  it('declares a worker source node with described path and query params', () => {
    expect(sqliteNode.type).toBe('data.sqlite');
    expect(sqliteNode.module).toMatch(/sqlite\.(ts|js)$/);
    expect(sqliteNode.outputs.table.type).toBe('table');
    for (const field of Object.values(sqliteNode.params.shape)) expect(field.description).toBeTruthy();
    expect(sqliteNode.sourceFiles?.(sqliteNode.params.parse({ path: 'a.db', query: 'SELECT 1' }))).toEqual([{ param: 'path', path: 'a.db' }]);
    expect(sqliteNode.params.safeParse({ path: 'a.db' }).success).toBe(false);
    expect(sqliteNode.params.safeParse({ path: 'a.db', query: '   ' }).success).toBe(false);
  });

  it('reads the real penguins rows with types from their values', async () => {
    const ctx = context();
    const output = await run(ctx, { path: 'penguins.db', query: 'SELECT * FROM penguins' });
    const { table, recipe } = output.table;
    expect(recipe).toEqual([]);
    expect(table.numRows).toBe(344);
    expect(types(output)).toEqual(['species:Utf8', 'island:Utf8', 'beak_length:Float64', 'beak_depth:Float64', 'flipper_length:Int32', 'body_mass:Int32', 'sex:Utf8']);
    expect(table.getChild('body_mass')!.nullCount).toBe(2);
    expect(table.getChild('sex')!.nullCount).toBe(10);
    expect(table.toArray().map((row) => Object.values(row.toJSON()))).toEqual(penguins.map((p) => Object.values(p)));
    expect(ctx.metrics).toContainEqual({ name: 'rows', value: 344, step: undefined });
    expect(ctx.progressReports.at(-1)).toBe(1);
  });

  it('runs aggregates and CTEs, and makes repeated column names unique', async () => {
    const output = await run(context(), {
      path: 'penguins.db',
      query: `WITH big AS (SELECT * FROM penguins WHERE body_mass > 4000)
              SELECT species, COUNT(*) AS n, AVG(body_mass) AS mass, species FROM big GROUP BY species ORDER BY species`,
    });
    expect(types(output)).toEqual(['species:Utf8', 'n:Int32', 'mass:Float64', 'species_2:Utf8']);
    expect(output.table.table.toArray().map((row) => row.toJSON().species)).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
  });

  it('makes integers beyond Int32 Float64 and warns about an empty result', async () => {
    const ctx = context();
    expect(types(await run(ctx, { path: 'penguins.db', query: 'SELECT id, big FROM odd' }))).toEqual(['id:Int32', 'big:Float64']);
    const empty = await run(ctx, { path: 'penguins.db', query: "SELECT species FROM penguins WHERE island = 'Atlantis'" });
    expect(empty.table.table.numRows).toBe(0);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: "the query on 'penguins.db' returned no rows: the table is empty" });
  });

  it('refuses statements that write or return nothing, naming the query field, and leaves the file alone', async () => {
    const before = fileHash(join(root, 'penguins.db'));
    for (const query of ['DELETE FROM penguins', "UPDATE penguins SET sex = 'x'", 'CREATE TABLE t (a)', 'PRAGMA user_version = 3', 'INSERT INTO odd VALUES (3, 3, 3, 3) RETURNING id']) {
      const error = await expectNodeError(run(context(), { path: 'penguins.db', query }));
      expect(error.field, query).toBe('query');
      expect(error.message, query).toContain("param 'query': only a read-only query that returns rows (SELECT, WITH … SELECT) can run here");
    }
    expect(fileHash(join(root, 'penguins.db'))).toBe(before);
  });

  it('names the query on SQL errors', async () => {
    const syntax = await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELEC * FROM penguins' }));
    expect(syntax.message).toBe('param \'query\': near "SELEC": syntax error (in: SELEC * FROM penguins)');
    expect(syntax.field).toBe('query');
    expect((await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELECT * FROM pinguins' }))).message).toBe(
      "param 'query': no such table: pinguins (in: SELECT * FROM pinguins)",
    );
    expect((await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELECT 1; SELECT 2' }))).message).toContain('more than one statement');
  });

  it('names the row and column of mixed types and of binary data', async () => {
    const mixed = await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELECT mixed FROM odd ORDER BY id' }));
    expect(mixed.message).toBe(
      "'penguins.db' row 2: column 'mixed' holds strings (from row 1 on), but here it is a number (42). Every value of a column must have one type or be null; CAST it in the query.",
    );
    const blob = await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELECT id, blob FROM odd' }));
    expect(blob.message).toBe("'penguins.db' row 2, column 'blob': binary data (BLOB) cannot go into a table; select hex(blob) or leave the column out");
  });

  it('names a file that is not a database, a missing file and a path outside the workspace', async () => {
    const notDb = await expectNodeError(run(context(), { path: 'weather.db', query: 'SELECT 1' }));
    expect(notDb.message).toBe("'weather.db' is not an SQLite database");
    expect(notDb.field).toBe('path');
    expect((await expectNodeError(run(context(), { path: 'missing.db', query: 'SELECT 1' }))).message).toContain("file 'missing.db' not found");
    expect((await expectNodeError(run(context(), { path: '.', query: 'SELECT 1' }))).message).toBe("'.' is a folder, not an SQLite database");
    const outside = await expectNodeError(run(context(), { path: '../other.db', query: 'SELECT 1' }));
    expect(outside.field).toBe('path');
    expect(outside.message).toContain('outside the workspace');
  });

  const unbounded = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c';

  it('has budgets for rows, time and memory, with defaults', () => {
    expect(sqliteNode.params.parse({ path: 'a.db', query: 'SELECT 1' })).toEqual({
      path: 'a.db',
      query: 'SELECT 1',
      maxRows: 5_000_000,
      timeoutSeconds: 300,
      maxMegabytes: 2048,
    });
    for (const bad of [{ maxRows: 0 }, { maxRows: 1.5 }, { timeoutSeconds: 0 }, { maxMegabytes: -1 }]) {
      expect(sqliteNode.params.safeParse({ path: 'a.db', query: 'SELECT 1', ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('stops an unbounded recursive CTE at maxRows, naming the param', async () => {
    // The default (5,000,000) works the same way; a smaller limit keeps the test light on a shared machine.
    const error = await expectNodeError(run(context(), { path: 'penguins.db', query: unbounded, maxRows: 200_000 }));
    expect(error.message).toBe("'penguins.db': the query returned more than 200,000 rows (param maxRows); add a LIMIT to the query or raise maxRows");
    expect(error.field).toBe('maxRows');
  });

  it('returns exactly maxRows rows, and refuses one more', async () => {
    const output = await run(context(), { path: 'penguins.db', query: 'SELECT * FROM penguins', maxRows: 344 });
    expect(output.table.table.numRows).toBe(344);
    const error = await expectNodeError(run(context(), { path: 'penguins.db', query: 'SELECT * FROM penguins', maxRows: 343 }));
    expect(error.message).toBe("'penguins.db': the query returned more than 343 rows (param maxRows); add a LIMIT to the query or raise maxRows");
  });

  it('stops a query that runs past timeoutSeconds, naming the param', async () => {
    const error = await expectNodeError(run(context(), { path: 'penguins.db', query: unbounded, maxRows: Number.MAX_SAFE_INTEGER, timeoutSeconds: 0.2 }));
    expect(error.message).toMatch(
      /^'penguins\.db': the query ran longer than 0\.2 seconds \(param timeoutSeconds\) and was stopped after [\d,]+ rows; narrow it with WHERE or LIMIT, or raise timeoutSeconds$/,
    );
    expect(error.field).toBe('timeoutSeconds');
  });

  it('stops a result that outgrows maxMegabytes, naming the param', async () => {
    // 1,000-character rows: about 1 MiB per thousand rows.
    const query = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x, replace(hex(zeroblob(500)), '00', 'ab') AS text FROM c";
    const error = await expectNodeError(run(context(), { path: 'penguins.db', query, maxRows: Number.MAX_SAFE_INTEGER, maxMegabytes: 8 }));
    expect(error.message).toMatch(
      /^'penguins\.db': the query's result took more than 8 MiB after [\d,]+ rows \(param maxMegabytes\); select fewer columns or rows, or raise maxMegabytes$/,
    );
    expect(error.field).toBe('maxMegabytes');
  });

  it('stops when cancelled', async () => {
    const ctx = context();
    ctx.abort.abort(new Error('cancelled'));
    await expect(run(ctx, { path: 'penguins.db', query: 'WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 200000) SELECT k FROM n' })).rejects.toThrow(
      'cancelled',
    );
  });
});
