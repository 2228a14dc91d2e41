import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CatalogEntry } from '../api/protocol';

/** The node types the server knows (GET /api/nodes): the palette, node views and inspector all read it. */
export interface CatalogState {
  entries: CatalogEntry[];
  byType: Record<string, CatalogEntry>;
  status: 'loading' | 'ready' | 'error';
  error: string | null;
  setEntries(entries: CatalogEntry[]): void;
  setError(message: string): void;
}

export type CatalogStore = StoreApi<CatalogState>;

export function createCatalogStore(): CatalogStore {
  return createStore<CatalogState>()((set) => ({
    entries: [],
    byType: {},
    status: 'loading',
    error: null,
    setEntries(entries) {
      set({ entries, byType: Object.fromEntries(entries.map((entry) => [entry.type, entry])), status: 'ready', error: null });
    },
    setError(message) {
      set({ status: 'error', error: message });
    },
  }));
}
