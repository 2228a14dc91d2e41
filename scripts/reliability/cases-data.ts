/**
 * Category 2: bad data files through the source nodes (data.csv, data.jsonl, data.json,
 * data.parquet, data.sqlite) and feature nodes that reference columns that are not there,
 * each with `tensorloom run` in its own workspace. A node failing with a message is the
 * documented answer (exit 1); so is a refusal at validation (exit 2).
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pipelineText } from './cases-pipelines.js';
import { cliCase, cliProblems, copyExamples, firstLines, log, mapPool, nested, outputProblems, runCli, seededRandom, type CaseResult, type CliRun } from './lib.js';

const FORMAT = 'tensorloom/pipeline@1';

interface DataCase {
  name: string;
  /** Files to put under the workspace (relative paths). */
  files?: Record<string, string | Buffer | (() => string | Buffer)>;
  /** Fixture files to copy in: name under fixtures/ → path in the workspace. */
  fixtures?: Record<string, string>;
  nodes: unknown[];
  edges?: [string, string][];
  /** Exit codes that are the documented answer (default 1 or 2). */
  codes?: readonly number[];
  /** Damages the first fixture once copied in. */
  harm?: (path: string) => void;
  /** After the run: a reason when something is wrong. */
  after?: (ws: string) => string | null;
  /** A failed node's message must say this (e.g. name the param that caps it). */
  says?: RegExp;
}

const load = (type: string, path: string, extra: Record<string, unknown> = {}) => ({ id: 'load', type, params: { path, ...extra } });
const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, params });
const csv = (path: string, extra: Record<string, unknown> = {}) => load('data.csv', path, extra);

function garbage(bytes: number, seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(random() * 256)));
}

/** A CSV of `columns` numbered columns and `rows` rows of zeros. */
function wide(columns: number, rows: number): string {
  const header = Array.from({ length: columns }, (_, index) => `c${index}`).join(',');
  const row = Array.from({ length: columns }, () => '0').join(',');
  return `${header}\n${`${row}\n`.repeat(rows)}`;
}

const ENDLESS = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)';

function sha(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'missing';
}

/** Builds the fixtures the cases start from: JSONL, Parquet (written by the CLI itself) and SQLite. */
export async function makeDataFixtures(root: string): Promise<string> {
  const ws = copyExamples(root, 'fixtures');
  const file = join(ws, 'fixtures.pipeline.json');
  writeFileSync(
    file,
    pipelineText({
      format: FORMAT,
      name: 'fixtures',
      nodes: [csv('data/penguins.csv'), node('parquet', 'data.write', { path: 'fixtures/penguins.parquet', format: 'parquet' }), node('jsonl', 'data.write', { path: 'fixtures/penguins.jsonl', format: 'jsonl' })],
      edges: [
        { from: 'load.table', to: 'parquet.table' },
        { from: 'load.table', to: 'jsonl.table' },
      ],
    }),
  );
  const run = await runCli(['run', file], { cwd: ws });
  if (run.code !== 0 || !existsSync(join(ws, 'fixtures', 'penguins.parquet'))) {
    throw new Error(`could not write the Parquet/JSONL fixtures with data.write (exit ${run.code}):\n${run.stderr.slice(0, 2000)}`);
  }
  const db = new Database(join(ws, 'fixtures', 'penguins.sqlite'));
  const lines = readFileSync(join(ws, 'data', 'penguins.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  db.exec(`CREATE TABLE penguins (${header.map((name) => `"${name}"`).join(', ')})`);
  const insert = db.prepare(`INSERT INTO penguins VALUES (${header.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const line of lines.slice(1)) insert.run(...line.split(',').map((cell) => (cell === 'NA' ? null : /^-?\d+(\.\d+)?$/.test(cell) ? Number(cell) : cell)));
  })();
  db.close();
  return join(ws, 'fixtures');
}

function dataCases(): DataCase[] {
  const penguins = () => readFileSync(new URL('../../examples/data/penguins.csv', import.meta.url), 'utf8');
  const onPenguins = (name: string, nodes: unknown[], edges: [string, string][], codes?: readonly number[]): DataCase => ({
    name,
    nodes: [csv('data/penguins.csv'), ...nodes],
    edges,
    ...(codes ? { codes } : {}),
  });
  // The runner checks that every case's SQLite file is byte for byte the same after the run.
  const sqliteCase = (name: string, query: string, extra: Partial<DataCase> = {}): DataCase => ({
    name,
    fixtures: { 'penguins.sqlite': 'data/p.sqlite' },
    nodes: [load('data.sqlite', 'data/p.sqlite', { query })],
    ...extra,
  });
  const sqliteBudget = (name: string, query: string, budget: Record<string, number>): DataCase => ({
    name,
    says: new RegExp(`param ${Object.keys(budget).at(-1)}`),
    fixtures: { 'penguins.sqlite': 'data/p.sqlite' },
    nodes: [load('data.sqlite', 'data/p.sqlite', { query, ...budget })],
  });
  const cases: DataCase[] = [
    // CSV
    { name: 'csv: ragged rows (onBadRow fail)', files: { 'data/x.csv': 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n' }, nodes: [csv('data/x.csv')] },
    { name: "csv: ragged rows (onBadRow skip: skipped and counted)", codes: [0, 1], files: { 'data/x.csv': 'a,b,c\n1,2,3\n4,5\n6,7,8,9\n' }, nodes: [csv('data/x.csv', { onBadRow: 'skip' })] },
    { name: 'csv: unterminated quote', files: { 'data/x.csv': 'a,b\n1,"two\n3,4\n5,6\n' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: quote inside an unquoted field', codes: [0, 1], files: { 'data/x.csv': 'a,b\n1,tw"o\n3,"fo""ur"x\n' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: binary garbage (256 KB)', codes: [0, 1, 2], files: { 'data/x.csv': () => garbage(256 << 10, 7) }, nodes: [csv('data/x.csv')] },
    { name: 'csv: empty file', files: { 'data/x.csv': '' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: header only (no rows: an empty table or a refusal)', codes: [0, 1], files: { 'data/x.csv': 'a,b,c\n' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: header of 1 MB of commas', files: { 'data/x.csv': () => `${','.repeat(1 << 20)}\n` }, nodes: [csv('data/x.csv')] },
    { name: 'csv: header of 50 MB of commas (over the column cap)', says: /maxColumns/, files: { 'data/x.csv': () => `${','.repeat(50 << 20)}\n` }, nodes: [csv('data/x.csv')] },
    { name: 'csv: 10,001 columns (one over the default cap of 10,000)', says: /maxColumns/, files: { 'data/x.csv': () => wide(10_001, 2) }, nodes: [csv('data/x.csv')] },
    { name: 'csv: 20,000 columns with maxColumns 20000 (valid, read)', codes: [0], files: { 'data/x.csv': () => wide(20_000, 2) }, nodes: [csv('data/x.csv', { maxColumns: 20_000 })] },
    { name: 'csv: text in a number column (onBadRow fail)', codes: [0, 1], files: { 'data/x.csv': `a,b\n${Array.from({ length: 50 }, (_, index) => `${index},${index * 2}`).join('\n')}\n51,fifty\n` }, nodes: [csv('data/x.csv')] },
    { name: 'csv: duplicate column names', codes: [0, 1], files: { 'data/x.csv': 'a,a,b\n1,2,3\n' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: NUL bytes in cells', codes: [0, 1], files: { 'data/x.csv': 'a,b\n1,x\u0000y\n2,\u0000\n' }, nodes: [csv('data/x.csv')] },
    { name: 'csv: invalid UTF-8 in cells', codes: [0, 1], files: { 'data/x.csv': Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]) }, nodes: [csv('data/x.csv')] },
    { name: 'csv: a 4 MB cell', codes: [0, 1], files: { 'data/x.csv': () => `a,b\n1,${'x'.repeat(4 << 20)}\n` }, nodes: [csv('data/x.csv')] },
    { name: 'csv: path is a folder', nodes: [csv('data')] },
    { name: 'csv: file does not exist', nodes: [csv('data/missing.csv')] },
    // Columns that are not there, or of the wrong type, referenced by feature nodes
    onPenguins('feature.select: a missing column', [node('f', 'feature.select', { columns: ['nope'] })], [['load.table', 'f.table']]),
    onPenguins('feature.select: drop a missing column', [node('f', 'feature.select', { drop: ['nope'] })], [['load.table', 'f.table']]),
    onPenguins('feature.expression: a missing column', [node('f', 'feature.expression', { name: 'z', expression: 'nope + 1' })], [['load.table', 'f.table']]),
    onPenguins('feature.expression: a syntax error', [node('f', 'feature.expression', { name: 'z', expression: 'bill_length_mm +* (2' })], [['load.table', 'f.table']]),
    onPenguins('feature.expression: arithmetic on a text column', [node('f', 'feature.expression', { name: 'z', expression: 'species * 2' })], [['load.table', 'f.table']]),
    onPenguins('feature.expression: 5,000 nested parentheses', [node('f', 'feature.expression', { name: 'z', expression: `${'('.repeat(5000)}bill_length_mm${')'.repeat(5000)}` })], [['load.table', 'f.table']], [0, 1, 2]),
    onPenguins('data.split: stratifyBy a missing column', [node('f', 'data.split', { stratifyBy: 'nope' })], [['load.table', 'f.table']]),
    onPenguins('feature.impute: a missing column', [node('f', 'feature.impute', { columns: ['nope'] })], [['load.table', 'f.table']]),
    onPenguins('feature.impute: constant text into a number column', [node('f', 'feature.impute', { columns: ['bill_length_mm'], strategy: 'constant', value: 'abc' })], [['load.table', 'f.table']]),
    onPenguins('feature.scale: a text column', [node('f', 'feature.scale', { columns: ['species'] })], [['load.table', 'f.table']]),
    onPenguins('feature.encode: a missing column', [node('f', 'feature.encode', { columns: ['nope'] })], [['load.table', 'f.table']]),
    onPenguins('train.dense: a missing target', [node('s', 'data.split', {}), node('f', 'train.dense', { target: 'nope', epochs: 1 })], [['load.table', 's.table'], ['s.table', 'f.table']]),
    onPenguins('data.validate: an invalid regex', [node('f', 'data.validate', { rules: [{ column: 'species', check: 'regex', pattern: '(' }] })], [['load.table', 'f.table']]),
    onPenguins('data.validate: a rule on a missing column', [node('f', 'data.validate', { rules: [{ column: 'nope', check: 'notNull' }] })], [['load.table', 'f.table']]),
    // JSON Lines
    { name: 'jsonl: a bad line in the middle', files: { 'data/x.jsonl': '{"a":1}\n{"a":2\n{"a":3}\n' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: lines that are not objects', files: { 'data/x.jsonl': '[1,2]\n3\n"x"\n' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: mixed types in a column', files: { 'data/x.jsonl': '{"a":1}\n{"a":"two"}\n{"a":{"b":3}}\n' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: empty file', codes: [0, 1], files: { 'data/x.jsonl': '' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: binary garbage', files: { 'data/x.jsonl': () => garbage(64 << 10, 11) }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: a line nested 5,000 levels', codes: [0, 1], files: { 'data/x.jsonl': () => `{"a":1}\n{"a":${nested(5000)}}\n` }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: 1e400 and NaN', files: { 'data/x.jsonl': '{"a":1}\n{"a":1e400}\n{"a":NaN}\n' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'jsonl: truncated fixture (cut mid-line)', fixtures: { 'penguins.jsonl': 'data/p.jsonl' }, files: {}, nodes: [load('data.jsonl', 'data/p.jsonl')], codes: [1, 2] },
    // JSON
    { name: 'json: an object, not an array', files: { 'data/x.json': '{"a":1}' }, nodes: [load('data.json', 'data/x.json')] },
    { name: 'json: an array of numbers', files: { 'data/x.json': '[1,2,3]' }, nodes: [load('data.json', 'data/x.json')] },
    { name: 'json: truncated', files: { 'data/x.json': () => readFileSync(new URL('../../examples/data/cars.json', import.meta.url), 'utf8').slice(0, 5000) }, nodes: [load('data.json', 'data/x.json')] },
    { name: 'json: empty file', files: { 'data/x.json': '' }, nodes: [load('data.json', 'data/x.json')] },
    { name: 'json: nested 5,000 levels', files: { 'data/x.json': () => `[${nested(5000)}]` }, codes: [0, 1], nodes: [load('data.json', 'data/x.json')] },
    { name: 'json: records with 10,001 distinct keys (over the column cap)', says: /maxColumns/, files: { 'data/x.json': () => JSON.stringify([Object.fromEntries(Array.from({ length: 10_001 }, (_, index) => [`k${index}`, index]))]) }, nodes: [load('data.json', 'data/x.json')] },
    { name: 'jsonl: 10,001 keys spread over lines (over the column cap)', says: /maxColumns/, files: { 'data/x.jsonl': () => Array.from({ length: 10_001 }, (_, index) => JSON.stringify({ [`k${index}`]: index })).join('\n') + '\n' }, nodes: [load('data.jsonl', 'data/x.jsonl')] },
    { name: 'json: mixed types in a column', files: { 'data/x.json': '[{"a":1},{"a":"x"},{"a":[1]}]' }, nodes: [load('data.json', 'data/x.json')] },
    // Parquet
    { name: 'parquet: truncated to half', fixtures: { 'penguins.parquet': 'data/p.parquet' }, nodes: [load('data.parquet', 'data/p.parquet')] },
    { name: 'parquet: footer cut off (last 64 bytes)', fixtures: { 'penguins.parquet': 'data/p.parquet' }, nodes: [load('data.parquet', 'data/p.parquet')] },
    { name: 'parquet: garbage between PAR1 magics', files: { 'data/p.parquet': () => Buffer.concat([Buffer.from('PAR1'), garbage(8192, 3), Buffer.from([0x10, 0, 0, 0]), Buffer.from('PAR1')]) }, nodes: [load('data.parquet', 'data/p.parquet')] },
    { name: 'parquet: footer length says 2 GB', fixtures: { 'penguins.parquet': 'data/p.parquet' }, nodes: [load('data.parquet', 'data/p.parquet')] },
    { name: 'parquet: a CSV file named .parquet', files: { 'data/p.parquet': () => penguins() }, nodes: [load('data.parquet', 'data/p.parquet')] },
    { name: 'parquet: empty file', files: { 'data/p.parquet': '' }, nodes: [load('data.parquet', 'data/p.parquet')] },
    // SQLite
    { name: 'sqlite: not a SQLite file (CSV)', files: { 'data/p.sqlite': () => penguins() }, nodes: [load('data.sqlite', 'data/p.sqlite', { query: 'SELECT * FROM penguins' })] },
    { name: 'sqlite: empty file', files: { 'data/p.sqlite': '' }, nodes: [load('data.sqlite', 'data/p.sqlite', { query: 'SELECT * FROM penguins' })] },
    { name: 'sqlite: truncated database (first 2 KB)', fixtures: { 'penguins.sqlite': 'data/p.sqlite' }, nodes: [load('data.sqlite', 'data/p.sqlite', { query: 'SELECT * FROM penguins' })] },
    sqliteCase('sqlite: SQL syntax error', 'SELEC * FROM penguins'),
    sqliteCase('sqlite: unknown table', 'SELECT * FROM nope'),
    sqliteCase('sqlite: write statement (DELETE)', 'DELETE FROM penguins'),
    sqliteCase('sqlite: write statement (DROP TABLE)', 'DROP TABLE penguins'),
    sqliteCase('sqlite: write statement (INSERT … RETURNING)', "INSERT INTO penguins (species) VALUES ('x') RETURNING *"),
    sqliteCase('sqlite: two statements, the second a write', 'SELECT * FROM penguins; DROP TABLE penguins'),
    sqliteCase('sqlite: ATTACH a new database', "ATTACH DATABASE 'data/attached.sqlite' AS other", { after: (ws) => (existsSync(join(ws, 'data', 'attached.sqlite')) ? 'ATTACH created a new database file' : null) }),
    sqliteCase('sqlite: PRAGMA that writes (user_version)', 'PRAGMA user_version = 7'),
    // Runaway queries: the row, time and memory budgets (maxRows, timeoutSeconds, maxMegabytes).
    sqliteBudget('sqlite: an unbounded recursive CTE (maxRows 100000)', `${ENDLESS} SELECT i FROM n`, { maxRows: 100_000 }),
    sqliteBudget('sqlite: an unbounded recursive CTE (timeoutSeconds 1)', `${ENDLESS} SELECT i FROM n`, { maxRows: 1_000_000_000, timeoutSeconds: 1 }),
    sqliteBudget('sqlite: an unbounded recursive CTE of 1 KB rows (maxMegabytes 1)', `${ENDLESS} SELECT i, printf('%.1000c', 'x') AS pad FROM n`, { maxRows: 1_000_000_000, maxMegabytes: 1 }),
    sqliteCase('sqlite: a query that returns no rows (an empty table or a refusal)', "SELECT * FROM penguins WHERE species = 'none'", { codes: [0, 1] }),
  ];
  // Damage to fixtures that only exist once copied in.
  const damage: Record<string, (path: string) => void> = {
    'parquet: truncated to half': (path) => {
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    },
    'parquet: footer cut off (last 64 bytes)': (path) => {
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, bytes.length - 64));
    },
    'parquet: footer length says 2 GB': (path) => {
      const bytes = Buffer.from(readFileSync(path));
      bytes.writeUInt32LE(0x7fff_ff00, bytes.length - 8);
      writeFileSync(path, bytes);
    },
    'sqlite: truncated database (first 2 KB)': (path) => writeFileSync(path, readFileSync(path).subarray(0, 2048)),
    'jsonl: truncated fixture (cut mid-line)': (path) => {
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.slice(0, Math.floor(text.length / 2) + 7));
    },
  };
  return cases.map((kase) => (damage[kase.name] ? { ...kase, harm: damage[kase.name] } : kase));
}

interface Prepared {
  kase: DataCase;
  /** Its nodes' ids in the batch file. */
  ids: Map<string, string>;
  nodes: unknown[];
  edges: { from: string; to: string }[];
  sqlite: string;
  sqliteBefore: string;
}

interface NodeOutcome {
  status: string;
  error?: string;
}

/** Lays a case out under `k<N>/` of the shared workspace, with its node ids and file paths renamed to match. */
function prepare(ws: string, fixtures: string, kase: DataCase, index: number): Prepared {
  const prefix = `k${index}`;
  const own = new Set([...Object.keys(kase.files ?? {}), ...Object.values(kase.fixtures ?? {})]);
  for (const [from, to] of Object.entries(kase.fixtures ?? {})) {
    mkdirSync(join(ws, prefix, to, '..'), { recursive: true });
    copyFileSync(join(fixtures, from), join(ws, prefix, to));
  }
  for (const [path, content] of Object.entries(kase.files ?? {})) {
    mkdirSync(join(ws, prefix, path, '..'), { recursive: true });
    writeFileSync(join(ws, prefix, path), typeof content === 'function' ? content() : content);
  }
  const damaged = kase.fixtures ? Object.values(kase.fixtures)[0] : undefined;
  if (kase.harm && damaged) kase.harm(join(ws, prefix, damaged));
  const ids = new Map<string, string>();
  const nodes = kase.nodes.map((raw) => {
    const node = raw as { id: string; type: string; params: Record<string, unknown> };
    ids.set(node.id, `${prefix}_${node.id}`);
    const path = node.params.path;
    const params = typeof path === 'string' && own.has(path) ? { ...node.params, path: `${prefix}/${path}` } : node.params;
    return { ...node, id: `${prefix}_${node.id}`, params };
  });
  const rename = (end: string) => {
    const [node, port] = end.split('.') as [string, string];
    return `${ids.get(node) ?? node}.${port}`;
  };
  const edges = (kase.edges ?? []).map(([from, to]) => ({ from: rename(from), to: rename(to) }));
  const sqlite = join(ws, prefix, 'data', 'p.sqlite');
  return { kase, ids, nodes, edges, sqlite, sqliteBefore: sha(sqlite) };
}

/**
 * The data cases run as a few pipelines of independent branches (a failed node skips only its
 * own descendants), so one process checks many cases. Each case is judged on its own nodes:
 * failed with a message (exit 1 alone), refused at validation (exit 2 alone) or read without
 * error (exit 0 alone), against the codes it allows. A process that misbehaves as a whole
 * (crash, hang, stack trace outside any node's error) is bisected until the case that causes
 * it stands alone.
 */
export async function dataCaseResults(root: string, fixtures: string, concurrency: number): Promise<CaseResult[]> {
  const cases = dataCases();
  const ws = copyExamples(root, 'data-cases');
  const prepared = cases.map((kase, index) => prepare(ws, fixtures, kase, index));
  const results: CaseResult[] = [];
  let budget = 16;
  let counter = 0;
  log(`data: ${cases.length} cases in batches of independent branches`);

  const judge = (item: Prepared, run: CliRun, args: string[], size: number, outcomes: Record<string, NodeOutcome> | null, refused: boolean): void => {
    const codes = item.kase.codes ?? [1, 2];
    const problems: string[] = [];
    let note: string | undefined;
    let excerpt = '';
    if (refused) {
      if (!codes.includes(2)) problems.push('refused at validation (exit 2 alone)');
      note = 'refused at validation';
    } else {
      const mine = [...item.ids.values()].map((id) => ({ id, outcome: outcomes?.[id] }));
      const failed = mine.filter(({ outcome }) => outcome?.status === 'failed');
      const unfinished = mine.filter(({ outcome }) => outcome === undefined || !['failed', 'succeeded', 'cached', 'skipped'].includes(outcome.status));
      if (failed.length > 0) {
        excerpt = failed.map(({ id, outcome }) => `${id}: ${outcome!.error ?? '(no message)'}`).join('\n');
        if (!codes.includes(1)) problems.push(`a node failed: ${firstLines(excerpt, 1)}`);
        for (const { outcome } of failed) {
          if (!outcome!.error || outcome!.error.trim() === '') problems.push('a node failed without a message');
          problems.push(...outputProblems(outcome!.error ?? '').map((problem) => `${problem} (in the node's error)`));
        }
        if (item.kase.says && !item.kase.says.test(excerpt)) problems.push(`the node's error does not say ${item.kase.says.source}`);
        note = firstLines(excerpt, 1);
      } else if (unfinished.length > 0) {
        problems.push(`node ${unfinished[0]!.id} ended '${unfinished[0]!.outcome?.status ?? 'missing'}'`);
      } else if (!codes.includes(0)) {
        problems.push('exit 0 alone: the bad data was read without an error');
      } else note = 'accepted';
    }
    if (sha(item.sqlite) !== item.sqliteBefore) problems.push('the SQLite file changed: the query wrote to it');
    const wrong = item.kase.after?.(ws);
    if (wrong) problems.push(wrong);
    const result = cliCase('data', item.kase.name, args, run, problems, note);
    results.push({ ...result, code: refused ? 2 : outcomes && [...item.ids.values()].some((id) => outcomes[id]?.status === 'failed') ? 1 : 0, ms: Math.round(run.ms / size), ...(problems.length > 0 ? { excerpt: firstLines(`${excerpt}\n${run.stderr}`, 8) } : {}) });
  };

  const attempt = async (batch: Prepared[]): Promise<void> => {
    const name = `data-${++counter}.pipeline.json`;
    writeFileSync(join(ws, name), pipelineText({ format: FORMAT, name: 'data-cases', nodes: batch.flatMap((item) => item.nodes), edges: batch.flatMap((item) => item.edges) }));
    const args = ['run', name, '--json'];
    const run = await runCli(args, { cwd: ws, timeoutMs: 120_000 });
    const shown = ['run', `${name} (${batch.length} case${batch.length === 1 ? '' : 's'})`, '--json'];
    const problems = cliProblems(run, { codes: [0, 1, 2] });
    type Body = { issues?: { nodeId?: string }[]; nodes?: Record<string, NodeOutcome> };
    let body: Body | null = null;
    try {
      body = JSON.parse(run.stdout) as Body;
    } catch {
      if (problems.length === 0) problems.push('--json printed no JSON document');
    }
    if (problems.length === 0 && run.code === 2) {
      // Invalid as a whole: the cases whose nodes have issues are refused; the rest go again.
      const flagged = new Set((body?.issues ?? []).map((issue) => issue.nodeId).filter((id): id is string => id !== undefined));
      const refused = batch.filter((item) => [...item.ids.values()].some((id) => flagged.has(id)));
      for (const item of refused) judge(item, run, shown, batch.length, null, true);
      const rest = batch.filter((item) => !refused.includes(item));
      if (rest.length === batch.length) problems.push('exit 2 without an issue on any case');
      else if (rest.length > 0) return attempt(rest);
      else return;
    }
    if (problems.length === 0) {
      for (const item of batch) judge(item, run, shown, batch.length, body?.nodes ?? {}, false);
      return;
    }
    if (batch.length === 1 || budget <= 0) {
      const note = batch.length === 1 ? undefined : `a batch of ${batch.length} cases failed as a whole; not isolated (bisect budget spent)`;
      for (const item of batch) results.push(cliCase('data', item.kase.name, shown, run, problems, note));
      return;
    }
    budget -= 2;
    const half = Math.ceil(batch.length / 2);
    await attempt(batch.slice(0, half));
    await attempt(batch.slice(half));
  };

  const size = Math.ceil(prepared.length / 4);
  const batches = Array.from({ length: Math.ceil(prepared.length / size) }, (_, index) => prepared.slice(index * size, (index + 1) * size));
  await mapPool(batches, concurrency, attempt);
  return results;
}
