import { describe, expect, it } from 'vitest';
import { clampPanel, loadCollapsedGroups, loadPanelSizes, saveCollapsedGroups, savePanelSizes } from './panel-sizes';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), items };
}

describe('panel sizes', () => {
  it('remembers sizes and folded groups across sessions', () => {
    const storage = memoryStorage();
    savePanelSizes(storage, { sidebar: 300, outputs: 420 });
    expect(loadPanelSizes(storage)).toEqual({ sidebar: 300, outputs: 420 });
    saveCollapsedGroups(storage, new Set(['train', 'data']));
    expect([...loadCollapsedGroups(storage)]).toEqual(['data', 'train']);
  });

  it('keeps panels between their minimum and their share of the window', () => {
    const window = { width: 1280, height: 720 };
    expect(clampPanel('sidebar', 40, window)).toBe(180);
    expect(clampPanel('sidebar', 900, window)).toBe(448);
    expect(clampPanel('outputs', 2000, window)).toBe(475);
    expect(clampPanel('inspector', 333.4, window)).toBe(333);
  });

  it('starts from the defaults when storage holds something else or throws', () => {
    expect(loadPanelSizes(memoryStorage({ 'tensorloom.panels': '{"sidebar":"wide","outputs":-3,"inspector":400}' }))).toEqual({ inspector: 400 });
    expect(loadPanelSizes(memoryStorage({ 'tensorloom.panels': 'not json' }))).toEqual({});
    const throwing = { getItem: () => { throw new Error('blocked'); }, setItem: () => { throw new Error('full'); } };
    expect(loadPanelSizes(throwing)).toEqual({});
    expect(() => savePanelSizes(throwing, { sidebar: 200 })).not.toThrow();
    expect(loadCollapsedGroups(throwing).size).toBe(0);
  });
});
