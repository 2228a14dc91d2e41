import { describe, expect, it } from 'vitest';
import { addNode } from './actions';
import { contentFromDoc, toPipelineDoc } from './document';

describe('typeVersion through the editor', () => {
  it('reads an absent typeVersion as 1, keeps a written one, and saves it on every node after its type', () => {
    const content = contentFromDoc({
      format: 'tensorloom/pipeline@1',
      name: 'p',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: 'a.csv' }, position: { x: 0.4, y: 9.6 } },
        { id: 'off', type: 'test.offset', typeVersion: 2, label: 'Shift', params: { amount: 3 } },
      ],
      edges: [],
    });
    expect(content.nodes.map((node) => node.typeVersion)).toEqual([1, 2]);
    const text = JSON.stringify(toPipelineDoc(content), null, 2);
    expect(JSON.parse(text)).toEqual({
      format: 'tensorloom/pipeline@1',
      name: 'p',
      nodes: [
        { id: 'load', type: 'data.csv', typeVersion: 1, params: { path: 'a.csv' }, position: { x: 0, y: 10 } },
        { id: 'off', type: 'test.offset', typeVersion: 2, label: 'Shift', params: { amount: 3 } },
      ],
      edges: [],
    });
    expect(text).toContain('"id": "off",\n      "type": "test.offset",\n      "typeVersion": 2,\n      "label": "Shift",\n      "params"');
  });
});

describe("a node pack's node through the editor", () => {
  it("keeps the pack a node records and saves it after typeVersion; addNode records the catalog entry's pack", () => {
    const content = contentFromDoc({
      format: 'tensorloom/pipeline@1',
      name: 'p',
      nodes: [{ id: 'gen', type: 'skew.generate', typeVersion: 1, pack: 'tensorloom-pack-skew', params: { rows: 50 } }],
      edges: [],
    });
    expect(content.nodes[0]!.pack).toBe('tensorloom-pack-skew');
    expect(Object.keys(toPipelineDoc(content).nodes[0]!)).toEqual(['id', 'type', 'typeVersion', 'pack', 'params']);

    const entry = { type: 'skew.log', version: 1, category: 'feature', title: 'Log', description: '', inputs: {}, outputs: {}, params: {}, worker: false, pack: 'tensorloom-pack-skew' } as const;
    const added = addNode.perform({ content, selection: { nodes: [], edges: [] } } as never, { type: 'skew.log', position: { x: 1, y: 2 } }, { catalog: { 'skew.log': entry } } as never);
    expect(added?.content?.nodes[1]).toMatchObject({ id: 'log', type: 'skew.log', typeVersion: 1, pack: 'tensorloom-pack-skew' });
  });
});
