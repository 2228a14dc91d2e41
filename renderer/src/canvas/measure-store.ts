import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Size } from '../model/layout';

/** Node sizes as React Flow measured them: view state, never saved, never in undo history. */
export interface MeasureState {
  sizes: Readonly<Record<string, Size>>;
  update(sizes: Readonly<Record<string, Size>>): void;
}

export type MeasureStore = StoreApi<MeasureState>;

export function createMeasureStore(): MeasureStore {
  return createStore<MeasureState>()((set, get) => ({
    sizes: {},
    update(sizes) {
      const current = get().sizes;
      let changed = false;
      const next = { ...current };
      for (const [id, size] of Object.entries(sizes)) {
        const old = current[id];
        if (!old || old.width !== size.width || old.height !== size.height) {
          next[id] = size;
          changed = true;
        }
      }
      if (changed) set({ sizes: next });
    },
  }));
}
