/**
 * Canonical JSON and hashes. The canonical form of a pipeline holds only what changes what a
 * run computes: names, descriptions, positions and labels are left out, and the order of
 * nodes, edges and keys in the file does not matter.
 */
import { createHash } from 'node:crypto';
import { withoutHiddenParams } from '../base/show-when.js';
import type { NodeRegistry } from './registry.js';
import { isPlainObject, jsonTypeName, pathJoin } from './issues.js';
import { migrateNode } from './migrate.js';
import { PIPELINE_FORMAT } from './types.js';
import type { PipelineDoc, PipelineNode } from './types.js';

export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError';
  constructor(
    message: string,
    /** Where the offending value is, e.g. `$.params.test`. */
    readonly path: string,
  ) {
    super(message);
  }
}

const MAX_DEPTH = 1000;

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785 does), no whitespace, and
 * `-0` written as `0`. Properties whose value is undefined are left out, as JSON.stringify
 * does. Refuses what has no single JSON spelling: NaN, ±Infinity, undefined at the top or in
 * an array, functions, symbols, bigints, class instances (Date, Map, …) and cycles.
 */
export function canonicalJson(value: unknown): string {
  return write(value, [], [], 0);
}

/** True when JSON.stringify would write the string unchanged between quotes. */
function isPlainString(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // control characters, '"', '\\', and surrogates (a lone one is escaped)
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

function quote(text: string): string {
  // Most keys and values are short plain strings: skipping JSON.stringify for them makes
  // hashing a large pipeline about three times faster.
  return text.length <= 64 && isPlainString(text) ? `"${text}"` : JSON.stringify(text);
}

/** Paths are only spelled out for an error: building one per value would double the cost. */
function pathText(steps: readonly (string | number)[]): string {
  return steps.reduce<string>((path, step) => pathJoin(path, step), '$');
}

function fail(reason: (path: string) => string, steps: readonly (string | number)[]): never {
  const path = pathText(steps);
  throw new CanonicalJsonError(`canonical JSON: ${reason(path)}`, path);
}

function write(value: unknown, steps: (string | number)[], stack: object[], depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) fail((path) => `${String(value)} at ${path} is not a JSON number`, steps);
      return Object.is(value, -0) ? '0' : String(value);
    case 'object':
      break;
    default:
      fail((path) => `${jsonTypeName(value)} at ${path} is not a JSON value`, steps);
  }
  if (depth >= MAX_DEPTH) fail((path) => `the value at ${path} is nested more than ${MAX_DEPTH} levels deep`, steps);
  if (stack.includes(value)) fail((path) => `the value at ${path} refers back to itself`, steps);
  stack.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      steps.push(index);
      if (item === undefined) fail((path) => `undefined at ${path} (an array element) is not a JSON value`, steps);
      if (index > 0) out += ',';
      out += write(item, steps, stack, depth + 1);
      steps.pop();
    }
    out += ']';
  } else {
    if (!isPlainObject(value)) {
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
      fail((path) => `${typeof kind === 'string' ? `a ${kind}` : 'a non-plain object'} at ${path} is not a plain JSON object`, steps);
    }
    const keys = Object.keys(value);
    if (keys.length > 1) keys.sort();
    out = '{';
    let first = true;
    for (const key of keys) {
      const item = value[key];
      if (item === undefined) continue;
      if (!first) out += ',';
      first = false;
      steps.push(key);
      out += `${quote(key)}:${write(item, steps, stack, depth + 1)}`;
      steps.pop();
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/** `sha256:<hex>` of a string's UTF-8 bytes. */
export function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** `sha256:<hex>` of a value's canonical JSON: the building block for cache keys. */
export function canonicalHash(value: unknown): string {
  return sha256(canonicalJson(value));
}

/** The part of a pipeline that determines what a run computes. */
export interface CanonicalPipeline {
  format: typeof PIPELINE_FORMAT;
  /** Sorted by id. */
  nodes: { id: string; type: string; params: Record<string, unknown> }[];
  /** Sorted by `from`, then `to`. */
  edges: { from: string; to: string }[];
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds the canonical form from parts; validate.ts uses it with params it already parsed. */
export function canonicalFromParts(
  nodes: Iterable<{ id: string; type: string; params: Record<string, unknown> }>,
  edges: Iterable<{ from: string; to: string }>,
): CanonicalPipeline {
  const canonicalNodes = [...nodes].map(({ id, type, params }) => ({ id, type, params }));
  // Ids are unique in a valid pipeline; type and params break ties in an invalid one, so
  // the order of the file can never leak into the hash.
  canonicalNodes.sort((a, b) => byCodeUnits(a.id, b.id) || byCodeUnits(a.type, b.type) || byCodeUnits(canonicalJson(a.params), canonicalJson(b.params)));
  const canonicalEdges = [...edges].map(({ from, to }) => ({ from, to }));
  canonicalEdges.sort((a, b) => byCodeUnits(a.from, b.from) || byCodeUnits(a.to, b.to));
  return { format: PIPELINE_FORMAT, nodes: canonicalNodes, edges: canonicalEdges };
}

/**
 * The canonical form of a document. With a registry, params are those the node's schema
 * produces — migrated from an older `typeVersion`, defaults filled, unknown keys and params
 * hidden by their showWhen rule dropped — so
 * `{}` and `{"test": 0.2}` are the same pipeline when 0.2 is the default, and so are a node
 * saved by an old version and its migrated form. Nodes of unknown type, and params that
 * cannot be migrated or that the schema rejects, keep their params as written.
 */
export function canonicalize(doc: PipelineDoc, registry?: NodeRegistry): CanonicalPipeline {
  const nodes = doc.nodes.map((node, index) => ({ id: node.id, type: node.type, params: effectiveParams(node, index, registry) }));
  return canonicalFromParts(nodes, doc.edges);
}

function effectiveParams(node: PipelineNode, index: number, registry: NodeRegistry | undefined): Record<string, unknown> {
  const params = node.params ?? {};
  const definition = registry?.get(node.type);
  if (!definition) return params;
  const migration = migrateNode(node, definition, `nodes[${index}]`);
  if (!migration.ok) return params;
  try {
    // As validation does: a param hidden by its showWhen rule does not change what runs.
    const parsed = definition.params.safeParse(withoutHiddenParams(definition.params, migration.params).params);
    if (!parsed.success) return params;
    const output = parsed.data as Record<string, unknown>;
    canonicalJson(output); // a schema whose output is not JSON (a transform to a Date, say) hashes as written
    return output;
  } catch {
    return params;
  }
}

/** Canonical JSON text of a pipeline (see canonicalize). */
export function canonicalPipeline(doc: PipelineDoc, registry?: NodeRegistry): string {
  return canonicalJson(canonicalize(doc, registry));
}

/** `sha256:<hex>` of the canonical pipeline: equal for files that compute the same thing. */
export function pipelineHash(doc: PipelineDoc, registry?: NodeRegistry): string {
  return sha256(canonicalPipeline(doc, registry));
}
