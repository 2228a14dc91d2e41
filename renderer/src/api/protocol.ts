/**
 * The wire types of the local API (core/server/API.md), as the renderer sees them: core's
 * own types, imported as types only (a lint rule keeps the engine's code out of the UI).
 */
import type { EngineEvent, NodeState, RunOutcome } from '../../../core/engine/events.js';
import type { LogLevel } from '../../../core/base/context.js';
import type { CatalogEntry, PackSummary } from '../../../core/graph/registry.js';
import type { IssueCode, MigratedNode, PipelineDoc, PipelineEdge, PipelineNode } from '../../../core/graph/types.js';
import type { BackendName as LoadableBackend } from '../../../core/ml/backend-names.js';

export type { CatalogEntry, PackSummary, EngineEvent, LogLevel, MigratedNode, NodeState, PipelineDoc, PipelineEdge, PipelineNode, RunOutcome };
export type PortType = CatalogEntry['inputs'][string]['type'];
export type NodeCategory = CatalogEntry['category'];

/** One problem from POST /api/validate (or a pipeline load). Fields beyond the contract are optional. */
export interface ApiIssue {
  severity?: 'error' | 'warning';
  code?: IssueCode | string;
  nodeId?: string;
  field?: string;
  message: string;
  text?: string;
  nodes?: string[];
}

export interface HealthInfo {
  ok: boolean;
  version: string;
  workspace: string;
}

/** 'unknown' until a run has recorded one. */
export type BackendName = LoadableBackend | 'wasm-fused' | 'unknown';

export interface BackendInfo {
  backend: BackendName;
  hint?: string;
}

export interface PipelineListItem {
  path: string;
  name: string;
  modified: string | number;
}

/** GET /api/files: a data file in the workspace. */
export interface DataFileItem {
  path: string;
  size: number;
  modified: number;
}

export interface PipelineFile {
  path: string;
  document: unknown;
  issues: ApiIssue[];
  /** Nodes the server brought from an older version of their type; `document` is then the migrated form. */
  migrated?: MigratedNode[];
}

export interface ExampleItem {
  name: string;
  description?: string;
  path: string;
}

export interface RunSummary {
  runId: string;
  status: string;
  pipeline?: string;
  startedAt?: string | number;
  finishedAt?: string | number | null;
  backend?: string | null;
}

export interface SeriesPoint {
  step: number;
  value: number;
}

export interface RunRecord {
  runId: string;
  status: string;
  backend?: string | null;
  pipelinePath?: string | null;
  nodes: Record<string, { status: NodeState; cached?: boolean; ms?: number | null; error?: string | null; params?: Record<string, unknown> | null }>;
  /** The pipeline document the run started with (API.md details). */
  document?: PipelineDoc | null;
  metrics?: Record<string, Record<string, number>>;
  series?: Record<string, Record<string, SeriesPoint[]>>;
  outputs?: Record<string, Record<string, string>>;
  /** Beyond the contract's table (API.md details): stored log lines. */
  logs?: { time?: number; nodeId?: string | null; level: LogLevel; message: string }[];
}

export type HistogramSummary = { bins: { from: number; to: number; count: number }[] } | { top: { value: unknown; count: number }[] };

export interface ColumnSummary {
  name: string;
  kind: string;
  nulls: number;
  min?: number | string;
  max?: number | string;
  mean?: number;
  histogram?: HistogramSummary;
}

export interface TablePreview {
  kind: 'table';
  rowCount: number;
  columns: ColumnSummary[];
  /** Objects keyed by column name, or arrays in column order: both are accepted. */
  rows: unknown[];
}

export interface ValuePreview {
  kind: 'metrics' | 'report' | 'model' | 'image' | string;
  value: unknown;
}

export type ArtifactPreview = TablePreview | ValuePreview;

export function isTablePreview(preview: ArtifactPreview): preview is TablePreview {
  return preview.kind === 'table' && Array.isArray((preview as TablePreview).columns);
}

// --- tracking (API.md, Tracking) -------------------------------------------------------------

export interface TrackedRunItem {
  runId: string;
  status: string;
  pipeline: string;
  pipelinePath: string | null;
  experiment: string;
  trigger: string | null;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  backend: string | null;
  until: string | null;
  error: string | null;
  parentRunId: string | null;
  tags: Record<string, string>;
  note: string | null;
  params: Record<string, Record<string, unknown>>;
  metrics: Record<string, Record<string, number | null>>;
}

export interface ExperimentItem {
  name: string;
  runs: number;
  lastStartedAt: number;
}

export interface RunTableAnswer {
  runs: TrackedRunItem[];
  columns: { metrics: string[]; params: string[] };
  experiments: ExperimentItem[];
}

export interface RunComparison {
  runs: { id: string; experiment: string; pipelineName: string; status: string; startedAt: number; finishedAt: number | null; durationMs: number | null; backend: string | null; tags: Record<string, string>; note: string | null }[];
  params: Record<string, Record<string, unknown[]>>;
  metrics: Record<string, Record<string, (number | null)[]>>;
  best: Record<string, Record<string, string[]>>;
  series: Record<string, Record<string, Record<string, SeriesPoint[]>>>;
}

// --- model registry (API.md, Model registry) ---------------------------------------------------

export interface ModelSummaryItem {
  name: string;
  createdAt: number;
  updatedAt: number;
  versionCount: number;
  archivedCount: number;
  latestVersion: number | null;
  aliases: Record<string, number>;
}

export interface ModelVersionItem {
  name: string;
  version: number;
  artifact: string;
  createdAt: number;
  archivedAt: number | null;
  registeredBy: { runId: string | null; nodeId: string | null };
  lineage: { runId: string | null; nodeId: string | null; pipelineHash: string | null; dataHashes: string[] };
  metrics: Record<string, number>;
  schema: { task?: string; target?: string; classes?: string[]; inputs?: { name: string; type: string }[] };
  backend: string | null;
  description: string | null;
  tags: Record<string, string>;
  aliases: string[];
}

export interface RegistryEventItem {
  id: number;
  name: string;
  kind: 'register' | 'gate-failed' | 'schema-changed' | 'alias' | 'archive';
  version: number | null;
  alias: string | null;
  fromVersion: number | null;
  toVersion: number | null;
  runId: string | null;
  nodeId: string | null;
  command: string | null;
  detail: unknown;
  time: number;
}

export interface ModelDetailItem {
  name: string;
  createdAt: number;
  versions: ModelVersionItem[];
  aliases: { alias: string; version: number; updatedAt: number; history: RegistryEventItem[] }[];
  events: RegistryEventItem[];
}

export interface RunFactsItem {
  runId: string;
  nodeId: string;
  found: boolean;
  status?: string;
  pipelineName?: string;
  pipelinePath?: string | null;
  pipelineHash?: string;
  startedAt?: number;
}

export interface ModelVersionDetail extends ModelVersionItem {
  provenance: {
    registeredBy: RunFactsItem | null;
    trainedBy: RunFactsItem | null;
    pipelineHash: string | null;
    sources: { nodeId: string; type: string; path: string | null; hash: string }[];
    dataHashes: string[];
  };
}

/** GET /api/features: a feature view of the workspace's feature store (core/server/features-api.ts). */
export interface FeatureViewItem {
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

/** GET /api/monitoring: a served model with a prediction log in the workspace. */
export interface MonitoredModelItem {
  name: string;
  versions: string[];
  first: string | null;
  last: string | null;
  requests: number;
  rows: number;
  labeled: number;
  corrupt: { predictions: number; feedback: number };
}

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface MonitoringScores {
  requests: number;
  rows: number;
  labeled: number;
  accuracy?: number;
  f1?: number;
  rmse?: number;
  mae?: number;
  latencyMs?: LatencyPercentiles;
}

/** GET /api/monitoring/<model>?last=…&window=… */
export interface MonitoringAnswer {
  model: string;
  task: 'classification' | 'regression';
  last: string;
  window: string;
  windowMs: number;
  since: string;
  until: string;
  versions: string[];
  totals: MonitoringScores & { unusableLabels: number };
  windows: (MonitoringScores & { start: string; end: string })[];
  corrupt: { predictions: number; feedback: number };
  outside: number;
  log: { files: number; first: string | null; last: string | null };
}

/** A trigger of a saved pipeline: GET /api/triggers?path=P (API.md, Triggers). */
export interface TriggerItem {
  id: string;
  path: string;
  kind: 'files' | 'schedule' | 'drift' | 'stream';
  folder?: string;
  schedule?: string;
  node?: string;
  paused: boolean;
  createdAt: number;
  lastFiredAt: number | null;
  lastRunId: string | null;
  lastRunStatus: string | null;
  /** schedule, not paused: the next firing (UTC), ms. */
  nextFiringAt: number | null;
  /** Why the pipeline's triggers are not armed, when so. */
  error: string | null;
  /** A stream trigger that is armed: its streaming run's status; null otherwise. */
  stream?: StreamRunStatus | null;
}

/** A streaming run's status (core/stream/stream-runner.ts, StreamStatus). */
export interface StreamRunStatus {
  stream: string;
  node: string;
  source: 'mqtt' | 'folder' | 'http';
  sourceState: { state: 'starting' | 'connecting' | 'connected' | 'down' | 'watching' | 'listening' | 'stopped'; detail?: string; retryAt?: number; since: number };
  received: number;
  duplicates: number;
  deadLetters: number;
  batches: number;
  backlog: number;
  /** Rows a second over the last minute. */
  throughput: number;
  /** The last batch's oldest record, from arrival to commit. */
  lagMs: number;
  lastBatch: { id: string; rows: number; runId: string; status: string } | null;
  retrying: string | null;
}

/** A record the stream could not take, and why (newest first). */
export interface StreamDeadLetter {
  id: number;
  msgId: string | null;
  payload: string;
  reason: string;
  receivedAt: number;
}

/** GET /api/streams?path=P&node=N (API.md, Streams). */
export interface StreamAnswer {
  stream: string;
  node: string;
  source: 'mqtt' | 'folder' | 'http';
  /** The stream trigger's status while one runs; null otherwise. */
  running: StreamRunStatus | null;
  stats: { received: number; duplicates: number; deadLetters: number; batches: number; committedSeq: number; backlog: number; pending: boolean; schema: { name: string; type: string }[] | null };
  deadLetters: StreamDeadLetter[];
}

/** POST /api/triggers */
export interface TriggerInput {
  path: string;
  kind: TriggerItem['kind'];
  folder?: string;
  schedule?: string;
  node?: string;
}
