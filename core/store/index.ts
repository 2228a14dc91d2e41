/** The workspace store: SQLite run tracking plus content-addressed artifact files. See README.md. */
export { WorkspaceStore, DATABASE_FILE } from './workspace-store.js';
export { ArtifactStore, isArtifactHash } from './artifact-store.js';
export { StoreError, isStoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { SCHEMA_VERSION } from './migrations.js';
export { RUN_STATUSES, NODE_STATUSES } from './types.js';
export type {
  ArtifactLineage,
  ArtifactRef,
  CreateRunInput,
  LogEntry,
  MetricReplay,
  NodeExecutionDetail,
  NodeExecutionFields,
  NodeStatus,
  OutputRecord,
  OutputRecords,
  RunDetail,
  RunStatus,
  RunSummary,
  SeriesPoint,
} from './types.js';
