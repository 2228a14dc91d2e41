/** The workspace store: SQLite run tracking plus content-addressed artifact files. See README.md. */
export { WorkspaceStore, DATABASE_FILE } from './workspace-store.js';
export type { StoreTables } from './workspace-store.js';
export { ArtifactStore, isArtifactHash } from './artifact-store.js';
export type { StoredArtifact, TempEntry } from './artifact-store.js';
export { StoreError, isStoreError, isDiskFull, isWriteFailure, diskFullError } from './errors.js';
export { diskSpace, writeFileDurably } from './durable-fs.js';
export type { DurableFile } from './durable-fs.js';
export type { StoreErrorCode } from './errors.js';
export { SCHEMA_VERSION } from './migrations.js';
export type { GcOptions, GcReport } from './gc.js';
export type { NodeStateEntry } from './node-state.js';
export type { ChildRun } from './child-runs.js';
export { RUN_STATUSES, NODE_STATUSES } from './types.js';
export { TAG_KEY_PATTERN } from './run-tracking.js';
export type { MetricPoint, TrackedRunFilter, TrackedRunRow } from './run-tracking.js';
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
  RunSource,
  RunStatus,
  RunTrigger,
  RunSummary,
  SeriesPoint,
} from './types.js';
