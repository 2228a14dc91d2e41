export { FeatureStore, FEATURES_DIR } from './feature-store.js';
export type { WriteOutcome, ReadRequest, MaterializeOutcome, OnlineLookup, OnlineRow, OnlineValue } from './feature-store.js';
export { parseTtl, schemaDifferences, viewNameProblem } from './view.js';
export type { FeatureView, FeatureViewSpec, ViewSchema, StoredColumn, StoredKind } from './view.js';
export { featureStoreAccess } from './access.js';
