import { describe, expect, it } from 'vitest';
import { createUiStore } from './ui-store';

describe('ui store', () => {
  it('keeps the outdated set as one object while it does not change, so nodes do not re-render', () => {
    const store = createUiStore();
    store.getState().setOutdated(['split', 'train']);
    const first = store.getState().outdated;
    expect(first).toEqual({ split: true, train: true });
    store.getState().setOutdated(['train', 'split']);
    expect(store.getState().outdated).toBe(first);
    store.getState().setOutdated([]);
    expect(store.getState().outdated).toEqual({});
  });
});
