/**
 * The wire types of the local API (core/server/API.md), as the renderer sees them.
 * The renderer imports only core/graph types; the event stream's types are restated here,
 * and e2e/contract-types.ts checks at compile time that they still match core/engine.
 */
import type { CatalogEntry } from '../../../core/graph/registry.js';
import type { IssueCode, PipelineDoc, PipelineEdge, PipelineNode } from '../../../core/graph/types.js';

export type { CatalogEntry, PipelineDoc, PipelineEdge, PipelineNode };
export type PortType = CatalogEntry['inputs'][string]['type'];
export type NodeCategory = CatalogEntry['category'];

export type NodeState = 'idle' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'cached';
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';
export type LogLevel = 'info' | 'warn' | 'error';

export type EngineEvent =
  | { type: 'run.started'; runId: string; pipeline: string; nodes: string[]; until: string | null; at: number }
  | { type: 'node.state'; runId: string; nodeId: string; status: NodeState; cached: boolean; ms?: number; error?: string; at: number }
  | { type: 'node.progress'; runId: string; nodeId: string; fraction: number; message?: string }
  | { type: 'node.log'; runId: string; nodeId: string; level: LogLevel; message: string }
  | { type: 'node.metric'; runId: string; nodeId: string; name: string; value: number; step?: number }
  | { type: 'run.finished'; runId: string; status: RunOutcome; ms: number; at: number };

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

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'cpu' | 'unknown';

export interface BackendInfo {
  backend: BackendName;
  hint?: string;
}

export interface PipelineListItem {
  path: string;
  name: string;
  modified: string | number;
}

export interface PipelineFile {
  path: string;
  document: unknown;
  issues: ApiIssue[];
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
  nodes: Record<string, { status: NodeState; cached?: boolean; ms?: number | null; error?: string | null }>;
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
