/**
 * Category 1: malformed pipeline files through `tensorloom validate` and `tensorloom run`.
 *
 * - The param matrix: for every param of every node type in `tensorloom nodes --json`, a
 *   value of the wrong type, values out of range, the param left out when it is required,
 *   and one unknown param per type. Cases of one node type share a pipeline file (one node
 *   per case: the validator reports every problem at once), and each case must come back as
 *   an issue on its own node and field. A file whose process misbehaves is bisected until
 *   the guilty cases stand alone, so a crash is pinned on the case that causes it.
 * - File-level cases, one process each: bad JSON, bad structure, cycles, duplicate ids,
 *   deep nesting, huge files, non-UTF-8, paths leaving the workspace, writes into
 *   .tensorloom, and command-line misuse.
 */
import { Buffer } from 'node:buffer';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { cliCase, cliProblems, collect, copyExamples, log, mapPool, nested, runCli, startCli, type CaseResult, type CliRun } from './lib.js';

// ---------------------------------------------------------------------------------------
// The catalog and the param matrix

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  /** The param applies only when these params have one of these values (else it is hidden and not checked). */
  showWhen?: Record<string, unknown[]>;
}

export interface CatalogEntry {
  type: string;
  params: JsonSchema;
  inputs: Record<string, { type: string }>;
  outputs: Record<string, { type: string }>;
}

/** Valid params for the required fields of the built-in types (anything else is synthesised from the schema). */
const BASE_PARAMS: Record<string, Record<string, unknown>> = {
  'data.csv': { path: 'data/penguins.csv' },
  'data.json': { path: 'data/cars.json' },
  'data.jsonl': { path: 'data/penguins.jsonl' },
  'data.parquet': { path: 'data/penguins.parquet' },
  'data.sqlite': { path: 'data/penguins.sqlite', query: 'SELECT * FROM penguins' },
  'data.write': { path: 'out/sweep.csv', format: 'csv' },
  'deploy.container': { tag: 'sweep:1', build: false },
  'feature.expression': { name: 'ratio', expression: 'bill_length_mm / bill_depth_mm' },
  'train.dense': { target: 'species' },
};

/** A JSON token that JSON.stringify cannot write (1e400 parses as Infinity). */
const RAW = '\u0000raw:';
const raw = (token: string) => `${RAW}${token}`;

export function pipelineText(doc: unknown, indent = 2): string {
  return JSON.stringify(doc, null, indent).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

function typesOf(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

function validValue(schema: JsonSchema): unknown {
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  const [type] = typesOf(schema);
  switch (type) {
    case 'string':
      return 'x';
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return true;
    case 'array':
      return schema.items ? Array.from({ length: schema.minItems ?? 1 }, () => validValue(schema.items!)) : [];
    case 'object':
      return {};
    default:
      return 'x';
  }
}

function wrongType(schema: JsonSchema): { label: string; value: unknown } | null {
  const types = typesOf(schema);
  if (types.length === 0) return null;
  if (types.includes('string') && types.includes('number')) return { label: 'a boolean', value: true };
  switch (types[0]) {
    case 'string':
      return { label: 'a number', value: 42 };
    case 'number':
      return { label: 'a string', value: '0.5' };
    case 'integer':
      return { label: 'a string', value: '3' };
    case 'boolean':
      return { label: 'a string', value: 'yes' };
    case 'array':
      return { label: 'a string', value: 'not-a-list' };
    case 'object':
      return { label: 'a number', value: 5 };
    default:
      return null;
  }
}

function outOfRange(schema: JsonSchema): { label: string; value: unknown }[] {
  const found: { label: string; value: unknown }[] = [];
  const types = typesOf(schema);
  const numeric = types.includes('number') || types.includes('integer');
  if (numeric && types.length === 1) {
    const beyond = (bound: number, direction: 1 | -1) => (Math.abs(bound) > 1e15 ? bound * 2 : bound + direction);
    if (schema.minimum !== undefined) found.push({ label: `below the minimum ${schema.minimum}`, value: beyond(schema.minimum, -1) });
    if (schema.exclusiveMinimum !== undefined) found.push({ label: `equal to the exclusive minimum ${schema.exclusiveMinimum}`, value: schema.exclusiveMinimum });
    if (schema.maximum !== undefined) found.push({ label: `above the maximum ${schema.maximum}`, value: beyond(schema.maximum, 1) });
    if (types[0] === 'integer') {
      const low = schema.minimum ?? 0;
      found.push({ label: 'a fraction', value: Math.abs(low) > 1e15 ? 1.5 : Math.max(low, 1) + 0.5 });
    }
    found.push({ label: '1e400 (Infinity once parsed)', value: raw('1e400') });
  }
  if (types.includes('string')) {
    if (schema.enum) found.push({ label: 'not one of the choices', value: 'definitely-not-a-choice' });
    if (schema.pattern) found.push({ label: `not matching ${schema.pattern}`, value: '%% no match %%' });
    if ((schema.minLength ?? 0) > 0) found.push({ label: 'empty', value: '' });
  }
  if (types.includes('array')) {
    if ((schema.minItems ?? 0) > 0) found.push({ label: 'an empty list', value: [] });
    if (schema.maxItems !== undefined && schema.items) found.push({ label: `${schema.maxItems + 1} items`, value: Array.from({ length: schema.maxItems + 1 }, () => validValue(schema.items!)) });
    const items = schema.items;
    if (items) {
      const wrong = wrongType(items);
      if (wrong) found.push({ label: `an item that is ${wrong.label}`, value: [wrong.value] });
      if (items.minimum !== undefined) found.push({ label: `an item below ${items.minimum}`, value: [items.minimum - 1] });
      if (items.maximum !== undefined) found.push({ label: `an item above ${items.maximum}`, value: [items.maximum + 1] });
      if (items.properties) {
        found.push({ label: 'an item missing its required fields', value: [{}] });
        found.push({ label: 'an item with an unknown field', value: [{ ...Object.fromEntries((items.required ?? []).map((key) => [key, validValue(items.properties![key] ?? {})])), bogus: 1 }] });
        for (const [key, field] of Object.entries(items.properties)) {
          const bad = wrongType(field);
          if (bad) found.push({ label: `an item whose '${key}' is ${bad.label}`, value: [{ ...Object.fromEntries((items.required ?? []).map((name) => [name, validValue(items.properties![name] ?? {})])), [key]: bad.value }] });
        }
      }
    }
  }
  return found;
}

export interface ParamCase {
  id: string;
  type: string;
  param: string;
  label: string;
  params: Record<string, unknown>;
}

export function paramMatrix(catalog: CatalogEntry[]): ParamCase[] {
  const cases: ParamCase[] = [];
  let counter = 0;
  const add = (type: string, param: string, label: string, params: Record<string, unknown>) => cases.push({ id: `c${String(++counter).padStart(3, '0')}`, type, param, label, params });
  for (const entry of catalog) {
    const properties = entry.params.properties ?? {};
    const required = entry.params.required ?? [];
    const base: Record<string, unknown> = { ...(BASE_PARAMS[entry.type] ?? {}) };
    for (const name of required) if (!(name in base)) base[name] = validValue(properties[name] ?? {});
    for (const [name, schema] of Object.entries(properties)) {
      // A conditional param is checked only where it applies: set the params that show it.
      const shown = { ...base, ...Object.fromEntries(Object.entries(schema.showWhen ?? {}).map(([control, values]) => [control, values[0]])) };
      const wrong = wrongType(schema);
      if (wrong) add(entry.type, name, `${name} is ${wrong.label}`, { ...shown, [name]: wrong.value });
      for (const bad of outOfRange(schema)) add(entry.type, name, `${name} is ${bad.label}`, { ...shown, [name]: bad.value });
      if (required.includes(name)) {
        const { [name]: _left, ...rest } = shown;
        add(entry.type, name, `${name} (required) is missing`, rest);
      }
    }
    add(entry.type, 'bogusParam', 'an unknown param', { ...base, bogusParam: 1 });
  }
  return cases;
}

interface Issue {
  nodeId?: string;
  field?: string;
  path?: string;
  code?: string;
}

function reportsCase(issues: Issue[], kase: ParamCase): boolean {
  return issues.some(
    (issue) =>
      issue.nodeId === kase.id &&
      (issue.field === kase.param || issue.field?.startsWith(`${kase.param}.`) || issue.field?.startsWith(`${kase.param}[`) || (issue.path ?? '').includes(`.params.${kase.param}`)),
  );
}

function issuesOf(run: CliRun): Issue[] | null {
  try {
    const body = JSON.parse(run.stdout) as { issues?: Issue[] };
    return Array.isArray(body.issues) ? body.issues : [];
  } catch {
    return null;
  }
}

/** Process-level problems of a batch (a file of several cases): anything but a clean exit 2 with a JSON document. */
function batchProblems(run: CliRun): string[] {
  const problems = cliProblems(run, { codes: [2] });
  if (problems.length === 0 && issuesOf(run) === null) problems.push('--json printed no JSON document');
  return problems;
}

/**
 * Runs the matrix as few processes as possible: all cases in one file per command (cases with
 * a non-JSON number apart: a param of Infinity is a "shape" problem, which the validator
 * reports before looking at params, so it would hide the other cases). A case is clean when
 * its own issue is there. When the process misbehaves, or cases go unreported (maybe hidden
 * by another case), those cases are tried again in smaller files, down to one case a file:
 * only then is a case a finding. `budget` bounds the extra processes.
 */
async function runParamBatches(ws: string, cases: ParamCase[], concurrency: number): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  let budget = 40;
  let fileCounter = 0;
  const attempt = async (command: 'validate' | 'run', batch: ParamCase[]): Promise<void> => {
    const number = ++fileCounter;
    const file = join(ws, `params-${number}.pipeline.json`);
    writeFileSync(file, pipelineText({ format: 'tensorloom/pipeline@1', name: 'param-matrix', nodes: batch.map((kase) => ({ id: kase.id, type: kase.type, params: kase.params })), edges: [] }));
    const args = [command, file, '--json'];
    const run = await runCli(args, { cwd: ws });
    const shownArgs = [command, `params-${number}.pipeline.json (${batch.length} case${batch.length === 1 ? '' : 's'})`, '--json'];
    const name = (kase: ParamCase) => `${command}: ${kase.type} ${kase.label}`;
    const problems = batchProblems(run);
    const retry = async (again: ParamCase[], why: string): Promise<boolean> => {
      if (again.length === 0) return true;
      if (budget <= 0) {
        for (const kase of again) results.push(cliCase('pipelines', name(kase), shownArgs, run, [why], 'not isolated: the retry budget is spent'));
        return true;
      }
      if (again.length === batch.length && batch.length === 1) return false;
      budget -= again.length === batch.length ? 2 : 1;
      if (again.length === batch.length) {
        // No progress: split in halves.
        const half = Math.ceil(again.length / 2);
        await attempt(command, again.slice(0, half));
        await attempt(command, again.slice(half));
      } else await attempt(command, again);
      return true;
    };
    if (problems.length > 0) {
      if (!(await retry(batch, problems.join('; ')))) results.push(cliCase('pipelines', name(batch[0]!), shownArgs, run, problems));
      return;
    }
    const issues = issuesOf(run) ?? [];
    const unreported: ParamCase[] = [];
    for (const kase of batch) {
      if (reportsCase(issues, kase)) results.push({ ...cliCase('pipelines', name(kase), shownArgs, run, []), ms: Math.round(run.ms / batch.length) });
      else unreported.push(kase);
    }
    const why = (kase: ParamCase) => `no issue reported for node ${kase.id} field '${kase.param}' (alone in its file): the bad value was accepted`;
    if (!(await retry(unreported, 'not reported'))) for (const kase of unreported) results.push(cliCase('pipelines', name(kase), shownArgs, run, [why(kase)]));
  };
  const isRaw = (kase: ParamCase) => Object.values(kase.params).some((value) => typeof value === 'string' && value.startsWith(RAW));
  const groups = [cases.filter((kase) => !isRaw(kase)), cases.filter(isRaw)].filter((group) => group.length > 0);
  const jobs = groups.flatMap((batch) => (['validate', 'run'] as const).map((command) => ({ command, batch })));
  await mapPool(jobs, concurrency, ({ command, batch }) => attempt(command, batch));
  return results;
}

// ---------------------------------------------------------------------------------------
// File-level cases

interface FileCase {
  name: string;
  /** Writes the pipeline (and whatever it needs) into the workspace; returns the file to pass. */
  build: (ws: string, outside: string) => string;
  /** Also `run` it (default: validate only). */
  run?: boolean;
  /** Only `run` it (paths and writes: run validates first, then the nodes' own guards act). */
  only?: 'run';
  /** Only `run` it, with these extra arguments. */
  runOnly?: string[];
  /** Exit codes that are the documented answer (default 1 or 2). */
  codes?: readonly number[];
  /** After `run`: a reason when something was written where it must not be. */
  after?: (ws: string, outside: string) => string | null;
  /** The refusal must say this (so an exit 2 for an unrelated reason is not taken for the right one). */
  says?: RegExp;
}

const FORMAT = 'tensorloom/pipeline@1';
const doc = (nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}) => ({ format: FORMAT, name: 'sweep', nodes, edges, ...extra });
const csvNode = (id = 'load', path: unknown = 'data/penguins.csv') => ({ id, type: 'data.csv', params: { path } });
const select = (id: string, params: Record<string, unknown> = { drop: ['year'] }) => ({ id, type: 'feature.select', params });
const edge = (from: string, to: string) => ({ from, to });
const write = (path: unknown, format = 'csv') => doc([csvNode(), { id: 'save', type: 'data.write', params: { path, format } }], [edge('load.table', 'save.table')]);

function put(ws: string, name: string, content: string | Buffer): string {
  const file = join(ws, name);
  writeFileSync(file, content);
  return file;
}
const putDoc = (ws: string, value: unknown, name = 'case.pipeline.json') => put(ws, name, pipelineText(value));
const penguinsText = () => readFileSync(new URL('../../examples/penguins.pipeline.json', import.meta.url), 'utf8');

/** The penguins pipeline with a deploy.container node on its model (an unconnected one is refused for its missing input before its paths are looked at). */
function withDeploy(params: Record<string, unknown>): unknown {
  const penguins = JSON.parse(penguinsText()) as { nodes: unknown[]; edges: unknown[] };
  return { ...penguins, nodes: [...penguins.nodes, { id: 'deploy', type: 'deploy.container', params }], edges: [...penguins.edges, edge('train.model', 'deploy.model')] };
}

function link(target: string, path: string): void {
  if (!existsSync(path)) symlinkSync(target, path);
}

/** The workspace's store folder exists (as after a first run), so links into it are real. */
function storeLinked(ws: string): void {
  mkdirSync(join(ws, '.tensorloom'), { recursive: true });
  link(join(ws, '.tensorloom'), join(ws, 'storelink'));
}

const notWritten = (relative: string) => (_ws: string, outside: string) => (existsSync(join(outside, relative)) ? `a file was written outside the workspace: ${join(outside, relative)}` : null);
const notInStore = (relative: string) => (ws: string) => (existsSync(join(ws, '.tensorloom', relative)) ? `a file was written into the store: .tensorloom/${relative}` : null);
function storeIntact(ws: string): string | null {
  const db = join(ws, '.tensorloom', 'tensorloom.db');
  if (!existsSync(db)) return null;
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      const rows = conn.pragma('integrity_check') as { integrity_check: string }[];
      return rows[0]?.integrity_check === 'ok' ? null : `the workspace database fails integrity_check: ${rows.map((row) => row.integrity_check).join('; ').slice(0, 200)}`;
    } finally {
      conn.close();
    }
  } catch (error) {
    return `the workspace database no longer opens: ${(error as Error).message}`;
  }
}

function fileCases(): FileCase[] {
  const cycle = (ids: string[]) => doc(
    [csvNode(), ...ids.map((id) => select(id))],
    ids.map((id, index) => edge(`${id}.table`, `${ids[(index + 1) % ids.length]}.table`)),
  );
  const cases: FileCase[] = [
    // Not JSON, or not a pipeline
    { name: 'empty file', build: (ws) => put(ws, 'case.pipeline.json', '') },
    { name: 'prose, not JSON', build: (ws) => put(ws, 'case.pipeline.json', 'this is not a pipeline\n') },
    { name: 'truncated JSON (half of penguins)', build: (ws) => put(ws, 'case.pipeline.json', penguinsText().slice(0, 900)) },
    { name: 'trailing comma', build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","nodes":[],"edges":[],}`) },
    { name: 'top level is an array', build: (ws) => put(ws, 'case.pipeline.json', '[]') },
    { name: 'top level is 1e400', build: (ws) => put(ws, 'case.pipeline.json', '1e400') },
    { name: 'unknown format version', build: (ws) => putDoc(ws, { ...doc([csvNode()]), format: 'tensorloom/pipeline@99' }) },
    { name: 'format missing', build: (ws) => putDoc(ws, { name: 'x', nodes: [csvNode()], edges: [] }) },
    { name: 'nodes is an object', build: (ws) => putDoc(ws, { ...doc([]), nodes: { load: csvNode() } }) },
    { name: 'a node is a string', build: (ws) => putDoc(ws, doc(['load'])) },
    { name: 'edges is a string', build: (ws) => putDoc(ws, { ...doc([csvNode()]), edges: 'load.table -> x.table' }) },
    { name: 'an edge without a port', build: (ws) => putDoc(ws, doc([csvNode(), select('sel')], [edge('load', 'sel.table')])) },
    { name: 'an edge is a string', build: (ws) => putDoc(ws, doc([csvNode(), select('sel')], ['load.table->sel.table'])) },
    // Ids, types, ports
    { name: 'node id starts with a digit', build: (ws) => putDoc(ws, doc([csvNode('1load')])) },
    { name: 'node id with a space', build: (ws) => putDoc(ws, doc([csvNode('lo ad')])) },
    { name: 'node id is a number', build: (ws) => putDoc(ws, doc([{ ...csvNode(), id: 7 }])) },
    { name: 'node id of 10,000 characters', build: (ws) => putDoc(ws, doc([csvNode(`a${'b'.repeat(9_999)}`), csvNode(`a${'b'.repeat(9_999)}`)])) },
    { name: 'node id with a lone surrogate', build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","nodes":[{"id":"a\\ud800","type":"data.csv","params":{"path":"data/penguins.csv"}}],"edges":[]}`) },
    { name: "node ids 'constructor' and 'toString' (valid, must be accepted)", codes: [0], build: (ws) => putDoc(ws, doc([csvNode('constructor'), select('toString')], [edge('constructor.table', 'toString.table')])) },
    { name: "param named '__proto__'", build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","nodes":[{"id":"load","type":"data.csv","params":{"path":"data/penguins.csv","__proto__":{"polluted":true}}}],"edges":[]}`) },
    { name: 'unknown node type', build: (ws) => putDoc(ws, doc([{ ...csvNode(), type: 'data.cvs' }])) },
    { name: 'node type is a number', build: (ws) => putDoc(ws, doc([{ ...csvNode(), type: 5 }])) },
    { name: 'unknown output port', build: (ws) => putDoc(ws, doc([csvNode(), select('sel')], [edge('load.tabel', 'sel.table')])) },
    { name: 'edge from an unknown node', build: (ws) => putDoc(ws, doc([csvNode(), select('sel')], [edge('ghost.table', 'sel.table')])) },
    {
      name: 'port type mismatch (table into a model input)',
      build: (ws) => putDoc(ws, doc([csvNode(), { id: 'evaluate', type: 'eval.model', params: {} }], [edge('load.table', 'evaluate.model'), edge('load.table', 'evaluate.table')])),
    },
    { name: 'two edges into one input', build: (ws) => putDoc(ws, doc([csvNode('a'), csvNode('b'), select('sel')], [edge('a.table', 'sel.table'), edge('b.table', 'sel.table')])) },
    { name: 'cycle of two nodes', build: (ws) => putDoc(ws, cycle(['a', 'b'])), run: true },
    { name: 'self loop', build: (ws) => putDoc(ws, doc([select('a')], [edge('a.table', 'a.table')])) },
    { name: 'duplicate node ids', build: (ws) => putDoc(ws, doc([csvNode(), csvNode()])) },
    { name: 'params is null', build: (ws) => putDoc(ws, doc([{ ...csvNode(), params: null }])) },
    { name: 'position is a string (canvas only)', codes: [0, 2], build: (ws) => putDoc(ws, doc([{ ...csvNode(), position: 'left' }])) },
    { name: 'no nodes at all', codes: [0, 2], build: (ws) => putDoc(ws, doc([])) },
    // Deep nesting and size
    { name: 'deep nesting: 5,000 levels in a param', run: true, build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","nodes":[{"id":"load","type":"data.csv","params":{"path":${nested(5000, 'array', '"data/penguins.csv"')}}}],"edges":[]}`) },
    { name: 'deep nesting: 5,000 levels in an extra field', codes: [0, 2], build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","meta":${nested(5000)},"nodes":[{"id":"load","type":"data.csv","params":{"path":"data/penguins.csv"}}],"edges":[]}`) },
    { name: 'deep nesting: 5,000 levels as the document', build: (ws) => put(ws, 'case.pipeline.json', nested(5000, 'array')) },
    { name: 'deep nesting: 100,000 levels in a param', build: (ws) => put(ws, 'case.pipeline.json', `{"format":"${FORMAT}","name":"x","nodes":[{"id":"load","type":"data.csv","params":{"path":"data/penguins.csv","deep":${nested(100_000)}}}],"edges":[]}`) },
    { name: 'huge file: 64 MB description (accepted or refused)', codes: [0, 1, 2], build: (ws) => putDoc(ws, { ...doc([csvNode(), select('sel')], [edge('load.table', 'sel.table')]), description: 'x'.repeat(64 << 20) }, 'case.pipeline.json') },
    {
      name: 'huge file: 5,000 nodes in a chain (accepted or refused)',
      codes: [0, 2],
      build: (ws) => {
        const ids = Array.from({ length: 4_999 }, (_, index) => `s${index}`);
        return putDoc(ws, doc([csvNode(), ...ids.map((id) => select(id))], ids.map((id, index) => edge(`${index === 0 ? 'load' : ids[index - 1]}.table`, `${id}.table`))));
      },
    },
    // Encodings
    { name: 'non-UTF-8: a Latin-1 byte in the name', build: (ws) => put(ws, 'case.pipeline.json', Buffer.concat([Buffer.from(`{"format":"${FORMAT}","name":"caf`), Buffer.from([0xe9]), Buffer.from(`","nodes":[],"edges":[]}`)])) },
    { name: 'non-UTF-8: invalid bytes in a path param', build: (ws) => put(ws, 'case.pipeline.json', Buffer.concat([Buffer.from(`{"format":"${FORMAT}","name":"x","nodes":[{"id":"load","type":"data.csv","params":{"path":"data/pen`), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from(`.csv"}}],"edges":[]}`)])) },
    { name: 'non-UTF-8: UTF-16LE with a byte-order mark', build: (ws) => put(ws, 'case.pipeline.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(penguinsText(), 'utf16le')])) },
    { name: 'non-UTF-8: binary garbage', build: (ws) => put(ws, 'case.pipeline.json', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 256))) },
    { name: 'UTF-8 with a byte-order mark (valid)', codes: [0, 2], build: (ws) => put(ws, 'case.pipeline.json', `\ufeff${penguinsText()}`) },
    { name: 'NUL character in a path param', only: 'run', build: (ws) => putDoc(ws, doc([csvNode('load', 'data/peng\u0000uins.csv')])) },
    // Paths that leave the workspace (reads)
    { name: 'read path ../ out of the workspace', only: 'run', build: (ws) => putDoc(ws, doc([csvNode('load', '../outside/secret.csv')])) },
    { name: 'read path absolute: /etc/passwd', only: 'run', build: (ws) => putDoc(ws, doc([csvNode('load', '/etc/passwd')])) },
    {
      name: 'read through a symlinked folder that leads out',
      only: 'run',
      build: (ws, outside) => {
        link(outside, join(ws, 'linkout'));
        return putDoc(ws, doc([csvNode('load', 'linkout/secret.csv')]));
      },
    },
    {
      name: 'read through a symlinked file that leads out',
      only: 'run',
      build: (ws, outside) => {
        link(join(outside, 'secret.csv'), join(ws, 'data', 'secret-link.csv'));
        return putDoc(ws, doc([csvNode('load', 'data/secret-link.csv')]));
      },
    },
    {
      name: 'read through a symlink loop',
      only: 'run',
      build: (ws) => {
        link(join(ws, 'loop2'), join(ws, 'loop1'));
        link(join(ws, 'loop1'), join(ws, 'loop2'));
        return putDoc(ws, doc([csvNode('load', 'loop1/x.csv')]));
      },
    },
    {
      name: 'read the store database through a symlink into .tensorloom (read allowed; no crash)',
      codes: [0, 1, 2],
      only: 'run',
      build: (ws) => {
        storeLinked(ws);
        return putDoc(ws, doc([csvNode('load', 'storelink/tensorloom.db')]));
      },
      after: storeIntact,
    },
    // Writes that leave the workspace or go into its store
    { name: 'write into .tensorloom/', only: 'run', build: (ws) => putDoc(ws, write('.tensorloom/evil.csv')), after: notInStore('evil.csv') },
    {
      name: 'write over .tensorloom/tensorloom.db',
      only: 'run',
      build: (ws) => {
        mkdirSync(join(ws, '.tensorloom'), { recursive: true });
        return putDoc(ws, write('.tensorloom/tensorloom.db'));
      },
      after: storeIntact,
    },
    { name: 'write to out/../.tensorloom/', only: 'run', build: (ws) => putDoc(ws, write('out/../.tensorloom/evil2.csv')), after: notInStore('evil2.csv') },
    {
      name: 'write through a symlink into .tensorloom',
      only: 'run',
      build: (ws) => {
        storeLinked(ws);
        return putDoc(ws, write('storelink/evil3.csv'));
      },
      after: notInStore('evil3.csv'),
    },
    { name: 'write path ../ out of the workspace', only: 'run', build: (ws) => putDoc(ws, write('../outside/written.csv')), after: notWritten('written.csv') },
    { name: 'write path absolute, outside', only: 'run', build: (ws, outside) => putDoc(ws, write(join(outside, 'written-abs.csv'))), after: notWritten('written-abs.csv') },
    {
      name: 'write through a symlinked folder that leads out',
      only: 'run',
      build: (ws, outside) => {
        link(outside, join(ws, 'linkout'));
        return putDoc(ws, write('linkout/written-link.csv'));
      },
      after: notWritten('written-link.csv'),
    },
    {
      name: 'write through a dangling symlink that leads out',
      only: 'run',
      build: (ws, outside) => {
        link(join(outside, 'written-dangling.csv'), join(ws, 'dangle.csv'));
        return putDoc(ws, write('dangle.csv'));
      },
      after: notWritten('written-dangling.csv'),
    },
    {
      name: 'deploy.container outDir into .tensorloom',
      only: 'run',
      build: (ws) => putDoc(ws, withDeploy({ tag: 'sweep:1', build: false, outDir: '.tensorloom/deploy' })),
      after: notInStore('deploy'),
    },
    {
      name: 'deploy.container save ../ out of the workspace',
      only: 'run',
      build: (ws) => putDoc(ws, withDeploy({ tag: 'sweep:1', build: false, save: '../outside/image.tar' })),
      after: notWritten('image.tar'),
    },
    // The pipeline file itself
    { name: 'pipeline file does not exist', build: (ws) => join(ws, 'missing.pipeline.json') },
    {
      name: 'pipeline file is a folder',
      build: (ws) => {
        mkdirSync(join(ws, 'folder.pipeline.json'), { recursive: true });
        return join(ws, 'folder.pipeline.json');
      },
    },
  ];
  // The refusals of paths must name the reason: a store that does not open also exits 2.
  const OUTSIDE = /outside the workspace/;
  const STORE = /\.tensorloom/;
  const says: Record<string, RegExp> = {
    'read path ../ out of the workspace': OUTSIDE,
    'read path absolute: /etc/passwd': OUTSIDE,
    'read through a symlinked folder that leads out': OUTSIDE,
    'read through a symlinked file that leads out': OUTSIDE,
    'write into .tensorloom/': STORE,
    'write over .tensorloom/tensorloom.db': STORE,
    'write to out/../.tensorloom/': STORE,
    'write through a symlink into .tensorloom': STORE,
    'write path ../ out of the workspace': OUTSIDE,
    'write path absolute, outside': OUTSIDE,
    'write through a symlinked folder that leads out': OUTSIDE,
    'write through a dangling symlink that leads out': OUTSIDE,
    'deploy.container outDir into .tensorloom': STORE,
    'deploy.container save ../ out of the workspace': OUTSIDE,
  };
  for (const kase of cases) kase.says ??= says[kase.name];
  // Expression caps (10,000 characters, 1,000 terms, 64 levels of parentheses), at validation.
  const expression = (text: string) => doc([csvNode(), { id: 'expr', type: 'feature.expression', params: { name: 'z', expression: text } }], [edge('load.table', 'expr.table')]);
  const expressionCases: [string, string, readonly number[], RegExp?][] = [
    ['1,000 terms (at the limit, valid)', `${'1+'.repeat(999)}1`, [0]],
    ['1,001 terms', `${'1+'.repeat(1000)}1`, [2], /1,001 terms, more than the limit of 1,000/],
    ['a flat chain of 4,001 terms (9,001 characters)', `${'1+'.repeat(4000)}1`, [2], /terms, more than the limit/],
    ['10,001 characters', `bill_length_mm${' '.repeat(9_980)}+ 1`.padEnd(10_001, ' '), [2], /characters/],
    ['10 MB', `${'bill_length_mm+'.repeat(700_000)}1`, [2], /characters/],
    ['64 levels of parentheses (at the limit, valid)', `${'('.repeat(64)}bill_length_mm${')'.repeat(64)}`, [0]],
    ['65 levels of parentheses', `${'('.repeat(65)}bill_length_mm${')'.repeat(65)}`, [2], /65 levels deep, more than the limit of 64/],
    ['100,000 unary minus signs', `${'-'.repeat(100_000)}1`, [2]],
  ];
  for (const [label, text, codes, text2] of expressionCases) {
    cases.push({ name: `feature.expression: ${label}`, run: true, codes, ...(text2 ? { says: text2 } : {}), build: (ws) => putDoc(ws, expression(text)) });
  }
  // Command-line misuse on the valid penguins pipeline (run only)
  const misuse: [string, string[]][] = [
    ['--set with a value out of range', ['--set', 'split.test=5']],
    ['--set with 1e400', ['--set', 'split.test=1e400']],
    ['--set for an unknown node', ['--set', 'ghost.test=0.2']],
    ['--set without =', ['--set', 'split.test']],
    ['--until an unknown node', ['--until', 'ghost']],
    ['--concurrency 0', ['--concurrency', '0']],
    ['an unknown flag', ['--bogus']],
    ['--workspace is a file', ['--workspace', 'data/penguins.csv']],
  ];
  for (const [name, extra] of misuse) cases.push({ name: `run ${name}`, runOnly: extra, build: (ws) => join(ws, 'penguins.pipeline.json') });
  return cases;
}

// ---------------------------------------------------------------------------------------
// Links swapped after validation: the nodes' own guards at write time

/**
 * `validate` (and `run`, which validates first) refuses a static path through a link that
 * leads out, so the cases above never reach the write itself. Here the link leads inside
 * while the pipeline is validated, and is pointed out of the workspace (or into
 * .tensorloom) once the run has started, before data.write runs: only the check at write
 * time (ctx.workspace.resolveOutput) can refuse it.
 */
async function linkSwapCases(root: string, outside: string): Promise<CaseResult[]> {
  const swaps: { name: string; file: string; target: (ws: string) => string; after: (ws: string, outside: string) => string | null; says: RegExp }[] = [
    { name: 'a folder link pointed out of the workspace after validation', file: 'swapped.csv', target: () => outside, after: notWritten('swapped.csv'), says: /outside the workspace/ },
    {
      name: 'a folder link pointed into .tensorloom after validation (over tensorloom.db)',
      file: 'tensorloom.db',
      target: (ws) => join(ws, '.tensorloom'),
      after: storeIntact,
      says: /\.tensorloom/,
    },
  ];
  const results: CaseResult[] = [];
  for (const swap of swaps) {
    const ws = copyExamples(root, `swap-${swap.file}`);
    mkdirSync(join(ws, 'inside'));
    mkdirSync(join(ws, '.tensorloom'), { recursive: true });
    symlinkSync(join(ws, 'inside'), join(ws, 'swap'));
    const penguins = JSON.parse(penguinsText()) as { nodes: unknown[]; edges: unknown[] };
    putDoc(ws, { ...penguins, nodes: [...penguins.nodes, { id: 'save', type: 'data.write', params: { path: `swap/${swap.file}`, format: 'csv' } }], edges: [...penguins.edges, edge('evaluate.predictions', 'save.table')] }, 'swap.pipeline.json');
    const args = ['run', 'swap.pipeline.json', '--set', 'train.epochs=30'];
    const child = startCli(args, { cwd: ws });
    const done = collect(child, 300_000);
    let stderr = '';
    let swappedEarly = false;
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        // The run's first line comes once validation has passed; data.write waits for training.
        if (/^run \S+ .*\d+ nodes/m.test(stderr)) {
          child.stderr?.off('data', onData);
          swappedEarly = !/^\s+\S+ (evaluate|save)\b/m.test(stderr);
          unlinkSync(join(ws, 'swap'));
          symlinkSync(swap.target(ws), join(ws, 'swap'));
          resolve();
        }
      };
      child.stderr?.on('data', onData);
      child.once('close', () => resolve());
    });
    const run = await done;
    const problems = cliProblems(run, { codes: [1] });
    if (!swappedEarly) problems.unshift('harness: the link was not swapped before data.write ran (the case measured nothing)');
    if (!swap.says.test(run.stderr + run.stdout)) problems.push(`the write's refusal does not say why (expected ${swap.says.source})`);
    const wrong = swap.after(ws, outside);
    if (wrong) problems.push(wrong);
    const listed = await runCli(['runs', '--json', '--limit', '1'], { cwd: ws });
    problems.push(...cliProblems(listed, { codes: [0] }).map((problem) => `tensorloom runs afterwards: ${problem}`));
    results.push(cliCase('pipelines', `run: ${swap.name}`, [...args, `(swap → ${swap.target(ws).startsWith(ws) ? swap.target(ws).slice(ws.length + 1) : 'outside/'})`], run, problems));
  }
  return results;
}

export async function pipelineCases(root: string, catalog: CatalogEntry[], outside: string, concurrency: number): Promise<CaseResult[]> {
  const matrix = paramMatrix(catalog);
  const matrixWs = copyExamples(root, 'param-matrix');
  log(`pipelines: ${matrix.length} param cases × validate/run (${new Set(matrix.map((kase) => kase.type)).size} node types), and ${fileCases().length} file cases`);
  const fromMatrix = await runParamBatches(matrixWs, matrix, concurrency);

  const jobs = fileCases().flatMap((kase) => {
    const commands: { command: 'validate' | 'run'; extra: string[] }[] = kase.runOnly
      ? [{ command: 'run', extra: kase.runOnly }]
      : kase.only === 'run'
        ? [{ command: 'run', extra: [] }]
        : [{ command: 'validate', extra: [] }, ...(kase.run ? [{ command: 'run' as const, extra: [] }] : [])];
    return commands.map((command) => ({ kase, ...command }));
  });
  const fromFiles = await mapPool(jobs, concurrency, async ({ kase, command, extra }) => {
    const ws = copyExamples(root, `${command}-${kase.name}`);
    const file = kase.build(ws, outside);
    const args = [command, file, ...extra];
    const timeoutMs = existsSync(file) && statSync(file).isFile() && statSync(file).size > 8 << 20 ? 180_000 : 90_000;
    const run = await runCli(args, { cwd: ws, timeoutMs });
    const problems = cliProblems(run, { codes: kase.codes ?? [1, 2] });
    if (kase.says && !kase.says.test(`${run.stdout}\n${run.stderr}`)) problems.push(`the refusal does not say why (expected ${kase.says.source})`);
    if (command === 'run' && kase.after) {
      const wrong = kase.after(ws, outside);
      if (wrong) problems.push(wrong);
    }
    return cliCase('pipelines', `${command}: ${kase.name}`, args.map((arg) => (arg.startsWith(ws) ? arg.slice(ws.length + 1) : arg)), run, problems);
  });
  const fromSwaps = await linkSwapCases(root, outside);
  return [...fromMatrix, ...fromFiles, ...fromSwaps];
}
