import type { LogLevel } from '../base/context.js';
import type { PortType } from '../base/ports.js';

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
/** `interrupted`: the process running it died (crash, kill, power loss) before it finished. */
export type RunStatus = (typeof RUN_STATUSES)[number];

export const NODE_STATUSES = ['idle', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'skipped', 'cached', 'interrupted'] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** A stored, immutable artifact: one file or one folder (a model bundle). */
export interface ArtifactRef {
  /** `sha256:<64 hex digits>`: of the content for a file, of the folder's manifest for a folder. */
  hash: string;
  /** Bytes: the file's size, or the sum of the folder's file sizes. */
  size: number;
  /** Absolute path inside `.tensorloom/artifacts/`. */
  path: string;
  kind: 'file' | 'dir';
}

/** One output port's artifact, as the engine passes it between nodes and the cache keeps it. */
export interface OutputRecord {
  hash: string;
  type: PortType;
  size: number;
}
export type OutputRecords = Record<string, OutputRecord>;

export interface CreateRunInput {
  pipelineName: string;
  pipelineHash: string;
  pipelinePath: string | null;
  pipelineJson: string;
  /** The node given to "run up to here", or null for the whole pipeline. */
  until: string | null;
  overrides: Record<string, unknown>;
  /** The experiment the run groups under; default: the pipeline's name. */
  experiment?: string;
  /** What started the run: 'cli', 'ui', later 'scheduler' (see RunTrigger). */
  trigger?: RunTrigger;
  /** Versions, OS, hardware and git state at the start (core/engine/environment.ts). */
  environment?: Record<string, unknown>;
  /** A child run (a tune trial): the run and node that started it. */
  parentRunId?: string;
  parentNodeId?: string;
}

/** What started a run. Free text in the store, so later triggers need no migration. */
export type RunTrigger = 'cli' | 'ui' | 'scheduler' | (string & {});

/** The content hash of a file a node read (its `sourceFiles`), recorded per run. */
export interface RunSource {
  nodeId: string;
  /** Relative to the workspace folder, `/`-separated. */
  path: string;
  hash: string;
  size: number;
}

/** The fields of a node execution to set; a field left out keeps its stored value. */
export interface NodeExecutionFields {
  nodeType?: string;
  status?: NodeStatus;
  cached?: boolean;
  cacheKey?: string;
  startedAt?: number;
  finishedAt?: number;
  ms?: number;
  /** `null` clears a stored error. */
  error?: string | null;
  /** Stored as JSON. */
  params?: unknown;
}

/** A metric of the execution that computed a cache entry, replayed when the entry is reused. */
export interface MetricReplay {
  name: string;
  value: number;
  step: number | null;
}

export interface RunSummary {
  id: string;
  pipelineName: string;
  pipelineHash: string;
  pipelinePath: string | null;
  status: RunStatus;
  /** Milliseconds since the epoch, like every time in the store. */
  startedAt: number;
  finishedAt: number | null;
  until: string | null;
  backend: string | null;
  error: string | null;
  host: string;
  pid: number;
  /** How many of the run's nodes are in each state (zero for the others). */
  nodeCounts: Record<NodeStatus, number>;
  /** The experiment it groups under (runs recorded before experiments existed: the pipeline's name). */
  experiment: string;
  /** What started it; null for runs recorded before triggers were. */
  trigger: RunTrigger | null;
  /** The run that started this one (a tune trial's search), or null. */
  parentRunId: string | null;
}

export interface NodeExecutionDetail {
  type: string | null;
  status: NodeStatus;
  cached: boolean;
  cacheKey: string | null;
  ms: number | null;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  params: unknown;
  outputs: OutputRecords;
  attachments: Record<string, ArtifactRef>;
}

export interface LogEntry {
  time: number;
  nodeId: string | null;
  level: LogLevel;
  message: string;
}

export interface SeriesPoint {
  step: number;
  value: number;
}

export interface RunDetail extends RunSummary {
  pipelineJson: string;
  overrides: Record<string, unknown>;
  /** In the order the engine first recorded them (topological for a normal run). */
  nodes: Record<string, NodeExecutionDetail>;
  /** The last value recorded for each metric. NaN is kept as NaN. */
  metrics: Record<string, Record<string, number>>;
  /** Metrics recorded with a step, in step order. */
  series: Record<string, Record<string, SeriesPoint[]>>;
  logs: LogEntry[];
  /** The node of the parent run that started this one, or null. */
  parentNodeId: string | null;
  /** The environment at the start (versions, OS, CPU, git, backend); null for older runs. */
  environment: Record<string, unknown> | null;
  /** User tags, key → value. */
  tags: Record<string, string>;
  note: string | null;
  /** The files the nodes read, with their content hashes. */
  sources: RunSource[];
}

/** Where an artifact came from: the run and node that computed it, for model lineage and image labels. */
export interface ArtifactLineage {
  runId: string;
  nodeId: string;
  port: string;
  pipelineName: string;
  pipelineHash: string;
  /**
   * The output hashes of the data sources the node depends on (upstream `data.*` nodes
   * without inputs), sorted and without repeats.
   */
  dataHashes: string[];
}
