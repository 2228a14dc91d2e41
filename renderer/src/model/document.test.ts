import { describe, expect, it } from 'vitest';
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
