import type { Json, ModelValue } from './values.js';

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * A node type's small memory across runs, kept in the workspace store (SQLite), scoped by
 * node type: one type never sees another's keys. Each `set` is committed whole before it
 * resolves, so a crash never leaves half a value. For small values (a schema, a threshold,
 * an offset): at most 1 MiB of JSON per key; large things belong in artifacts.
 */
export interface NodeState {
  get(key: string): Promise<Json | undefined>;
  set(key: string, value: Json): Promise<void>;
  /** Resolves true when there was something to delete. */
  delete(key: string): Promise<boolean>;
}

/** Where a model came from: the run and node that trained it, for image labels and audits. */
export interface ModelLineage {
  readonly runId: string;
  readonly nodeId: string;
  readonly pipelineName: string;
  readonly pipelineHash: string;
  /** Content hashes of the data sources the model depends on, sorted. */
  readonly dataHashes: readonly string[];
}

/** An extra file a node attached to its execution (a plot, a log, an exported file). */
export interface AttachedArtifact {
  readonly name: string;
  readonly hash: string;
  readonly size: number;
  readonly path: string;
}

/**
 * Everything a node may touch while it runs. Nodes never reach for globals, the file
 * system outside these paths, or the database: that keeps `run` pure with respect to its
 * inputs and params, which is what makes caching correct.
 */
export interface RunContext {
  readonly nodeId: string;
  readonly nodeType: string;
  /** Aborted when the user cancels. Check it in loops; the engine stops a node that ignores it. */
  readonly signal: AbortSignal;
  /** Fraction done, 0..1, with an optional short message. */
  progress(fraction: number, message?: string): void;
  log(message: string, level?: LogLevel): void;
  /** A number for the run's metrics; with `step`, one point of a series (e.g. per epoch). */
  metric(name: string, value: number, step?: number): void;
  /** Records which TensorFlow.js backend this node computed with (the run keeps it). */
  usedBackend(name: string): void;
  readonly artifacts: {
    /** A fresh path in the workspace's temp folder for building a file or folder. */
    tempPath(name: string): string;
    /** Stores bytes content-addressed and attaches them to this execution under `name`. */
    write(name: string, data: Uint8Array | string): Promise<AttachedArtifact>;
    /** Reads an artifact by its `sha256:…` id. */
    read(hash: string): Promise<Uint8Array>;
  };
  /** Durable per-node-type state in the workspace store (see NodeState). */
  readonly state: NodeState;
  /**
   * The lineage of a model this node received as an input: undefined when no run in this
   * workspace trained it (a model copied in from elsewhere).
   */
  lineage(model: ModelValue): Promise<ModelLineage | undefined>;
  readonly workspace: {
    /** The workspace folder: paths outside it are refused. */
    readonly root: string;
    /** The pipeline file's folder: relative paths resolve against it. */
    readonly pipelineDir: string;
    /**
     * Resolves a path param the node reads against the pipeline's folder, following links,
     * and refuses one whose real location is outside the workspace with a NodeError naming
     * `field`. Returns the real location: open that, not the path as written.
     */
    resolve(path: string, field: string): string;
    /**
     * The same for a path the node writes (a file or folder it creates or replaces): also
     * refuses the workspace's `.tensorloom` store, whatever links lead there.
     */
    resolveOutput(path: string, field: string): string;
  };
}
