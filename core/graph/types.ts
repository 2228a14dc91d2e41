import type { AnyNodeDefinition } from '../base/define-node.js';

/** The only format string this version reads and writes. A new major shape gets `@2`. */
export const PIPELINE_FORMAT = 'tensorloom/pipeline@1';

/** Node ids: a letter, then letters, digits, `_` or `-`. No dots, so `node.port` is unambiguous. */
export const NODE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Port names, as `defineNode` enforces them. */
export const PORT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/** A pipeline file, as people keep it in git. */
export interface PipelineDoc {
  format: typeof PIPELINE_FORMAT;
  name: string;
  description?: string;
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

export interface PipelineNode {
  id: string;
  type: string;
  /**
   * The node type's version the params were written for (a positive integer). Absent means 1.
   * Older params are migrated through the definition's chain; saving writes the current one.
   */
  typeVersion?: number;
  /** As written in the file (plain JSON). May be left out; parsing fills in `{}`. */
  params?: Record<string, unknown>;
  /** UI only: never changes what a run computes. */
  position?: { x: number; y: number };
  /** UI only: a display name. */
  label?: string;
  /**
   * The node pack the type comes from (its package name), written when the node is added from
   * a pack, so a workspace without that pack is told which one to install. Never changes
   * what a run computes.
   */
  pack?: string;
}

export interface PipelineEdge {
  /** `<nodeId>.<outputPort>` */
  from: string;
  /** `<nodeId>.<inputPort>` */
  to: string;
}

export interface PortRef {
  node: string;
  port: string;
}

export const ISSUE_CODES = [
  /** The file cannot be read (missing, a folder, no permission, not UTF-8). */
  'file',
  /** Malformed JSON. */
  'json',
  /** The same key twice in one JSON object: JSON.parse would silently keep the last. */
  'duplicate-key',
  /** Missing or unsupported `format` string. */
  'format',
  /** The document does not have the pipeline shape (wrong JSON type, missing field). */
  'shape',
  /** A field the format does not define (usually a typo, e.g. `param` for `params`). */
  'unknown-field',
  'bad-id',
  'duplicate-id',
  'unknown-type',
  'unknown-param',
  'missing-param',
  'invalid-param',
  /** An edge or `--set` names a node id that does not exist. */
  'unknown-node',
  'unknown-port',
  /** An edge endpoint that is not `node.port`, or one that runs from an input / into an output. */
  'bad-edge',
  'type-mismatch',
  'input-connected-twice',
  'missing-input',
  'cycle',
  /** Warning: a node with no edges at all in a pipeline of several nodes. */
  'unconnected-node',
  /** A malformed `--set node.param=value`. */
  'bad-override',
  /** A path param that leads outside the workspace, or a write into its `.tensorloom` store (links followed). */
  'path-outside',
  /** Warning: a file a source node reads is not there (yet). */
  'missing-file',
  /** Warning: a node saved by an older version of its type; its params were migrated in memory. */
  'needs-migration',
  /** A node saved by a newer version of its type than this Tensorloom has. */
  'newer-version',
  /** A node whose saved version is older than its type's migrations reach. */
  /** A node type's migration step threw (or returned something that is not plain JSON params). */
  'migration-failed',
] as const;

export type IssueCode = (typeof ISSUE_CODES)[number];

/** One problem found in a pipeline. Messages name the node, the field and the reason. */
export interface ValidationIssue {
  code: IssueCode;
  message: string;
  nodeId?: string;
  /** The param or port the issue is about (`test`, `layers[0].units`, `table`). */
  field?: string;
  /** The file the pipeline came from, when known. */
  file?: string;
  /** 1-based, when the pipeline came from text. */
  line?: number;
  /** 1-based, in UTF-16 code units (what editors use for `file:line:column`). */
  column?: number;
  /** JSON-path-ish location in the document, e.g. `nodes[2].params.test`. */
  path?: string;
  /** For a cycle: the node ids on it, in edge order (the UI highlights them). */
  nodes?: string[];
}

/** A node whose params were brought from an older version of its type to the current one. */
export interface MigratedNode {
  nodeId: string;
  type: string;
  from: number;
  to: number;
}

export interface ResolvedNode {
  id: string;
  type: string;
  definition: AnyNodeDefinition;
  /** Parsed by the node's zod schema: defaults filled, unknown keys dropped. */
  params: Record<string, unknown>;
  /** Input port → the upstream output feeding it. Unconnected optional inputs are absent. */
  inputs: Record<string, PortRef>;
  /** Position in the file's `nodes` array: breaks ties in the topological order. */
  index: number;
}

export interface ResolvedEdge {
  from: PortRef;
  to: PortRef;
}

export interface ResolvedPipeline {
  doc: PipelineDoc;
  nodes: Map<string, ResolvedNode>;
  /** Edges in file order, endpoints resolved. */
  edges: ResolvedEdge[];
  /** Deterministic topological order: Kahn's algorithm, ties broken by file order. */
  order: string[];
  /** `sha256:…` of the canonical form (default-filled params; no names, positions, labels). */
  hash: string;
}

/** Splits `node.port` at its first dot (ids never contain dots). Undefined when malformed. */
export function parsePortRef(text: string): PortRef | undefined {
  const dot = text.indexOf('.');
  if (dot < 0) return undefined;
  const node = text.slice(0, dot);
  const port = text.slice(dot + 1);
  if (!NODE_ID_PATTERN.test(node) || !PORT_NAME_PATTERN.test(port)) return undefined;
  return { node, port };
}

export function formatPortRef(ref: PortRef): string {
  return `${ref.node}.${ref.port}`;
}

/**
 * The form a pipeline is saved in, by the UI and by `tensorloom migrate` alike, so that one
 * after the other gives no diff: fixed key order as people read it in git (node: id, type,
 * typeVersion, pack, label, params, position), `params` always written, empty description and
 * label left out.
 */
export function savedPipelineDoc(doc: PipelineDoc): PipelineDoc {
  return {
    format: doc.format,
    name: doc.name,
    ...(doc.description ? { description: doc.description } : {}),
    nodes: doc.nodes.map((node) => ({
      id: node.id,
      type: node.type,
      ...(node.typeVersion === undefined ? {} : { typeVersion: node.typeVersion }),
      ...(node.pack ? { pack: node.pack } : {}),
      ...(node.label ? { label: node.label } : {}),
      params: node.params ?? {},
      ...(node.position ? { position: { x: node.position.x, y: node.position.y } } : {}),
    })),
    edges: doc.edges.map((edge) => ({ from: edge.from, to: edge.to })),
  };
}

/** A pipeline file's text: the saved form, two-space indented, with a final newline. */
export function pipelineFileText(doc: PipelineDoc): string {
  return JSON.stringify(savedPipelineDoc(doc), null, 2) + '\n';
}
