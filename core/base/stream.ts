import type { Json } from './values.js';

/**
 * What a `data.stream` node asks of the process that hosts streams (core/stream's
 * StreamHub), through ctx.stream.read. Plain data: it may cross from a worker thread.
 */
export interface StreamReadRequest {
  readonly nodeId: string;
  /** The node's params as validated (source, url, topic, folder, format, idField, batchRows, batchSeconds). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The pipeline file (null for an unsaved pipeline) and its folder: the stream's identity and relative paths. */
  readonly pipelinePath: string | null;
  readonly pipelineDir: string;
  /** The micro-batch of a streaming run; undefined in a plain run (the host drains once and commits nothing). */
  readonly batch: string | undefined;
}

/** One column of a stream's fixed schema (inferred from its first batch). */
export interface StreamColumn {
  readonly name: string;
  readonly type: 'number' | 'boolean' | 'string';
}

export interface StreamReadResult {
  readonly columns: readonly StreamColumn[];
  /** Row values in column order; null for a missing value. */
  readonly rows: readonly (readonly (number | boolean | string | null)[])[];
  /** The batch these rows are (null in a plain run: a preview that moves no offset). */
  readonly batch: { readonly id: string; readonly number: number } | null;
  /** The stream's counters when the rows were read. */
  readonly stats: {
    readonly received: number;
    readonly deadLetters: number;
    /** Messages stored but not yet processed (after this batch). */
    readonly backlog: number;
    /** Age of the oldest message of this batch when it was read, ms. */
    readonly lagMs: number;
  };
  /** Lines for the node's log (new dead letters with their reasons, the source's state). */
  readonly notes: readonly string[];
}

/** The streams of this process (core/stream's StreamHub), as the engine hands them to nodes. */
export interface StreamHost {
  read(request: StreamReadRequest, signal: AbortSignal): Promise<StreamReadResult>;
}

/** ctx.stream: the micro-batch a streaming run is processing, and the rows of a stream node. */
export interface StreamAccess {
  /** The id of this run's micro-batch (stable when a batch is replayed after a crash); undefined in a plain run. */
  readonly batch: string | undefined;
  /** The rows for a data.stream node (the run's batch, or in a plain run what the source has now). */
  read(params: Readonly<Record<string, Json>>): Promise<StreamReadResult>;
}
