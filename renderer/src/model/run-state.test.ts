import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { catalogDefaults, nameAfterSave, outdatedNodes, paramDiffers, stableJson, type DocShape } from './run-state';

const defaults = catalogDefaults(testCatalog);
const ran: DocShape = {
  nodes: [
    { id: 'csv', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { stratifyBy: 'species' } },
    { id: 'train', type: 'train.dense', params: {} },
    { id: 'other', type: 'data.csv', params: { path: 'data/other.csv' } },
  ],
  edges: [
    { from: 'csv.table', to: 'split.table' },
    { from: 'split.table', to: 'train.table' },
  ],
};
const done = { csv: { status: 'succeeded' }, split: { status: 'cached' }, train: { status: 'failed' }, other: { status: 'succeeded' } };
const withParams = (id: string, params: Record<string, unknown>): DocShape => ({ ...ran, nodes: ran.nodes.map((node) => (node.id === id ? { ...node, params } : node)) });

describe('outdated results', () => {
  it('nothing is out of date while the document is the one the run used, positions and labels aside', () => {
    const moved: DocShape = { ...ran, nodes: ran.nodes.map((node) => ({ ...node, position: { x: 5, y: 5 }, label: 'x' })) };
    expect(outdatedNodes(moved, ran, done, defaults)).toEqual([]);
    expect(outdatedNodes(ran, null, done, defaults)).toEqual([]);
  });

  it('a changed param makes the node and everything downstream out of date, not its upstream or siblings', () => {
    expect(outdatedNodes(withParams('split', { stratifyBy: 'island' }), ran, done, defaults)).toEqual(['split', 'train']);
    expect(outdatedNodes(withParams('csv', { path: 'data/wine.csv' }), ran, done, defaults)).toEqual(['csv', 'split', 'train']);
  });

  it('setting a param to its default, or back to what the run used, changes nothing', () => {
    expect(outdatedNodes(withParams('split', { stratifyBy: 'species', test: 0.2 }), ran, done, defaults)).toEqual([]);
    expect(outdatedNodes(withParams('split', { stratifyBy: 'species', test: 0.3 }), ran, done, defaults)).toEqual(['split', 'train']);
  });

  it('a rewired input or a new upstream node counts as a change; nodes without a result are never marked', () => {
    const rewired: DocShape = { ...ran, edges: [{ from: 'other.table', to: 'split.table' }, ran.edges[1]!] };
    expect(outdatedNodes(rewired, ran, done, defaults)).toEqual(['split', 'train']);
    expect(outdatedNodes(withParams('split', { stratifyBy: 'island' }), ran, { split: { status: 'succeeded' }, train: { status: 'queued' } }, defaults)).toEqual(['split']);
  });

  it('compares values whatever their key order', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe(stableJson({ a: [{ c: 3, d: 2 }], b: 1 }));
    expect(paramDiffers('test', undefined, 0.2, defaults('data.split'))).toBe(false);
    expect(paramDiffers('test', 0.3, 0.2, defaults('data.split'))).toBe(true);
  });
});

describe('the name after a save', () => {
  it('follows the file while it is the default or the previous file name; a chosen name stays', () => {
    expect(nameAfterSave('untitled', null, 'wine.pipeline.json')).toBe('wine');
    expect(nameAfterSave('', null, 'models/wine.pipeline.json')).toBe('wine');
    expect(nameAfterSave('wine', 'wine.pipeline.json', 'wine-v2.pipeline.json')).toBe('wine-v2');
    expect(nameAfterSave('Wine quality', null, 'wine.pipeline.json')).toBe('Wine quality');
    expect(nameAfterSave('Wine quality', 'wine.pipeline.json', 'wine-v2.pipeline.json')).toBe('Wine quality');
  });
});
