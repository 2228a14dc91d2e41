/**
 * The one place where the saved document meets React Flow's shapes. Nodes are converted
 * with a per-node cache, so an unchanged pipeline node keeps its React Flow object and its
 * memoised component does not re-render while another node is dragged.
 */
import type { Connection, Edge, EdgeChange, Node, NodeChange } from '@xyflow/react';
import { formatPortRef, parsePortRef, type PortRef } from '../../../core/graph/types.js';
import type { CatalogEntry, PipelineEdge, PipelineNode } from '../api/protocol';
import { edgeKey, type DocContent, type Selection, type XY } from '../model/document';
import type { Size } from '../model/layout';

/** What a node view shows. No position: a drag must not change it, so the view can skip re-rendering. */
export type FlowNodeData = {
  nodeType: string;
  params: Readonly<Record<string, unknown>>;
  label?: string;
};
export type FlowNode = Node<FlowNodeData, 'pipeline'>;
export type FlowEdge = Edge;

export const FLOW_NODE_TYPE = 'pipeline';
const EMPTY_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

interface CachedNode {
  source: PipelineNode;
  selected: boolean;
  size: Size | undefined;
  flow: FlowNode;
}

/**
 * Returns a converter that reuses the React Flow node for every pipeline node that did not
 * change. It runs on every drag frame, so it allocates as little as it can: the cache is
 * updated in place and pruned only when nodes went away.
 */
export function createNodeConverter() {
  const cache = new Map<string, CachedNode>();
  let lastSelection: readonly string[] | null = null;
  let selected = new Set<string>();
  return (nodes: readonly PipelineNode[], selection: Selection, measured: Readonly<Record<string, Size>>): FlowNode[] => {
    if (selection.nodes !== lastSelection) {
      lastSelection = selection.nodes;
      selected = new Set(selection.nodes);
    }
    const result = new Array<FlowNode>(nodes.length);
    for (let index = 0; index < nodes.length; index++) {
      const node = nodes[index]!;
      const isSelected = selected.has(node.id);
      const size = measured[node.id];
      const hit = cache.get(node.id);
      if (hit && hit.source === node && hit.selected === isSelected && hit.size === size) {
        result[index] = hit.flow;
        continue;
      }
      const params = node.params ?? EMPTY_PARAMS;
      const sameData = hit && hit.flow.data.nodeType === node.type && hit.flow.data.params === params && hit.flow.data.label === node.label;
      const flow: FlowNode = {
        id: node.id,
        type: FLOW_NODE_TYPE,
        position: node.position ?? { x: index * 40, y: index * 40 },
        data: sameData ? hit.flow.data : { nodeType: node.type, params, ...(node.label ? { label: node.label } : {}) },
        selected: isSelected,
        ...(size ? { measured: size } : {}),
      };
      cache.set(node.id, { source: node, selected: isSelected, size, flow });
      result[index] = flow;
    }
    if (cache.size > nodes.length) {
      const present = new Set(nodes.map((node) => node.id));
      for (const id of cache.keys()) if (!present.has(id)) cache.delete(id);
    }
    return result;
  };
}

/** Same ids and types in the same order: edges (their colours) only depend on these. */
function sameNodeTypes(a: readonly PipelineNode[], b: readonly PipelineNode[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    if (a[index]!.id !== b[index]!.id || a[index]!.type !== b[index]!.type) return false;
  }
  return true;
}

/**
 * Edges carry their port type (for colour) and the pipeline edge's key as id. A drag
 * changes node positions every frame but no edge: the previous array comes back as is
 * (React Flow rebuilds its connection lookup for every new edges array).
 */
export function createEdgeConverter() {
  let cache = new Map<PipelineEdge, FlowEdge>();
  let previous: FlowEdge[] = [];
  let last: { nodes: readonly PipelineNode[]; edges: readonly PipelineEdge[]; selected: readonly string[]; catalog: Readonly<Record<string, CatalogEntry>> } | null = null;
  let typeOf = new Map<string, string>();
  return (content: DocContent, selection: Selection, catalog: Readonly<Record<string, CatalogEntry>>): FlowEdge[] => {
    const typesSame = last !== null && sameNodeTypes(last.nodes, content.nodes);
    if (last && typesSame && last.edges === content.edges && last.selected === selection.edges && last.catalog === catalog) {
      last.nodes = content.nodes;
      return previous;
    }
    if (!typesSame) typeOf = new Map(content.nodes.map((node) => [node.id, node.type]));
    last = { nodes: content.nodes, edges: content.edges, selected: selection.edges, catalog };
    const selected = new Set(selection.edges);
    const next = new Map<PipelineEdge, FlowEdge>();
    const edges: FlowEdge[] = [];
    for (const edge of content.edges) {
      const from = parsePortRef(edge.from);
      const to = parsePortRef(edge.to);
      if (!from || !to) continue;
      const portType = catalog[typeOf.get(from.node) ?? '']?.outputs[from.port]?.type;
      const key = edgeKey(edge);
      const isSelected = selected.has(key);
      const className = `edge-${portType ?? 'unknown'}`;
      const hit = cache.get(edge);
      const flow: FlowEdge =
        hit && hit.selected === isSelected && hit.className === className
          ? hit
          : { id: key, source: from.node, sourceHandle: from.port, target: to.node, targetHandle: to.port, selected: isSelected, className };
      next.set(edge, flow);
      edges.push(flow);
    }
    cache = next;
    if (edges.length === previous.length && edges.every((edge, index) => edge === previous[index])) return previous;
    previous = edges;
    return edges;
  };
}

/** A React Flow connection (its source is always an output handle) as two port references. */
export function connectionPorts(connection: Connection | Edge): { from: PortRef; to: PortRef } | null {
  if (!connection.source || !connection.target || !connection.sourceHandle || !connection.targetHandle) return null;
  return { from: { node: connection.source, port: connection.sourceHandle }, to: { node: connection.target, port: connection.targetHandle } };
}

export function connectionKey(ports: { from: PortRef; to: PortRef }): string {
  return edgeKey({ from: formatPortRef(ports.from), to: formatPortRef(ports.to) });
}

export interface NodeChangeSummary {
  positions: Record<string, XY>;
  sizes: Record<string, Size>;
  /** Node ids whose selection changed, with the new value. */
  selected: Record<string, boolean>;
}

/** Sorts React Flow's node changes into what the stores understand. Removals are ours to make (deleteKeyCode is off). */
export function summariseNodeChanges(changes: readonly NodeChange<FlowNode>[]): NodeChangeSummary {
  const summary: NodeChangeSummary = { positions: {}, sizes: {}, selected: {} };
  for (const change of changes) {
    if (change.type === 'position' && change.position) summary.positions[change.id] = change.position;
    else if (change.type === 'dimensions' && change.dimensions) summary.sizes[change.id] = change.dimensions;
    else if (change.type === 'select') summary.selected[change.id] = change.selected;
  }
  return summary;
}

export function summariseEdgeSelection(changes: readonly EdgeChange<FlowEdge>[]): Record<string, boolean> {
  const selected: Record<string, boolean> = {};
  for (const change of changes) if (change.type === 'select') selected[change.id] = change.selected;
  return selected;
}

/** Applies selection flags to an id list, keeping order stable. */
export function applySelectionFlags(current: readonly string[], flags: Readonly<Record<string, boolean>>): string[] {
  const next = current.filter((id) => flags[id] !== false);
  for (const [id, on] of Object.entries(flags)) if (on && !next.includes(id)) next.push(id);
  return next;
}
