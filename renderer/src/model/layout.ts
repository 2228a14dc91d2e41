/**
 * Auto-layout: ELK's layered algorithm, left to right, ports in file order so wires into a
 * node with several inputs do not cross. Pure apart from the ELK instance it is given
 * (the app loads elkjs lazily; tests pass a real one).
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

export async function layeredPositions(
  elk: ELK,
  content: DocContent,
  catalog: Readonly<Record<string, CatalogEntry>>,
  sizes: Readonly<Record<string, Size>> = {},
): Promise<Record<string, XY>> {
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
  const graph: ElkNode = {
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
  const result = await elk.layout(graph);
  const positions: Record<string, XY> = {};
  for (const child of result.children ?? []) positions[child.id] = { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) };
  return positions;
}

/** True when any node has no position yet (a hand-written file): the app lays those out on open. */
export function needsLayout(content: DocContent): boolean {
  return content.nodes.some((node) => !node.position);
}
