/**
 * The document as the UI edits it: exactly the saved pipeline format (core/graph/types),
 * held immutably so undo history is a list of references. React Flow's shapes live only in
 * canvas/flow-adapter.ts.
 */
import { NODE_ID_PATTERN, PIPELINE_FORMAT, parsePortRef, savedPipelineDoc } from '../../../core/graph/types.js';
import type { PipelineDoc, PipelineEdge, PipelineNode } from '../api/protocol';

export interface XY {
  x: number;
  y: number;
}

export interface DocContent {
  readonly name: string;
  readonly description?: string;
  readonly nodes: readonly PipelineNode[];
  readonly edges: readonly PipelineEdge[];
}

export interface Selection {
  readonly nodes: readonly string[];
  /** Edge keys (see edgeKey). */
  readonly edges: readonly string[];
}

export const EMPTY_SELECTION: Selection = Object.freeze({ nodes: [], edges: [] });

export function emptyContent(name = 'untitled'): DocContent {
  return { name, nodes: [], edges: [] };
}

/** Edges are unique by their two ends, so that pair names one. */
export function edgeKey(edge: PipelineEdge): string {
  return `${edge.from}->${edge.to}`;
}

export function edgeNodes(edge: PipelineEdge): { from: string | undefined; to: string | undefined } {
  return { from: parsePortRef(edge.from)?.node, to: parsePortRef(edge.to)?.node };
}

/**
 * The saved form: core/graph's (key order as people read it in git, the same as `tensorloom
 * migrate` writes, so one after the other gives no diff). Positions are rounded; empty params
 * stay `{}`; each node keeps its `typeVersion`.
 */
export function toPipelineDoc(content: DocContent): PipelineDoc {
  return savedPipelineDoc({
    format: PIPELINE_FORMAT,
    name: content.name,
    ...(content.description ? { description: content.description } : {}),
    nodes: content.nodes.map((node) => (node.position ? { ...node, position: { x: Math.round(node.position.x), y: Math.round(node.position.y) } } : node)),
    edges: [...content.edges],
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads a document leniently: a file with problems still opens (the validator lists them),
 * only parts without the basic shape are dropped.
 */
export function contentFromDoc(doc: unknown, fallbackName = 'untitled'): DocContent {
  const source = isRecord(doc) ? doc : {};
  const nodes: PipelineNode[] = [];
  for (const raw of Array.isArray(source.nodes) ? source.nodes : []) {
    if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.type !== 'string') continue;
    const node: PipelineNode = { id: raw.id, type: raw.type, params: isRecord(raw.params) ? { ...raw.params } : {} };
    // Absent means version 1 (the file format's rule), so saving writes 1, never the catalog's newer one.
    if (typeof raw.typeVersion === 'number') node.typeVersion = raw.typeVersion;
    else if (raw.typeVersion === undefined) node.typeVersion = 1;
    if (isRecord(raw.position) && typeof raw.position.x === 'number' && typeof raw.position.y === 'number') {
      node.position = { x: raw.position.x, y: raw.position.y };
    }
    if (typeof raw.label === 'string') node.label = raw.label;
    if (typeof raw.pack === 'string' && raw.pack) node.pack = raw.pack;
    nodes.push(node);
  }
  const edges: PipelineEdge[] = [];
  for (const raw of Array.isArray(source.edges) ? source.edges : []) {
    if (isRecord(raw) && typeof raw.from === 'string' && typeof raw.to === 'string') edges.push({ from: raw.from, to: raw.to });
  }
  return {
    name: typeof source.name === 'string' && source.name ? source.name : fallbackName,
    ...(typeof source.description === 'string' ? { description: source.description } : {}),
    nodes,
    edges,
  };
}

/** A readable id from a node type: `data.csv` → `csv`, then `csv2`, `csv3`… */
export function idBaseForType(type: string): string {
  const last = type.split('.').pop() ?? 'node';
  const cleaned = last.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `n${cleaned}`;
}

export function uniqueNodeId(base: string, taken: ReadonlySet<string>): string {
  const stem = NODE_ID_PATTERN.test(base) ? base : idBaseForType(base);
  if (!taken.has(stem)) return stem;
  const numbered = stem.replace(/\d+$/, '') || stem;
  for (let n = 2; ; n++) {
    const candidate = `${numbered}${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function isValidNodeId(id: string): boolean {
  return NODE_ID_PATTERN.test(id);
}
