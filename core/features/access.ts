import type { FeatureStoreAccess } from '../base/context.js';
import { FeatureStore } from './feature-store.js';

/**
 * ctx.features for a node: each call opens the workspace's feature store (in `dotDir`, the
 * `.tensorloom` folder), does its work and closes it again, so nothing stays open between
 * runs and any thread can call it.
 */
export function featureStoreAccess(dotDir: string): FeatureStoreAccess {
  const using = <T>(work: (store: FeatureStore) => T): T => {
    const store = FeatureStore.open(dotDir);
    try {
      return work(store);
    } finally {
      store.close();
    }
  };
  return {
    write: async (table, view) => using((store) => store.write(table, view)),
    read: async (entities, request) => using((store) => store.read(entities, request)),
  };
}
