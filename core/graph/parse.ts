/**
 * Text → PipelineDoc: JSON syntax (with line and column), then the document's shape. Reports
 * every problem it can see at once and never throws. What needs the node registry (types,
 * params, ports, ids, cycles) is validate.ts's job.
 */
import { isPlainObject, jsonTypeName, describeValue, pathJoin, quoteList } from './issues.js';
import { jsonErrorOffset, LineIndex, MAX_JSON_DEPTH, scanJson, SourceLocator } from './json-source.js';
import { didYouMean } from './suggest.js';
import { PIPELINE_FORMAT, parsePortRef } from './types.js';
import type { PipelineDoc, PipelineEdge, PipelineNode, ValidationIssue } from './types.js';

export type ParseResult = { ok: true; doc: PipelineDoc } | { ok: false; issues: ValidationIssue[] };

export type ParseTextResult =
  | {
      ok: true;
      doc: PipelineDoc;
      /** Finds the line and column of a path such as `nodes[2].params.test` in the text. */
      locator: SourceLocator;
    }
  | { ok: false; issues: ValidationIssue[] };

const DOC_FIELDS = ['format', 'name', 'description', 'nodes', 'edges'] as const;
const NODE_FIELDS = ['id', 'type', 'typeVersion', 'pack', 'params', 'position', 'label'] as const;
const EDGE_FIELDS = ['from', 'to'] as const;
const POSITION_FIELDS = ['x', 'y'] as const;

/** Parses a pipeline file's text. `file` is copied onto every issue for `file:line:col` output. */
export function parsePipelineText(text: string, file?: string): ParseTextResult {
  const withFile = (issues: ValidationIssue[]): ValidationIssue[] =>
    file === undefined ? issues : issues.map((issue) => ({ ...issue, file }));
  if (typeof text !== 'string') {
    return { ok: false, issues: withFile([{ code: 'json', message: `expected the file's text, got ${jsonTypeName(text)}` }]) };
  }
  // Editors on Windows like to start UTF-8 files with a byte order mark; JSON.parse does not.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let lines: LineIndex | undefined;
  const at = (offset: number) => (lines ??= new LineIndex(source)).locate(offset);

  // First pass: syntax and repeated keys only. Locations are recorded when an issue needs one.
  let scan = scanJson(source, { record: false });
  if (!scan.ok) {
    return { ok: false, issues: withFile([{ code: 'json', message: `invalid JSON: ${scan.message}`, ...at(scan.offset) }]) };
  }
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    // The scanner accepts exactly JSON's grammar, so this is a safety net, not a code path.
    const message = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(message, source);
    return { ok: false, issues: withFile([{ code: 'json', message: `invalid JSON: ${message}`, ...(offset === undefined ? {} : at(offset)) }]) };
  }
  if (scan.duplicateKeys.length > 0) scan = scanJson(source, { record: true });
  const duplicateKeys = scan.ok ? scan.duplicateKeys : [];

  const issues: ValidationIssue[] = duplicateKeys.map((duplicate) => {
    const first = at(duplicate.firstOffset);
    return {
      code: 'duplicate-key' as const,
      message: `${duplicate.path}: the key ${JSON.stringify(duplicate.key)} appears twice (first at line ${first.line}, column ${first.column}); JSON keeps only the last one`,
      path: duplicate.path,
      ...at(duplicate.offset),
    };
  });
  const shaped = parsePipelineValue(value);
  const locator = new SourceLocator(source, scan.ok && scan.locations.size > 0 ? scan.locations : undefined);
  if (!shaped.ok) issues.push(...shaped.issues);
  if (issues.length > 0 || !shaped.ok) return { ok: false, issues: withFile(locateIssues(issues, locator)) };
  return { ok: true, doc: shaped.doc, locator };
}

/** Adds line and column to issues that have a path and no position yet. */
export function locateIssues(issues: readonly ValidationIssue[], locator: SourceLocator): ValidationIssue[] {
  return issues.map((issue) => {
    if (issue.line !== undefined) return issue;
    const position = locator.locate(issue.path);
    return position ? { ...issue, ...position } : issue;
  });
}

/**
 * Checks that a JSON value has the pipeline shape and returns a normalised copy (`params`
 * defaults to `{}`, `edges` to `[]`). Also used by validatePipeline, so a document built in
 * code (the UI, the API) gets the same checks as a file. Never throws.
 */
export function parsePipelineValue(value: unknown): ParseResult {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(value)) {
    return { ok: false, issues: [{ code: 'shape', message: `a pipeline must be a JSON object, got ${jsonTypeName(value)}`, path: '' }] };
  }
  reportUnknownFields(value, DOC_FIELDS, '', 'the pipeline', issues);

  const format = value['format'];
  if (format === undefined) {
    issues.push({ code: 'format', message: `missing "format": the first field of a pipeline file is "format": "${PIPELINE_FORMAT}"`, path: '' });
  } else if (format !== PIPELINE_FORMAT) {
    const newer = typeof format === 'string' ? /^tensorloom\/pipeline@(\d+)$/.exec(format) : null;
    const message =
      newer && Number(newer[1]) > 1
        ? `"format" is ${JSON.stringify(format)}: this file was written by a newer Tensorloom; this version reads "${PIPELINE_FORMAT}"`
        : `"format" must be "${PIPELINE_FORMAT}" (got ${describeValue(format)})`;
    issues.push({ code: 'format', message, field: 'format', path: 'format' });
  }

  const name = value['name'];
  if (typeof name !== 'string' || name.trim() === '') {
    const got = name === undefined ? 'it is missing' : `got ${describeValue(name)}`;
    issues.push({ code: 'shape', message: `"name" must be a non-empty string (${got})`, field: 'name', path: name === undefined ? '' : 'name' });
  }
  const description = value['description'];
  if (description !== undefined && typeof description !== 'string') {
    issues.push({ code: 'shape', message: `"description" must be a string (got ${describeValue(description)})`, field: 'description', path: 'description' });
  }

  const nodes: PipelineNode[] = [];
  const rawNodes = value['nodes'];
  if (!Array.isArray(rawNodes)) {
    const got = rawNodes === undefined ? 'it is missing' : `got ${jsonTypeName(rawNodes)}`;
    issues.push({ code: 'shape', message: `"nodes" must be an array of nodes (${got})`, field: 'nodes', path: rawNodes === undefined ? '' : 'nodes' });
  } else {
    rawNodes.forEach((raw: unknown, index) => {
      const node = parseNode(raw, pathJoin('nodes', index), issues);
      if (node) nodes.push(node);
    });
  }

  const edges: PipelineEdge[] = [];
  const rawEdges = value['edges'];
  if (rawEdges !== undefined && !Array.isArray(rawEdges)) {
    issues.push({ code: 'shape', message: `"edges" must be an array of edges (got ${jsonTypeName(rawEdges)})`, field: 'edges', path: 'edges' });
  } else if (rawEdges !== undefined) {
    rawEdges.forEach((raw: unknown, index) => {
      const edge = parseEdge(raw, pathJoin('edges', index), issues);
      if (edge) edges.push(edge);
    });
  }

  if (issues.length > 0) return { ok: false, issues };
  const doc: PipelineDoc = { format: PIPELINE_FORMAT, name: name as string, nodes, edges };
  if (description !== undefined) doc.description = description as string;
  return { ok: true, doc };
}

function parseNode(raw: unknown, path: string, issues: ValidationIssue[]): PipelineNode | undefined {
  if (!isPlainObject(raw)) {
    issues.push({ code: 'shape', message: `${path} must be an object with "id" and "type" (got ${jsonTypeName(raw)})`, path });
    return undefined;
  }
  const before = issues.length;
  const id = raw['id'];
  const nodeId = typeof id === 'string' ? id : undefined;
  const who = nodeId === undefined ? path : `node '${nodeId}'`;
  const push = (issue: ValidationIssue) => issues.push(nodeId === undefined ? issue : { ...issue, nodeId });

  reportUnknownFields(raw, NODE_FIELDS, path, who, issues, nodeId);
  if (typeof id !== 'string') {
    push({ code: 'shape', message: `${path}: "id" must be a string (${id === undefined ? 'it is missing' : `got ${describeValue(id)}`})`, field: 'id', path: id === undefined ? path : pathJoin(path, 'id') });
  }
  const type = raw['type'];
  if (typeof type !== 'string') {
    const got = type === undefined ? 'it is missing' : `got ${describeValue(type)}`;
    push({ code: 'shape', message: `${who}: "type" must be a node type such as "data.csv" (${got})`, field: 'type', path: type === undefined ? path : pathJoin(path, 'type') });
  }
  const typeVersion = raw['typeVersion'];
  if (typeVersion !== undefined && !(Number.isSafeInteger(typeVersion) && (typeVersion as number) >= 1)) {
    push({ code: 'shape', message: `${who}: "typeVersion" must be a whole number ≥ 1, the version of its node type (got ${describeValue(typeVersion)})`, field: 'typeVersion', path: pathJoin(path, 'typeVersion') });
  }
  const params = raw['params'];
  if (params !== undefined) {
    if (!isPlainObject(params)) {
      push({ code: 'shape', message: `${who}: "params" must be an object (got ${jsonTypeName(params)})`, field: 'params', path: pathJoin(path, 'params') });
    } else {
      const problem = findNonJson(params, pathJoin(path, 'params'));
      if (problem) push({ code: 'shape', message: `${who}: ${problem.path} ${problem.reason}; params must be plain JSON`, field: 'params', path: problem.path });
    }
  }
  const position = raw['position'];
  if (position !== undefined) {
    const positionPath = pathJoin(path, 'position');
    if (!isPlainObject(position)) {
      push({ code: 'shape', message: `${who}: "position" must be an object {"x": number, "y": number} (got ${jsonTypeName(position)})`, field: 'position', path: positionPath });
    } else {
      reportUnknownFields(position, POSITION_FIELDS, positionPath, `${who}'s position`, issues, nodeId);
      for (const axis of POSITION_FIELDS) {
        const coordinate = position[axis];
        if (typeof coordinate !== 'number' || !Number.isFinite(coordinate)) {
          push({ code: 'shape', message: `${who}: "position.${axis}" must be a number (got ${describeValue(coordinate)})`, field: 'position', path: coordinate === undefined ? positionPath : pathJoin(positionPath, axis) });
        }
      }
    }
  }
  const label = raw['label'];
  if (label !== undefined && typeof label !== 'string') {
    push({ code: 'shape', message: `${who}: "label" must be a string (got ${describeValue(label)})`, field: 'label', path: pathJoin(path, 'label') });
  }
  const pack = raw['pack'];
  if (pack !== undefined && (typeof pack !== 'string' || pack === '')) {
    push({ code: 'shape', message: `${who}: "pack" must be the name of the node pack its type comes from (got ${describeValue(pack)})`, field: 'pack', path: pathJoin(path, 'pack') });
  }
  if (issues.length > before) return undefined;

  const node: PipelineNode = { id: id as string, type: type as string };
  if (typeVersion !== undefined) node.typeVersion = typeVersion as number;
  node.params = params === undefined ? {} : { ...(params as Record<string, unknown>) };
  if (position !== undefined) {
    const { x, y } = position as { x: number; y: number };
    node.position = { x, y };
  }
  if (label !== undefined) node.label = label as string;
  if (pack !== undefined) node.pack = pack as string;
  return node;
}

function parseEdge(raw: unknown, path: string, issues: ValidationIssue[]): PipelineEdge | undefined {
  if (!isPlainObject(raw)) {
    issues.push({ code: 'shape', message: `${path} must be an object {"from": "node.port", "to": "node.port"} (got ${jsonTypeName(raw)})`, path });
    return undefined;
  }
  const before = issues.length;
  reportUnknownFields(raw, EDGE_FIELDS, path, path, issues);
  for (const end of EDGE_FIELDS) {
    const endpoint = raw[end];
    if (typeof endpoint !== 'string') {
      const got = endpoint === undefined ? 'it is missing' : `got ${describeValue(endpoint)}`;
      issues.push({ code: 'shape', message: `${path}: "${end}" must be a string "node.port" (${got})`, field: end, path: endpoint === undefined ? path : pathJoin(path, end) });
    } else if (!parsePortRef(endpoint)) {
      issues.push({ code: 'bad-edge', message: `${path}: "${end}" must look like "node.port", e.g. "load.table" (got ${describeValue(endpoint)})`, field: end, path: pathJoin(path, end) });
    }
  }
  if (issues.length > before) return undefined;
  return { from: raw['from'] as string, to: raw['to'] as string };
}

function reportUnknownFields(
  object: Record<string, unknown>,
  known: readonly string[],
  path: string,
  who: string,
  issues: ValidationIssue[],
  nodeId?: string,
): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    issues.push({
      code: 'unknown-field',
      message: `${who}: unknown field ${JSON.stringify(key)}${didYouMean(key, known)}; the fields are ${quoteList(known)}`,
      path: pathJoin(path, key),
      field: key,
      ...(nodeId === undefined ? {} : { nodeId }),
    });
  }
}

/**
 * The first place where a value is not plain JSON (NaN, undefined in an array, a Date, a
 * cycle), or undefined when it is. Files are always plain JSON; documents built in code may
 * not be, and hashing needs them to be. `path` is where the value sits (for the message).
 */
export function findNonJson(value: unknown, path: string): { path: string; reason: string } | undefined {
  const steps: (string | number)[] = [];
  const reason = nonJsonReason(value, steps, []);
  return reason === undefined ? undefined : { path: steps.reduce<string>((at, step) => pathJoin(at, step), path), reason };
}

/** Leaves `steps` pointing at the offending value. Paths are spelled out only then. */
function nonJsonReason(value: unknown, steps: (string | number)[], stack: object[]): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `is ${String(value)}, which JSON cannot hold`;
  if (typeof value !== 'object') return `is ${jsonTypeName(value)}, which JSON cannot hold`;
  if (stack.length >= MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`;
  if (stack.includes(value)) return 'refers back to itself';
  if (!Array.isArray(value) && !isPlainObject(value)) {
    const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `is ${typeof kind === 'string' ? `a ${kind}` : 'a non-plain object'}, not a plain object`;
  }
  stack.push(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      steps.push(index);
      const item: unknown = value[index];
      const reason = item === undefined ? 'is undefined (or a hole), which a JSON array cannot hold' : nonJsonReason(item, steps, stack);
      if (reason !== undefined) return reason;
      steps.pop();
    }
  } else {
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      steps.push(key);
      const reason = nonJsonReason(item, steps, stack);
      if (reason !== undefined) return reason;
      steps.pop();
    }
  }
  stack.pop();
  return undefined;
}
