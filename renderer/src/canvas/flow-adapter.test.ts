import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import type { DocContent } from '../model/document';
import { applySelectionFlags, connectionPorts, createEdgeConverter, createNodeConverter } from './flow-adapter';

const content: DocContent = {
  name: 't',
  nodes: [
    { id: 'load', type: 'data.csv', params: {}, position: { x: 0, y: 0 } },
    { id: 'split', type: 'data.split', params: {}, position: { x: 300, y: 0 } },
  ],
  edges: [{ from: 'load.table', to: 'split.table' }],
};

describe('flow adapter', () => {
  it('keeps the React Flow object of every node that did not change', () => {
    const convert = createNodeConverter();
    const first = convert(content.nodes, { nodes: [], edges: [] }, {});
    const moved = { ...content.nodes[1]!, position: { x: 310, y: 0 } };
    const second = convert([content.nodes[0]!, moved], { nodes: [], edges: [] }, {});
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]?.position).toEqual({ x: 310, y: 0 });
    // Moving keeps the data object, so the node's view does not re-render during a drag.
    expect(second[1]?.data).toBe(first[1]?.data);
    const third = convert([content.nodes[0]!, moved], { nodes: ['load'], edges: [] }, {});
    expect(third[0]?.selected).toBe(true);
    expect(third[1]).toBe(second[1]);
  });

  it('maps edges to handles by port name and back, with their port type', () => {
    const convert = createEdgeConverter();
    const [edge] = convert(content, { nodes: [], edges: [] }, testCatalog);
    const moved = { ...content, nodes: content.nodes.map((node) => ({ ...node, position: { x: 1, y: 1 } })) };
    const again = convert(moved, { nodes: [], edges: [] }, testCatalog);
    expect(again[0]).toBe(edge);
    expect(convert(content, { nodes: [], edges: [] }, testCatalog)).toBe(again);
    expect(edge).toMatchObject({ id: 'load.table->split.table', source: 'load', sourceHandle: 'table', target: 'split', targetHandle: 'table', className: 'edge-table' });
    expect(connectionPorts(edge!)).toEqual({ from: { node: 'load', port: 'table' }, to: { node: 'split', port: 'table' } });
  });

  it('applies selection flags in order', () => {
    expect(applySelectionFlags(['a', 'b'], { a: false, c: true })).toEqual(['b', 'c']);
  });
});
