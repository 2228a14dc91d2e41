/** Panel sizes (remembered) and folded palette groups, as a store the panels and handles share. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { clampPanel, loadCollapsedGroups, loadPanelSizes, PANEL_LIMITS, saveCollapsedGroups, savePanelSizes, type PanelName } from './panel-sizes';

export interface PanelState {
  sizes: Readonly<Record<PanelName, number>>;
  collapsed: ReadonlySet<string>;
  resize(name: PanelName, size: number): void;
  reset(name: PanelName): void;
  toggleGroup(key: string): void;
}

export type PanelStore = StoreApi<PanelState>;

export function createPanelStore(storage: Pick<Storage, 'getItem' | 'setItem'>, window: () => { width: number; height: number }): PanelStore {
  const remembered = loadPanelSizes(storage);
  const initial = {} as Record<PanelName, number>;
  for (const name of Object.keys(PANEL_LIMITS) as PanelName[]) initial[name] = clampPanel(name, remembered[name] ?? PANEL_LIMITS[name].initial(window()), window());
  return createStore<PanelState>()((set, get) => ({
    sizes: initial,
    collapsed: loadCollapsedGroups(storage),
    resize(name, size) {
      const sizes = { ...get().sizes, [name]: clampPanel(name, size, window()) };
      set({ sizes });
      savePanelSizes(storage, sizes);
    },
    reset(name) {
      get().resize(name, PANEL_LIMITS[name].initial(window()));
    },
    toggleGroup(key) {
      const collapsed = new Set(get().collapsed);
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      set({ collapsed });
      saveCollapsedGroups(storage, collapsed);
    },
  }));
}
