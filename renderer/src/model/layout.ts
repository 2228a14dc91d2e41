/**
 * Auto-layout: ELK's layered algorithm, left to right, ports in file order so wires into a
 * node with several inputs do not cross. A layout too wide to read in the canvas (a long
 * chain in one row) wraps into rows shaped like the canvas. Pure apart from the ELK instance
 * it is given (the app loads elkjs lazily; tests pass a real one).
 */
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import type { CatalogEntry } from '../api/protocol';
import { edgeNodes, type DocContent, type XY } from './document';
import { parsePortRef } from '../../../core/graph/types.js';

export interface Size {
  width: number;
  height: number;
}

export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 96 };

/** Below this zoom node text (11–12 px) shrinks under 9 px; Fit and layout keep small graphs above it. */
export const LEGIBLE_ZOOM = 0.75;
/** The share of the canvas Fit leaves as margin on each side (React Flow's fitView padding). */
export const FIT_PADDING = 0.15;

/** The zoom at which a box of this size fits the viewport with Fit's padding (1.2 at most, as Fit). */
export function fitZoom(box: Size, viewport: Size): number {
  const usable = 1 - 2 * FIT_PADDING;
  return Math.min(1.2, (viewport.width * usable) / Math.max(1, box.width), (viewport.height * usable) / Math.max(1, box.height));
}

/**
 * Positions for every node. With the canvas size, a layout whose Fit would zoom below
 * LEGIBLE_ZOOM is laid out again wrapped into rows of the canvas's shape, and the wrapped one
 * is kept when it reads better.
 */
export async function layeredPositions(
  elk: ELK,
  content: DocContent,
  catalog: Readonly<Record<string, CatalogEntry>>,
  sizes: Readonly<Record<string, Size>> = {},
  viewport?: Size,
): Promise<Record<string, XY>> {
  const graph = elkGraph(content, catalog, sizes);
  const flat = await elk.layout(graph);
  if (!viewport || viewport.width <= 0 || viewport.height <= 0) return positionsOf(flat);
  const flatZoom = fitZoom(boxOf(flat), viewport);
  if (flatZoom >= LEGIBLE_ZOOM) return positionsOf(flat);
  const wrapped = await elk.layout({
    ...graph,
    layoutOptions: {
      ...graph.layoutOptions,
      'elk.layered.wrapping.strategy': 'MULTI_EDGE',
      'elk.aspectRatio': String(viewport.width / viewport.height),
      'elk.layered.wrapping.additionalEdgeSpacing': '20',
    },
  });
  return fitZoom(boxOf(wrapped), viewport) > flatZoom ? positionsOf(wrapped) : positionsOf(flat);
}

function boxOf(result: ElkNode): Size {
  return { width: result.width ?? 0, height: result.height ?? 0 };
}

function positionsOf(result: ElkNode): Record<string, XY> {
  const positions: Record<string, XY> = {};
  for (const child of result.children ?? []) positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  return positions;
}

function elkGraph(content: DocContent, catalog: Readonly<Record<string, CatalogEntry>>, sizes: Readonly<Record<string, Size>>): ElkNode {
  const children: ElkNode[] = content.nodes.map((node) => {
    const size = sizes[node.id] ?? DEFAULT_NODE_SIZE;
    const entry = catalog[node.type];
    const ports = [
      ...Object.keys(entry?.inputs ?? {}).map((port, index) => ({
        id: `${node.id}:in:${port}`,
        layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(index) },
      })),
      ...Object.keys(entry?.outputs ?? {}).map((port, index) => ({
        id: `${node.id}:out:${port}`,
        layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(index) },
      })),
    ];
    return { id: node.id, width: size.width, height: size.height, ports, layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER' } };
  });
  const known = new Set(children.flatMap((child) => (child.ports ?? []).map((port) => port.id)));
  const edges: ElkExtendedEdge[] = [];
  content.edges.forEach((edge, index) => {
    const from = parsePortRef(edge.from);
    const to = parsePortRef(edge.to);
    const ends = edgeNodes(edge);
    if (!from || !to || !ends.from || !ends.to) return;
    const source = `${from.node}:out:${from.port}`;
    const target = `${to.node}:in:${to.port}`;
    // Wires to ports the catalog does not know still shape the layers, node to node.
    edges.push({
      id: `e${index}`,
      sources: [known.has(source) ? source : from.node],
      targets: [known.has(target) ? target : to.node],
    });
  });
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '40',
      'elk.spacing.componentComponent': '60',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
    },
    children,
    edges,
  };
}

/** True when any node has no position yet (a hand-written file): the app lays those out on open. */
export function needsLayout(content: DocContent): boolean {
  return content.nodes.some((node) => !node.position);
}
