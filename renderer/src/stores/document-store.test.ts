import { describe, expect, it } from 'vitest';
import { addNode, arrangeNodes, connect, copySelection, deleteSelection, moveNodes, paste, renameNode, selectAll, setParam, setSelection } from '../model/actions';
import { emptyContent, toPipelineDoc, type DocContent } from '../model/document';
import { testCatalog } from '../test-support/catalog';
import { COALESCE_MS, createDocumentStore, isDirty } from './document-store';

function setup(content?: DocContent) {
  let clock = 1_000;
  const store = createDocumentStore({ env: () => ({ catalog: testCatalog }), now: () => clock });
  if (content) store.getState().load(content, 'p.pipeline.json');
  return { store, tick: (ms: number) => (clock += ms) };
}

const twoNodes: DocContent = {
  name: 'two',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/a.csv' }, position: { x: 0, y: 0 } },
    { id: 'split', type: 'data.split', params: {}, position: { x: 300, y: 0 } },
  ],
  edges: [{ from: 'load.table', to: 'split.table' }],
};

describe('document store', () => {
  it('adds nodes with readable unique ids, each one undo step', () => {
    const { store } = setup();
    store.getState().dispatch(addNode, { type: 'data.csv', position: { x: 10, y: 20 } });
    store.getState().dispatch(addNode, { type: 'data.csv', position: { x: 10, y: 200 } });
    expect(store.getState().content.nodes.map((node) => node.id)).toEqual(['csv', 'csv2']);
    expect(store.getState().selection.nodes).toEqual(['csv2']);
    store.getState().undo();
    expect(store.getState().content.nodes.map((node) => node.id)).toEqual(['csv']);
    store.getState().redo();
    expect(store.getState().content.nodes).toHaveLength(2);
  });

  it('connects through the rules and reports a refusal without changing anything', () => {
    const { store } = setup({ ...twoNodes, edges: [] });
    const ok = store.getState().dispatch(connect, { from: { node: 'load', port: 'table' }, to: { node: 'split', port: 'table' } });
    expect(ok?.refused).toBeUndefined();
    const before = store.getState().content;
    const refused = store.getState().dispatch(connect, { from: { node: 'load', port: 'table' }, to: { node: 'split', port: 'table' } });
    expect(refused?.refused).toMatch(/already fed/);
    expect(store.getState().content).toBe(before);
    expect(store.getState().past).toHaveLength(1);
  });

  it('deletes a multi-node selection with its wires in one step, and undo brings all back', () => {
    const { store } = setup(twoNodes);
    store.getState().dispatch(selectAll, undefined);
    store.getState().dispatch(deleteSelection, undefined);
    expect(store.getState().content.nodes).toHaveLength(0);
    expect(store.getState().content.edges).toHaveLength(0);
    expect(store.getState().past).toHaveLength(1);
    store.getState().undo();
    expect(store.getState().content).toBe(twoNodes);
  });

  it('pastes copies with fresh ids and their internal wire, selected, as one step', () => {
    const { store } = setup(twoNodes);
    store.getState().dispatch(setSelection, { nodes: ['load', 'split'], edges: [] });
    const data = copySelection(store.getState())!;
    store.getState().dispatch(paste, { data });
    const state = store.getState();
    expect(state.content.nodes.map((node) => node.id)).toEqual(['load', 'split', 'load2', 'split2']);
    expect(state.content.edges).toEqual([...twoNodes.edges, { from: 'load2.table', to: 'split2.table' }]);
    expect(state.selection.nodes).toEqual(['load2', 'split2']);
    expect(state.content.nodes[2]?.position).toEqual({ x: 40, y: 40 });
    expect(state.past).toHaveLength(1);
    state.undo();
    expect(store.getState().content).toBe(twoNodes);
    expect(store.getState().selection.nodes).toEqual([]);
  });

  it('records a whole drag of a selection as one step', () => {
    const { store } = setup(twoNodes);
    store.getState().beginGesture();
    for (let step = 1; step <= 10; step++) {
      store.getState().dispatch(moveNodes, { positions: { load: { x: step * 5, y: 0 }, split: { x: 300 + step * 5, y: 0 } } });
    }
    store.getState().endGesture();
    expect(store.getState().past).toEqual([twoNodes]);
    expect(store.getState().content.nodes[1]?.position).toEqual({ x: 350, y: 0 });
    store.getState().undo();
    expect(store.getState().content).toBe(twoNodes);
  });

  it('a click without movement leaves no history', () => {
    const { store } = setup(twoNodes);
    store.getState().beginGesture();
    store.getState().endGesture();
    expect(store.getState().past).toHaveLength(0);
  });

  it('auto-layout is one step', () => {
    const { store } = setup(twoNodes);
    store.getState().dispatch(arrangeNodes, { positions: { load: { x: 1, y: 1 }, split: { x: 2, y: 2 } } });
    expect(store.getState().past).toHaveLength(1);
  });

  it('coalesces typing into one field, but not into another field or after a pause', () => {
    const { store, tick } = setup(twoNodes);
    for (const value of ['s', 'sp', 'spe']) {
      store.getState().dispatch(setParam, { nodeId: 'split', key: 'stratifyBy', value });
      tick(100);
    }
    expect(store.getState().past).toHaveLength(1);
    store.getState().dispatch(setParam, { nodeId: 'split', key: 'test', value: 0.3 });
    expect(store.getState().past).toHaveLength(2);
    tick(COALESCE_MS + 1);
    store.getState().dispatch(setParam, { nodeId: 'split', key: 'test', value: 0.4 });
    expect(store.getState().past).toHaveLength(3);
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().content.nodes[1]?.params).toEqual({ stratifyBy: 'spe' });
  });

  it('removing a param returns it to its default', () => {
    const { store } = setup(twoNodes);
    store.getState().dispatch(setParam, { nodeId: 'load', key: 'path', value: undefined });
    expect(store.getState().content.nodes[0]?.params).toEqual({});
  });

  it('renames a node and the wires that name it', () => {
    const { store } = setup(twoNodes);
    const refused = store.getState().dispatch(renameNode, { nodeId: 'load', newId: 'split' });
    expect(refused?.refused).toMatch(/already exists/);
    store.getState().dispatch(renameNode, { nodeId: 'load', newId: 'penguins' });
    expect(store.getState().content.edges).toEqual([{ from: 'penguins.table', to: 'split.table' }]);
  });

  it('is dirty after an edit and clean again after undoing it or saving', () => {
    const { store } = setup(twoNodes);
    expect(isDirty(store.getState())).toBe(false);
    store.getState().dispatch(setParam, { nodeId: 'split', key: 'test', value: 0.5 });
    expect(isDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(isDirty(store.getState())).toBe(false);
    store.getState().redo();
    store.getState().markSaved('p.pipeline.json');
    expect(isDirty(store.getState())).toBe(false);
  });

  it('a new action after undo drops the redo branch', () => {
    const { store } = setup(twoNodes);
    store.getState().dispatch(selectAll, undefined);
    store.getState().dispatch(deleteSelection, undefined);
    store.getState().undo();
    store.getState().dispatch(addNode, { type: 'data.csv', position: { x: 0, y: 0 } });
    expect(store.getState().redo()).toBe(false);
  });

  it('saves in the pipeline format, positions rounded, params kept, the catalog version written', () => {
    const { store } = setup(emptyContent('fresh'));
    store.getState().dispatch(addNode, { type: 'data.csv', position: { x: 10.4, y: 20.6 } });
    expect(toPipelineDoc(store.getState().content)).toEqual({
      format: 'tensorloom/pipeline@1',
      name: 'fresh',
      nodes: [{ id: 'csv', type: 'data.csv', typeVersion: 1, params: {}, position: { x: 10, y: 21 } }],
      edges: [],
    });
  });
});
