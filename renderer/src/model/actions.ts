/**
 * Every change a user makes to the document is a named action (after Excalidraw's
 * actions): `perform` returns the new content and selection, and says how the change
 * enters undo history. The store applies results; tests call actions directly.
 */
import { formatPortRef, parsePortRef, type PortRef } from '../../../core/graph/types.js';
import type { PipelineEdge, PipelineNode } from '../api/protocol';
import { checkConnection, type Catalog } from './connection-rules';
import { DEFAULT_NODE_SIZE, type Size } from './layout';
import { newNodeId } from './node-ids';
import { clearPosition, type Box } from './placement';
import {
  edgeKey,
  edgeNodes,
  isValidNodeId,
  uniqueNodeId,
  type DocContent,
  type Selection,
  type XY,
} from './document';

/** `record`: one undo step. `coalesce`: joins the previous step with the same key (typing). `none`: not undoable (selection, drag frames). */
export type HistoryMode = { kind: 'record' } | { kind: 'none' } | { kind: 'coalesce'; key: string };

export interface ActionState {
  readonly content: DocContent;
  readonly selection: Selection;
}

export interface ActionEnv {
  readonly catalog: Catalog;
  /** Cards' sizes as last drawn (view state), for placing new nodes clear of them. */
  readonly sizes?: Readonly<Record<string, Size>>;
}

export interface ActionResult {
  content?: DocContent;
  selection?: Selection;
  history: HistoryMode;
  /** A refusal to show the user (the state is left as it was). */
  refused?: string;
}

export interface KeyStroke {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export interface Action<P> {
  readonly name: string;
  readonly label: string;
  readonly keyTest?: (stroke: KeyStroke) => boolean;
  perform(state: ActionState, payload: P, env: ActionEnv): ActionResult | null;
}

const RECORD: HistoryMode = { kind: 'record' };
const NONE: HistoryMode = { kind: 'none' };
/** Ctrl, or Cmd on a Mac. */
export const primary = (stroke: KeyStroke) => stroke.ctrlKey || stroke.metaKey;

const takenIds = (content: DocContent) => new Set(content.nodes.map((node) => node.id));

/**
 * The cards already placed. A card dropped a moment ago may not be measured yet, or measured
 * before it finished laying out (smaller than it ends up): take the larger of the measured
 * size and the estimate for its type.
 */
const placedBoxes = (content: DocContent, env: ActionEnv): Box[] =>
  content.nodes.map((node) => {
    const measured = env.sizes?.[node.id];
    const estimate = estimatedSize(node.type, env);
    const size = measured ? { width: Math.max(measured.width, estimate.width), height: Math.max(measured.height, estimate.height) } : estimate;
    return { position: node.position ?? { x: 0, y: 0 }, size };
  });

/** A guess at a card's size from its ports, before it is drawn. */
function estimatedSize(type: string, env: ActionEnv): Size {
  const entry = env.catalog[type];
  const rows = Math.max(1, Object.keys(entry?.inputs ?? {}).length, Object.keys(entry?.outputs ?? {}).length);
  return { width: DEFAULT_NODE_SIZE.width, height: Math.max(DEFAULT_NODE_SIZE.height, 56 + rows * 22) };
}

/** A card not drawn yet: as big as one of its type already drawn, else a guess from its ports. */
function newNodeSize(type: string, content: DocContent, env: ActionEnv): Size {
  const sameType = content.nodes.find((node) => node.type === type && env.sizes?.[node.id]);
  const estimate = estimatedSize(type, env);
  if (!sameType) return estimate;
  const measured = env.sizes![sameType.id]!;
  return { width: Math.max(measured.width, estimate.width), height: Math.max(measured.height, estimate.height) };
}

export const addNode: Action<{ type: string; position: XY; params?: Record<string, unknown> }> = {
  name: 'addNode',
  label: 'Add node',
  perform({ content }, { type, position, params }, env) {
    const id = newNodeId(type, takenIds(content), env.catalog);
    const at = clearPosition(position, newNodeSize(type, content, env), placedBoxes(content, env));
    const node: PipelineNode = { id, type, params: { ...(params ?? {}) }, position: { x: Math.round(at.x), y: Math.round(at.y) } };
    // A new node's params are written for the installed version of its type.
    const version = env.catalog[type]?.version;
    if (version !== undefined) node.typeVersion = version;
    // A pack's node records the pack, so a workspace without it is told which one to install.
    const pack = env.catalog[type]?.pack;
    if (pack !== undefined) node.pack = pack;
    return { content: { ...content, nodes: [...content.nodes, node] }, selection: { nodes: [id], edges: [] }, history: RECORD };
  },
};

export const connect: Action<{ from: PortRef; to: PortRef }> = {
  name: 'connect',
  label: 'Connect',
  perform({ content }, { from, to }, env) {
    const check = checkConnection(content, env.catalog, from, to);
    if (!check.ok) return { history: NONE, refused: check.reason };
    const edge: PipelineEdge = { from: formatPortRef(from), to: formatPortRef(to) };
    return { content: { ...content, edges: [...content.edges, edge] }, history: RECORD };
  },
};

/** Removes nodes (with every wire touching them) and wires, as one step. */
export const deleteElements: Action<{ nodes: readonly string[]; edges: readonly string[] }> = {
  name: 'deleteElements',
  label: 'Delete',
  perform({ content, selection }, payload) {
    const goneNodes = new Set(payload.nodes);
    const goneEdges = new Set(payload.edges);
    const nodes = content.nodes.filter((node) => !goneNodes.has(node.id));
    const edges = content.edges.filter((edge) => {
      if (goneEdges.has(edgeKey(edge))) return false;
      const ends = edgeNodes(edge);
      return !(ends.from && goneNodes.has(ends.from)) && !(ends.to && goneNodes.has(ends.to));
    });
    if (nodes.length === content.nodes.length && edges.length === content.edges.length) return null;
    return {
      content: { ...content, nodes, edges },
      selection: { nodes: selection.nodes.filter((id) => !goneNodes.has(id)), edges: selection.edges.filter((key) => !goneEdges.has(key)) },
      history: RECORD,
    };
  },
};

export const deleteSelection: Action<void> = {
  name: 'deleteSelection',
  label: 'Delete selection',
  keyTest: (stroke) => (stroke.key === 'Delete' || stroke.key === 'Backspace') && !primary(stroke),
  perform(state, _payload, env) {
    if (state.selection.nodes.length === 0 && state.selection.edges.length === 0) return null;
    return deleteElements.perform(state, state.selection, env);
  },
};

/** Sets one top-level param; `undefined` removes it (back to the default). Typing coalesces. */
export const setParam: Action<{ nodeId: string; key: string; value: unknown }> = {
  name: 'setParam',
  label: 'Change parameter',
  perform({ content }, { nodeId, key, value }) {
    const node = content.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) return null;
    const params = { ...(node.params ?? {}) };
    if (value === undefined) {
      if (!(key in params)) return null;
      delete params[key];
    } else {
      if (Object.is(params[key], value)) return null;
      params[key] = value;
    }
    return { content: replaceNode(content, { ...node, params }), history: { kind: 'coalesce', key: `param:${nodeId}:${key}` } };
  },
};

export const replaceParams: Action<{ nodeId: string; params: Record<string, unknown> }> = {
  name: 'replaceParams',
  label: 'Edit parameters',
  perform({ content }, { nodeId, params }) {
    const node = content.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) return null;
    return { content: replaceNode(content, { ...node, params: { ...params } }), history: { kind: 'coalesce', key: `params:${nodeId}` } };
  },
};

/** Changes a node's id and every wire that names it. */
export const renameNode: Action<{ nodeId: string; newId: string }> = {
  name: 'renameNode',
  label: 'Rename node',
  perform({ content, selection }, { nodeId, newId }) {
    if (nodeId === newId) return null;
    if (!isValidNodeId(newId)) return { history: NONE, refused: `'${newId}' is not a valid id: start with a letter, then letters, digits, _ or -` };
    if (content.nodes.some((node) => node.id === newId)) return { history: NONE, refused: `a node '${newId}' already exists` };
    const node = content.nodes.find((candidate) => candidate.id === nodeId);
    if (!node) return null;
    const rename = (text: string) => {
      const ref = parsePortRef(text);
      return ref && ref.node === nodeId ? formatPortRef({ node: newId, port: ref.port }) : text;
    };
    return {
      content: {
        ...content,
        nodes: content.nodes.map((candidate) => (candidate === node ? { ...node, id: newId } : candidate)),
        edges: content.edges.map((edge) => ({ from: rename(edge.from), to: rename(edge.to) })),
      },
      selection: { nodes: selection.nodes.map((id) => (id === nodeId ? newId : id)), edges: [] },
      history: RECORD,
    };
  },
};

export const setLabel: Action<{ nodeId: string; label: string }> = {
  name: 'setLabel',
  label: 'Rename label',
  perform({ content }, { nodeId, label }) {
    const node = content.nodes.find((candidate) => candidate.id === nodeId);
    if (!node || (node.label ?? '') === label) return null;
    const next: PipelineNode = { ...node };
    if (label) next.label = label;
    else delete next.label;
    return { content: replaceNode(content, next), history: { kind: 'coalesce', key: `label:${nodeId}` } };
  },
};

export const setPipelineName: Action<{ name: string }> = {
  name: 'setPipelineName',
  label: 'Rename pipeline',
  perform({ content }, { name }) {
    if (content.name === name) return null;
    return { content: { ...content, name }, history: { kind: 'coalesce', key: 'pipeline-name' } };
  },
};

/**
 * Moves nodes without a history entry: drag frames. The store wraps a drag in a gesture
 * so the whole drag, of one node or a selection, is one step.
 */
export const moveNodes: Action<{ positions: Readonly<Record<string, XY>> }> = {
  name: 'moveNodes',
  label: 'Move',
  perform({ content }, { positions }) {
    const nodes = applyPositions(content.nodes, positions);
    return nodes === content.nodes ? null : { content: { ...content, nodes }, history: NONE };
  },
};

const NUDGE: Readonly<Record<string, readonly [number, number]>> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Arrow keys move the selected nodes 10 px (Shift: 50 px); a run of presses is one undo step. */
export const nudgeSelection: Action<{ key: string; shiftKey: boolean }> = {
  name: 'nudgeSelection',
  label: 'Move',
  keyTest: (stroke) => NUDGE[stroke.key] !== undefined && !primary(stroke) && !stroke.altKey,
  perform({ content, selection }, { key, shiftKey }) {
    const direction = NUDGE[key];
    if (!direction || selection.nodes.length === 0) return null;
    const step = shiftKey ? 50 : 10;
    const positions: Record<string, XY> = {};
    for (const node of content.nodes) {
      if (!selection.nodes.includes(node.id)) continue;
      const at = node.position ?? { x: 0, y: 0 };
      positions[node.id] = { x: at.x + direction[0] * step, y: at.y + direction[1] * step };
    }
    return { content: { ...content, nodes: applyPositions(content.nodes, positions) }, history: { kind: 'coalesce', key: `nudge:${[...selection.nodes].sort().join(',')}` } };
  },
};

/** Positions from auto-layout: one step. */
export const arrangeNodes: Action<{ positions: Readonly<Record<string, XY>> }> = {
  name: 'arrangeNodes',
  label: 'Auto-layout',
  perform({ content }, { positions }) {
    const nodes = applyPositions(content.nodes, positions);
    return nodes === content.nodes ? null : { content: { ...content, nodes }, history: RECORD };
  },
};

export interface ClipboardData {
  readonly nodes: readonly PipelineNode[];
  /** Only the wires between copied nodes. */
  readonly edges: readonly PipelineEdge[];
}

export function copySelection({ content, selection }: ActionState): ClipboardData | null {
  const chosen = new Set(selection.nodes);
  if (chosen.size === 0) return null;
  const nodes = content.nodes.filter((node) => chosen.has(node.id));
  const edges = content.edges.filter((edge) => {
    const ends = edgeNodes(edge);
    return ends.from !== undefined && ends.to !== undefined && chosen.has(ends.from) && chosen.has(ends.to);
  });
  return { nodes, edges };
}

export const PASTE_OFFSET = 40;

/** Adds copies of the clipboard's nodes under fresh ids, wired among themselves, selected: one step. */
export const paste: Action<{ data: ClipboardData; offset?: XY }> = {
  name: 'paste',
  label: 'Paste',
  keyTest: (stroke) => primary(stroke) && stroke.key.toLowerCase() === 'v' && !stroke.shiftKey,
  perform({ content }, { data, offset = { x: PASTE_OFFSET, y: PASTE_OFFSET } }) {
    if (data.nodes.length === 0) return null;
    const taken = takenIds(content);
    const renamed = new Map<string, string>();
    const added: PipelineNode[] = data.nodes.map((node) => {
      const id = uniqueNodeId(node.id, taken);
      taken.add(id);
      renamed.set(node.id, id);
      const position = node.position ?? { x: 0, y: 0 };
      return { ...node, id, params: structuredClone(node.params ?? {}), position: { x: position.x + offset.x, y: position.y + offset.y } };
    });
    const moved = (text: string) => {
      const ref = parsePortRef(text);
      const id = ref && renamed.get(ref.node);
      return ref && id ? formatPortRef({ node: id, port: ref.port }) : undefined;
    };
    const edges: PipelineEdge[] = [];
    for (const edge of data.edges) {
      const from = moved(edge.from);
      const to = moved(edge.to);
      if (from && to) edges.push({ from, to });
    }
    return {
      content: { ...content, nodes: [...content.nodes, ...added], edges: [...content.edges, ...edges] },
      selection: { nodes: added.map((node) => node.id), edges: [] },
      history: RECORD,
    };
  },
};

export const selectAll: Action<void> = {
  name: 'selectAll',
  label: 'Select all',
  keyTest: (stroke) => primary(stroke) && stroke.key.toLowerCase() === 'a',
  perform({ content }) {
    return { selection: { nodes: content.nodes.map((node) => node.id), edges: content.edges.map(edgeKey) }, history: NONE };
  },
};

export const setSelection: Action<Selection> = {
  name: 'setSelection',
  label: 'Select',
  perform({ selection }, next) {
    if (sameList(selection.nodes, next.nodes) && sameList(selection.edges, next.edges)) return null;
    return { selection: next, history: NONE };
  },
};

export const isUndo = (stroke: KeyStroke) => primary(stroke) && stroke.key.toLowerCase() === 'z' && !stroke.shiftKey;
export const isRedo = (stroke: KeyStroke) =>
  primary(stroke) && ((stroke.key.toLowerCase() === 'z' && stroke.shiftKey) || (stroke.key.toLowerCase() === 'y' && !stroke.shiftKey));
export const isCopy = (stroke: KeyStroke) => primary(stroke) && stroke.key.toLowerCase() === 'c' && !stroke.shiftKey;

function replaceNode(content: DocContent, next: PipelineNode): DocContent {
  return { ...content, nodes: content.nodes.map((node) => (node.id === next.id ? next : node)) };
}

function applyPositions(nodes: readonly PipelineNode[], positions: Readonly<Record<string, XY>>): readonly PipelineNode[] {
  let changed = false;
  const next = nodes.map((node) => {
    const position = positions[node.id];
    if (!position || (node.position && node.position.x === position.x && node.position.y === position.y)) return node;
    changed = true;
    return { ...node, position: { x: position.x, y: position.y } };
  });
  return changed ? next : nodes;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
