import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validatePipeline } from '../../core/graph/index.js';
import { NodeRegistry } from '../../core/graph/registry.js';
import { columnNames, columnValues, readCsv, type DataTable, type Json } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError, type TestContext } from '../../core/sdk/testing.js';
import csvNode from './csv.js';
import validateNode from './validate.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'data');

async function load(name: string): Promise<DataTable> {
  return { table: (await readCsv({ path: join(EXAMPLES, name) })).table, recipe: [] };
}

async function validate(input: DataTable, params: Record<string, unknown>, ctx: TestContext = createTestContext({ nodeId: 'check', nodeType: 'data.validate' })) {
  const output = await validateNode.run({ inputs: { table: input }, params: validateNode.params.parse(params) }, ctx);
  return { ...output, ctx };
}

type RuleReport = { passed: boolean; failingCount: number | null; message: string; examples: { row: number; values: Record<string, Json> }[] };
const rulesOf = (report: Record<string, Json>) => report.rules as unknown as RuleReport[];

describe('data.validate node', () => {
  it('declares described params; rules are checked with the pipeline', () => {
    expect(validateNode.params.parse({ rules: [{ column: 'a', check: 'notNull' }] })).toEqual({ rules: [{ column: 'a', check: 'notNull' }], inferSchema: false, onFail: 'stop' });
    for (const field of Object.values(validateNode.params.shape)) expect(field.description).toBeTruthy();
    expect(validateNode.cacheable?.(validateNode.params.parse({ inferSchema: true }))).toBe(false);
    expect(validateNode.cacheable?.(validateNode.params.parse({ rules: [{ column: 'a', check: 'unique' }] }))).toBe(true);

    const registry = new NodeRegistry([csvNode, validateNode]);
    const doc = (rules: unknown[]) => ({
      format: 'tensorloom/pipeline@1',
      name: 'v',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: 'p.csv' } },
        { id: 'check', type: 'data.validate', params: { rules } },
      ],
      edges: [{ from: 'load.table', to: 'check.table' }],
    });
    const messages = (rules: unknown[]) => {
      const result = validatePipeline(doc(rules) as never, registry);
      return result.ok ? [] : result.issues.map((issue) => issue.message);
    };
    expect(messages([{ column: 'a', check: 'range', min: 0 }, { check: 'rowCount', max: 10 }])).toEqual([]);
    expect(messages([{ column: 'a', check: 'range' }])).toEqual(["node 'check': param 'rules[0].min' or 'max' is required for check 'range'"]);
    expect(messages([{ column: 'a', check: 'notNull' }, { column: 'a', check: 'oneOf' }])).toEqual([
      "node 'check': param 'rules[1].values' is required for check 'oneOf' (the allowed values)",
    ]);
    const [regex] = messages([{ column: 'a', check: 'notNull' }, { column: 'a', check: 'notNull' }, { column: 'a', check: 'regex', pattern: '([a-z' }]);
    expect(regex).toMatch(/^node 'check': param 'rules\[2\]\.pattern' is not a valid regular expression: /);
    expect(messages([{ check: 'notNull' }])).toEqual(["node 'check': param 'rules[0].column' is required for check 'notNull'"]);
    expect(messages([{ column: 'a', check: 'range', min: 5, max: 1 }])).toEqual(["node 'check': param 'rules[0].max' must be at least min (5)"]);
    expect(messages([])).toEqual(["node 'check': param 'rules' needs at least one rule (or set inferSchema)"]);
    expect(messages([{ column: 'a', check: 'isEmail' }])[0]).toContain("param 'rules[0].check' must be one of");
  });

  it('each rule passes on good data and fails with example rows on bad data', async () => {
    const penguins = await load('penguins.csv');
    const { report, table } = await validate(penguins, {
      onFail: 'warn',
      rules: [
        { column: 'species', check: 'notNull' },
        { column: 'sex', check: 'notNull' },
        { column: 'bill_length_mm', check: 'range', min: 30, max: 60 },
        { column: 'bill_length_mm', check: 'range', min: 35, max: 50 },
        { column: 'island', check: 'oneOf', values: ['Biscoe', 'Dream', 'Torgersen'] },
        { column: 'island', check: 'oneOf', values: ['Biscoe', 'Dream'] },
        { column: 'year', check: 'oneOf', values: [2007, 2008, 2009] },
        { column: 'bill_length_mm', check: 'type', type: 'numeric' },
        { column: 'year', check: 'type', type: 'string' },
        { column: 'species', check: 'regex', pattern: '^[A-Z][a-z]+$' },
        { column: 'species', check: 'regex', pattern: '^A' },
        { column: 'body_mass_g', check: 'unique' },
        { check: 'rowCount', min: 100 },
        { check: 'rowCount', max: 100 },
      ],
    });
    expect(table.table).toBe(penguins.table);
    const rules = rulesOf(report);
    expect(rules.map((rule) => rule.passed)).toEqual([true, false, true, false, true, false, true, true, false, true, false, false, true, false]);
    const bills = columnValues(penguins.table, 'bill_length_mm', 'x');
    const islands = columnValues(penguins.table, 'island', 'x');
    const species = columnValues(penguins.table, 'species', 'x');
    const masses = columnValues(penguins.table, 'body_mass_g', 'x').filter((v) => v !== null);
    expect(rules.map((rule) => rule.failingCount)).toEqual([
      0,
      11,
      0,
      bills.filter((v) => v !== null && ((v as number) < 35 || (v as number) > 50)).length,
      0,
      islands.filter((v) => v === 'Torgersen').length,
      0,
      null,
      null,
      0,
      species.filter((v) => v !== 'Adelie').length,
      masses.length - new Set(masses).size,
      null,
      null,
    ]);
    // The NA row of the file: row 3, with every value.
    expect(rules[1]!.examples[0]).toEqual({
      row: 3,
      values: { species: 'Adelie', island: 'Torgersen', bill_length_mm: null, bill_depth_mm: null, flipper_length_mm: null, body_mass_g: null, sex: null, year: 2007 },
    });
    expect(rules[1]!.examples.map((example) => example.row)).toEqual([3, 8, 9, 10, 11, 47, 178, 218, 256, 268, 271]);
    expect(rules[3]!.examples).toHaveLength(20);
    expect(rules[3]!.message).toMatch(/^\d+ rows outside \[35, 50\]$/);
    expect(rules[8]!.message).toBe("'year' is int (Int32), expected string");
    expect(rules[13]!.message).toBe('the table has 344 rows, expected at most 100');
    expect(rules[13]!.examples).toEqual([]);
    expect(report.passed).toBe(false);
  });

  it('stop (the default) fails with a summary and attaches the full report', async () => {
    const ctx = createTestContext({ nodeId: 'check' });
    const error = await expectNodeError(
      validate(await load('penguins.csv'), { rules: [{ column: 'sex', check: 'notNull' }, { column: 'year', check: 'range', max: 2008 }, { column: 'species', check: 'notNull' }] }, ctx),
    );
    expect(error.message).toBe(
      "validation failed (2 problems): rules[0] notNull 'sex': 11 rows missing; rules[1] range 'year' [-inf, 2008]: 120 rows outside [-inf, 2008] (full report: validation-report.json)",
    );
    expect(error.field).toBe('rules');
  });

  it('dropRows removes the rows failing row-level rules and reports how many', async () => {
    const penguins = await load('penguins.csv');
    const { table, report, ctx } = await validate(penguins, {
      onFail: 'dropRows',
      rules: [
        { column: 'sex', check: 'notNull' },
        { column: 'bill_length_mm', check: 'range', max: 55 },
        { check: 'rowCount', min: 10 },
      ],
    });
    const sex = columnValues(penguins.table, 'sex', 'x');
    const bills = columnValues(penguins.table, 'bill_length_mm', 'x');
    const expected = sex.filter((s, row) => s !== null && !((bills[row] as number) > 55)).length;
    expect(table.table.numRows).toBe(expected);
    expect(columnValues(table.table, 'sex', 'x')).not.toContain(null);
    expect(report.rowsDropped).toBe(344 - expected);
    expect(ctx.metrics).toContainEqual({ name: 'rows_dropped', value: 344 - expected, step: undefined });
    expect(ctx.logs).toContainEqual({ level: 'warn', message: `dropped ${344 - expected} rows of 344 failing row-level rules` });
    expect(columnNames(table.table)).toEqual(columnNames(penguins.table));

    const tableLevel = await expectNodeError(validate(penguins, { onFail: 'dropRows', rules: [{ column: 'sex', check: 'notNull' }, { check: 'rowCount', max: 5 }] }));
    expect(tableLevel.message).toContain('dropping rows cannot fix a table-level rule');
  });

  it('unique keeps the first row of each value; missing columns fail the rule and list the columns', async () => {
    const weather = await load('seattle-weather.csv');
    const { report, table } = await validate(weather, {
      onFail: 'dropRows',
      rules: [{ column: 'date', check: 'unique' }, { column: 'weather', check: 'unique' }, { column: 'date', check: 'regex', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }],
    });
    expect(rulesOf(report).map((rule) => rule.passed)).toEqual([true, false, true]);
    expect(columnValues(table.table, 'weather', 'x')).toEqual(['drizzle', 'rain', 'sun', 'snow', 'fog']);
    const missing = await validate(weather, { onFail: 'warn', rules: [{ column: 'Weather', check: 'notNull' }] });
    expect(rulesOf(missing.report)[0]).toMatchObject({
      passed: false,
      failingCount: null,
      message: "column 'Weather' not found; columns are: date, precipitation, temp_max, temp_min, wind, weather",
    });
  });

  it('refuses a range rule on a text column, naming the rule', async () => {
    const error = await expectNodeError(validate(await load('penguins.csv'), { rules: [{ column: 'species', check: 'range', min: 0 }] }));
    expect(error.message).toBe("rules[0]: check 'range' needs a numeric column, but 'species' is text");
    expect(error.field).toBe('rules[0].column');
  });

  it('inferSchema saves the schema on the first run and flags changes on the next', async () => {
    // One state map plays the workspace store across runs.
    const state = new Map<string, string>();
    const ctx = () => createTestContext({ nodeId: 'check', nodeType: 'data.validate', state });
    const penguins = await load('penguins.csv');
    const first = await validate(penguins, { inferSchema: true }, ctx());
    expect(first.report.schema).toEqual({ baseline: 'saved', key: 'schema/check', added: [], missing: [], retyped: [] });
    expect(JSON.parse(state.get('schema/check')!).columns[0]).toEqual({ name: 'species', kind: 'string', type: 'Utf8' });

    const same = await validate(penguins, { inferSchema: true }, ctx());
    expect(same.report.schema).toMatchObject({ baseline: 'compared', added: [], missing: [], retyped: [] });
    expect(same.report.passed).toBe(true);

    // The next file: 'year' became text, 'island' is gone, 'colony' is new.
    const changed = (await readCsv({ bytes: new TextEncoder().encode('species,colony,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\nAdelie,x,39.1,18.7,181,3750,male,y2007\n'), name: 'n.csv' })).table;
    const error = await expectNodeError(validate({ table: changed, recipe: [] }, { inferSchema: true }, ctx()));
    expect(error.message).toBe(
      "validation failed (1 problem): schema differs from the saved schema 'check': new column 'colony'; missing column 'island'; 'year' was int, now string (to accept it: tensorloom state delete data.validate schema/check) (full report: validation-report.json)",
    );
    const warned = await validate({ table: changed, recipe: [] }, { inferSchema: true, onFail: 'warn' }, ctx());
    expect(warned.report.schema).toEqual({
      baseline: 'compared',
      key: 'schema/check',
      added: ['colony'],
      missing: ['island'],
      retyped: [{ column: 'year', was: 'int', now: 'string' }],
    });
    // The baseline is never rewritten by a run: the original schema still holds.
    expect(JSON.parse(state.get('schema/check')!).columns.map((c: { name: string }) => c.name)).toContain('island');
    // schemaName keeps separate baselines.
    await validate({ table: changed, recipe: [] }, { inferSchema: true, schemaName: 'other' }, ctx());
    expect(state.has('schema/other')).toBe(true);
    state.set('schema/broken', '{"columns": 3}');
    expect((await expectNodeError(validate(penguins, { inferSchema: true, schemaName: 'broken' }, ctx()))).message).toBe(
      "the saved schema 'broken' is not a list of columns; run 'tensorloom state delete data.validate schema/broken' to save the current schema again",
    );
  });
});
