/**
 * The workspace's feature views for the app (API.md, Feature store): schema, freshness and
 * row counts, read from the feature store's own database (core/features).
 */
import { FeatureStore, type FeatureView } from '../features/index.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError } from './http.js';

/** A view as the API answers it: times as ISO text. */
export interface FeatureViewSummary {
  name: string;
  entity: { name: string; kind: string }[];
  timestamp: string;
  features: { name: string; kind: string }[];
  ttl: string | null;
  rows: number;
  partitions: number;
  onlineRows: number;
  pendingPartitions: number;
  earliest: string | null;
  latest: string | null;
  materializedAt: string | null;
  updatedAt: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function summary(view: FeatureView): FeatureViewSummary {
  return {
    name: view.name,
    entity: view.schema.entity.map((column) => ({ ...column })),
    timestamp: view.schema.timestamp,
    features: view.schema.features.map((column) => ({ ...column })),
    ttl: view.ttl,
    rows: view.rows,
    partitions: view.partitions,
    onlineRows: view.onlineRows,
    pendingPartitions: view.pendingPartitions,
    earliest: iso(view.earliestTimestamp),
    latest: iso(view.latestTimestamp),
    materializedAt: iso(view.materializedAt),
    updatedAt: iso(view.updatedAt)!,
  };
}

function withStore<T>(ctx: ApiContext, read: (store: FeatureStore) => T, none: () => T): T {
  // Reading never creates a feature store in a workspace that has none.
  if (!FeatureStore.exists(ctx.store.dir)) return none();
  const store = FeatureStore.open(ctx.store.dir);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

function listFeatureViews(ctx: ApiContext): ApiAnswer {
  return { body: withStore(ctx, (store) => store.list().map(summary), () => []) };
}

function getFeatureView(ctx: ApiContext, _req: unknown, _url: URL, [name]: string[]): ApiAnswer {
  const found = withStore(ctx, (store) => store.view(name!), () => undefined);
  if (!found) {
    const known = (listFeatureViews(ctx).body as FeatureViewSummary[]).map((view) => view.name);
    throw new HttpError(404, `no feature view '${name}'; ${known.length > 0 ? `views: ${known.join(', ')}` : 'the workspace has none yet: write one with a feature.store.write node'}`);
  }
  return { body: summary(found) };
}

/** The routes above, for api.ts. */
export const FEATURE_ROUTES = [
  { method: 'GET', pattern: /^\/api\/features$/, handler: listFeatureViews },
  { method: 'GET', pattern: /^\/api\/features\/([^/]+)$/, handler: getFeatureView },
] as const;
