/**
 * data.validate: data checks between nodes. Decisions:
 * - Row-level rules (notNull, range, oneOf, unique, regex) mark failing rows; table-level
 *   ones (type, rowCount, a missing column, a schema change) fail as a whole and have a
 *   null failingCount. Missing values fail only notNull (NaN counts as missing in float
 *   columns); range, oneOf and regex skip them. oneOf and regex see values in their text
 *   form; regex searches (anchor it for a full match). unique fails each repeat after a
 *   value's first row, so dropRows keeps the first. Example rows carry the 0-based row index.
 * - dropRows cannot fix a table-level failure: that still stops the node.
 * - inferSchema: the first run saves the columns' names and kinds (the split column aside)
 *   in the node's state (ctx.state, key `schema/<schemaName or node id>`, kept in the
 *   workspace store). It is written once and never rewritten; `tensorloom state delete
 *   data.validate schema/<name>` accepts a new schema. Because the result then depends on that state, the node declares
 *   itself not cacheable for those params: the engine re-runs it every time instead of
 *   replaying a result computed against another (or no) baseline, e.g. for a second node
 *   with the same params and input, or after the file was deleted.
 */
import {
  categoryCodes,
  columnAsFloat64,
  compactTable,
  describeColumns,
  defineNode,
  NodeError,
  port,
  previewRows,
  SPLIT_COLUMN,
  takeRows,
  z,
  type Json,
  type ReportValue,
  type RunContext,
  type Table,
} from '../../core/sdk/index.js';

const CHECKS = ['notNull', 'range', 'oneOf', 'unique', 'type', 'regex', 'rowCount'] as const;
type Check = (typeof CHECKS)[number];
/** Checks about single rows: their failing rows can be dropped. The others are about the whole table. */
const ROW_CHECKS: ReadonlySet<Check> = new Set(['notNull', 'range', 'oneOf', 'unique', 'regex']);
const TYPES = ['int', 'float', 'numeric', 'bool', 'string'] as const;
const MAX_EXAMPLES = 20;
/** The ctx.state key of a saved schema. */
const schemaKey = (name: string) => `schema/${name}`;

function compileRegex(pattern: string): RegExp {
  return new RegExp(pattern, 'u');
}

const ruleSchema = z
  .object({
    column: z.string().min(1).optional().describe('The column the rule checks (not used by rowCount)'),
    check: z.enum(CHECKS).describe('notNull | range | oneOf | unique | type | regex | rowCount'),
    min: z.number().optional().describe('range: smallest allowed value; rowCount: fewest rows'),
    max: z.number().optional().describe('range: largest allowed value; rowCount: most rows'),
    values: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional()
      .describe('oneOf: the allowed values (compared by their text form)'),
    pattern: z.string().optional().describe('regex: a JavaScript regular expression each value must match (anchor with ^…$ for a full match)'),
    type: z.enum(TYPES).optional().describe('type: int | float | numeric | bool | string'),
  })
  .strict()
  .superRefine((rule, issues) => {
    const need = (path: string, message: string) => issues.addIssue({ code: 'custom', path: [path], message });
    if (rule.check !== 'rowCount' && rule.column === undefined) need('column', `is required for check '${rule.check}'`);
    if ((rule.check === 'range' || rule.check === 'rowCount') && rule.min === undefined && rule.max === undefined) {
      need('min', `or 'max' is required for check '${rule.check}'`);
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) need('max', `must be at least min (${rule.min})`);
    if (rule.check === 'oneOf' && rule.values === undefined) need('values', "is required for check 'oneOf' (the allowed values)");
    if (rule.check === 'type' && rule.type === undefined) need('type', `is required for check 'type' (one of ${TYPES.join(', ')})`);
    if (rule.check === 'regex') {
      if (rule.pattern === undefined) need('pattern', "is required for check 'regex'");
      else {
        try {
          compileRegex(rule.pattern);
        } catch (error) {
          need('pattern', `is not a valid regular expression: ${(error as Error).message}`);
        }
      }
    }
  });
type Rule = z.output<typeof ruleSchema>;

interface RuleResult {
  readonly index: number;
  readonly rule: Rule;
  readonly passed: boolean;
  /** Failing rows of a row-level rule; null for a table-level one. */
  readonly failing: Uint8Array | null;
  readonly failingCount: number | null;
  readonly message: string;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeRule(rule: Rule): string {
  const on = rule.column === undefined ? '' : ` '${rule.column}'`;
  switch (rule.check) {
    case 'range':
    case 'rowCount':
      return `${rule.check}${on} [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]`;
    case 'oneOf':
      return `oneOf${on} (${(rule.values ?? []).map(String).join(', ')})`;
    case 'regex':
      return `regex${on} /${rule.pattern ?? ''}/`;
    case 'type':
      return `type${on} ${rule.type ?? ''}`;
    default:
      return `${rule.check}${on}`;
  }
}

function kindMatches(kind: string, expected: (typeof TYPES)[number]): boolean {
  if (expected === 'numeric') return kind === 'int' || kind === 'float';
  return kind === expected;
}

/** Category codes of a column of a compacted table (one chunk per column). */
function codesOf(table: Table, column: string) {
  return categoryCodes(table.getChild(column)!.data[0]!);
}

/** Marks the rows whose value (text form, null when missing) fails; each distinct value is tested once. */
function byValue(table: Table, column: string, failed: (value: string | null) => boolean): Uint8Array {
  const codes = codesOf(table, column);
  const verdicts = codes.values.map((value) => failed(value));
  const missing = failed(null);
  const out = new Uint8Array(table.numRows);
  for (let row = 0; row < out.length; row++) {
    const id = codes.ids[row]!;
    out[row] = (id < 0 ? missing : verdicts[id]!) ? 1 : 0;
  }
  return out;
}

function evaluate(table: Table, rule: Rule, index: number): RuleResult {
  const rows = table.numRows;
  const result = (failing: Uint8Array | null, failingCount: number | null, passed: boolean, message: string): RuleResult => ({ index, rule, passed, failing, failingCount, message });
  if (rule.check === 'rowCount') {
    const passed = (rule.min === undefined || rows >= rule.min) && (rule.max === undefined || rows <= rule.max);
    return result(null, null, passed, passed ? `${plural(rows, 'row')}` : `the table has ${plural(rows, 'row')}, expected ${rule.min === undefined ? '' : `at least ${rule.min}`}${rule.min !== undefined && rule.max !== undefined ? ' and ' : ''}${rule.max === undefined ? '' : `at most ${rule.max}`}`);
  }
  const column = rule.column!;
  const summary = describeColumns(table).find((c) => c.name === column);
  if (!summary) {
    const names = describeColumns(table).map((c) => c.name).filter((name) => name !== SPLIT_COLUMN);
    return result(null, null, false, `column '${column}' not found; columns are: ${names.join(', ')}`);
  }
  const field = `rules[${index}].column`;
  let failing: Uint8Array;
  switch (rule.check) {
    case 'type': {
      const passed = kindMatches(summary.kind, rule.type!);
      return result(null, null, passed, passed ? `'${column}' is ${summary.kind}` : `'${column}' is ${summary.kind} (${summary.type}), expected ${rule.type}`);
    }
    case 'notNull': {
      // NaN in a float column is as missing as null.
      if (summary.kind === 'float') failing = Uint8Array.from(columnAsFloat64(table, column, field), (x) => (Number.isNaN(x) ? 1 : 0));
      else failing = byValue(table, column, (value) => value === null);
      break;
    }
    case 'range': {
      if (summary.kind !== 'int' && summary.kind !== 'float') {
        throw new NodeError(`rules[${index}]: check 'range' needs a numeric column, but '${column}' is ${summary.kind === 'string' ? 'text' : summary.type}`, { field });
      }
      const values = columnAsFloat64(table, column, field);
      const min = rule.min ?? -Infinity;
      const max = rule.max ?? Infinity;
      // Missing values are notNull's business; NaN fails both comparisons, so it passes here.
      failing = Uint8Array.from(values, (x) => (x < min || x > max ? 1 : 0));
      break;
    }
    case 'oneOf': {
      const allowed = new Set((rule.values ?? []).map(String));
      failing = byValue(table, column, (value) => value !== null && !allowed.has(value));
      break;
    }
    case 'regex': {
      const pattern = compileRegex(rule.pattern!);
      failing = byValue(table, column, (value) => value !== null && !pattern.test(value));
      break;
    }
    case 'unique': {
      // Every repeat after a value's first row fails (so dropRows keeps the first); nulls never repeat.
      const codes = codesOf(table, column);
      const seen = new Uint8Array(codes.values.length);
      failing = new Uint8Array(rows);
      for (let row = 0; row < rows; row++) {
        const id = codes.ids[row]!;
        if (id < 0) continue;
        if (seen[id]) failing[row] = 1;
        seen[id] = 1;
      }
      break;
    }
  }
  let count = 0;
  for (let row = 0; row < rows; row++) count += failing[row]!;
  const what: Record<Exclude<Check, 'type' | 'rowCount'>, string> = {
    notNull: 'missing',
    range: `outside [${rule.min ?? '-inf'}, ${rule.max ?? 'inf'}]`,
    oneOf: 'not one of the allowed values',
    regex: `not matching /${rule.pattern}/`,
    unique: 'repeating an earlier value',
  };
  const passed = count === 0;
  return result(failing, count, passed, passed ? `no failing rows` : `${plural(count, 'row')} ${what[rule.check as keyof typeof what]}`);
}

function examples(table: Table, failing: Uint8Array): Json[] {
  const rows: number[] = [];
  for (let row = 0; row < failing.length && rows.length < MAX_EXAMPLES; row++) if (failing[row]) rows.push(row);
  const values = previewRows(takeRows(table, rows), MAX_EXAMPLES);
  return rows.map((row, k) => ({ row, values: values[k]! }));
}

function ruleJson(rule: Rule): { [key: string]: Json } {
  return Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined)) as { [key: string]: Json };
}

interface SchemaColumn {
  name: string;
  kind: string;
  type: string;
}

interface SchemaCheck {
  readonly baseline: 'saved' | 'compared';
  /** The ctx.state key it is saved under. */
  readonly key: string;
  readonly added: string[];
  readonly missing: string[];
  readonly retyped: { column: string; was: string; now: string }[];
}

function currentSchema(table: Table): SchemaColumn[] {
  return describeColumns(table)
    .filter((column) => column.name !== SPLIT_COLUMN)
    .map(({ name, kind, type }) => ({ name, kind, type }));
}

/**
 * Compares the table's columns (names and kinds; the split column aside) with the schema
 * saved by the first run, saving it when there is none. The saved schema is never
 * rewritten: delete it (or change schemaName) to accept a new schema.
 */
async function checkSchema(table: Table, name: string, ctx: RunContext): Promise<SchemaCheck> {
  const key = schemaKey(name);
  const columns = currentSchema(table);
  const stored = await ctx.state.get(key);
  const saved = savedColumns(stored);
  if (stored !== undefined && saved === undefined) {
    throw new NodeError(`the saved schema '${name}' is not a list of columns; run 'tensorloom state delete data.validate ${key}' to save the current schema again`, { field: 'inferSchema' });
  }
  if (saved === undefined) {
    await ctx.state.set(key, { format: 'tensorloom/schema@1', node: ctx.nodeId, columns: columns.map((column) => ({ ...column })) });
    ctx.log(`saved the schema (${plural(columns.length, 'column')}) as '${name}'; later runs compare with it`);
    return { baseline: 'saved', key, added: [], missing: [], retyped: [] };
  }
  const before = new Map(saved.map((column) => [column.name, column]));
  const now = new Map(columns.map((column) => [column.name, column]));
  return {
    baseline: 'compared',
    key,
    added: columns.filter((column) => !before.has(column.name)).map((column) => column.name),
    missing: saved.filter((column) => !now.has(column.name)).map((column) => column.name),
    retyped: columns.flatMap((column) => {
      const old = before.get(column.name);
      return old && old.kind !== column.kind ? [{ column: column.name, was: old.kind, now: column.kind }] : [];
    }),
  };
}

/** The columns of a saved schema; undefined when the value is not one. */
function savedColumns(value: Json | undefined): SchemaColumn[] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const columns = value['columns'];
  if (!Array.isArray(columns)) return undefined;
  const parsed: SchemaColumn[] = [];
  for (const column of columns) {
    if (typeof column !== 'object' || column === null || Array.isArray(column)) return undefined;
    const { name, kind, type } = column;
    if (typeof name !== 'string' || typeof kind !== 'string') return undefined;
    parsed.push({ name, kind, type: typeof type === 'string' ? type : '' });
  }
  return parsed;
}

function schemaProblems(check: SchemaCheck): string[] {
  const problems: string[] = [];
  if (check.added.length > 0) problems.push(`new column${check.added.length === 1 ? '' : 's'} ${check.added.map((n) => `'${n}'`).join(', ')}`);
  if (check.missing.length > 0) problems.push(`missing column${check.missing.length === 1 ? '' : 's'} ${check.missing.map((n) => `'${n}'`).join(', ')}`);
  for (const { column, was, now } of check.retyped) problems.push(`'${column}' was ${was}, now ${now}`);
  return problems;
}

export default defineNode({
  type: 'data.validate',
  // 2: the schema baseline moved from a file under .tensorloom/schemas to ctx.state.
  version: 2,
  category: 'data',
  title: 'Validate',
  description: 'Checks rules on the rows (not null, range, allowed values, unique, type, pattern, row count) and optionally the schema against the first run; stops, warns or drops failing rows.',
  inputs: { table: port('table') },
  outputs: {
    table: port('table', { description: 'The rows (without the failing ones when onFail is dropRows); the recipe is unchanged.' }),
    report: port('report', { description: 'Per rule: passed, failingCount (null for table-level rules), up to 20 example rows (0-based row index and values); the schema comparison.' }),
  },
  params: z
    .object({
      rules: z.array(ruleSchema).default([]).describe('The checks, each { column, check, min?, max?, values?, pattern?, type? }'),
      inferSchema: z
        .boolean()
        .default(false)
        .describe('Save the column names and kinds on the first run; later runs flag new, missing or re-typed columns'),
      schemaName: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, _ . - (a file name)')
        .optional()
        .describe("Name the schema is saved under (default: this node's id); give it when two pipelines share node ids"),
      onFail: z
        .enum(['stop', 'warn', 'dropRows'])
        .default('stop')
        .describe('stop: fail the node; warn: log and pass every row; dropRows: remove rows failing row-level rules'),
    })
    .superRefine((params, issues) => {
      if (params.rules.length === 0 && !params.inferSchema) issues.addIssue({ code: 'custom', path: ['rules'], message: 'needs at least one rule (or set inferSchema)' });
    }),
  // The schema comparison reads state saved by an earlier run: never reuse a cached result for it.
  cacheable: (params) => !params.inferSchema,
  async run({ inputs, params }, ctx) {
    const { recipe } = inputs.table;
    const table = compactTable(inputs.table.table);
    const results: RuleResult[] = [];
    params.rules.forEach((rule, index) => {
      ctx.signal.throwIfAborted();
      results.push(evaluate(table, rule, index));
      ctx.progress((index + 1) / (params.rules.length + 1));
    });
    const schema = params.inferSchema ? await checkSchema(table, params.schemaName ?? ctx.nodeId, ctx) : undefined;
    const schemaIssues = schema ? schemaProblems(schema) : [];

    const failed = results.filter((r) => !r.passed);
    const lines = failed.map((r) => `rules[${r.index}] ${describeRule(r.rule)}: ${r.message}`);
    if (schemaIssues.length > 0) {
      const name = schema!.key.slice('schema/'.length);
      lines.push(`schema differs from the saved schema '${name}': ${schemaIssues.join('; ')} (to accept it: tensorloom state delete data.validate ${schema!.key})`);
    }

    // Rows failing any row-level rule.
    const bad = new Uint8Array(table.numRows);
    for (const r of failed) if (r.failing) for (let row = 0; row < bad.length; row++) bad[row]! |= r.failing[row]!;
    const badRows = bad.reduce((sum, flag) => sum + flag, 0);
    ctx.metric('rules_failed', failed.length + (schemaIssues.length > 0 ? 1 : 0));
    ctx.metric('rows_failed', badRows);

    let output = table;
    let dropped = 0;
    const tableLevel = failed.filter((r) => !ROW_CHECKS.has(r.rule.check) || r.failing === null);
    const report = (): ReportValue => ({
      passed: lines.length === 0,
      rows: table.numRows,
      onFail: params.onFail,
      rowsDropped: dropped,
      rules: results.map((r) => ({
        rule: ruleJson(r.rule),
        description: describeRule(r.rule),
        passed: r.passed,
        failingCount: r.failingCount,
        message: r.message,
        examples: r.failing && !r.passed ? examples(table, r.failing) : [],
      })),
      schema: schema ? { baseline: schema.baseline, key: schema.key, added: schema.added, missing: schema.missing, retyped: schema.retyped } : null,
    });

    if (lines.length > 0) {
      if (params.onFail === 'stop' || (params.onFail === 'dropRows' && (tableLevel.length > 0 || schemaIssues.length > 0))) {
        const attached = await ctx.artifacts.write('validation-report.json', `${JSON.stringify(report(), null, 2)}\n`);
        const why = params.onFail === 'dropRows' ? '; dropping rows cannot fix a table-level rule' : '';
        const shown = lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; and ${lines.length - 5} more` : '');
        throw new NodeError(`validation failed (${plural(lines.length, 'problem')}${why}): ${shown} (full report: ${attached.name})`, { field: 'rules' });
      }
      for (const line of lines) ctx.log(line, 'warn');
      if (params.onFail === 'dropRows' && badRows > 0) {
        if (badRows === table.numRows) throw new NodeError(`every one of the ${plural(table.numRows, 'row')} fails a rule; nothing would be left`, { field: 'rules' });
        const keep: number[] = [];
        for (let row = 0; row < bad.length; row++) if (!bad[row]) keep.push(row);
        output = takeRows(table, keep);
        dropped = badRows;
        ctx.log(`dropped ${plural(dropped, 'row')} of ${table.numRows} failing row-level rules`, 'warn');
      }
    } else ctx.log(`all ${plural(results.length, 'rule')} passed on ${plural(table.numRows, 'row')}${schema?.baseline === 'compared' ? '; the schema matches' : ''}`);
    ctx.metric('rows_dropped', dropped);
    return { table: { table: output, recipe }, report: report() };
  },
});
