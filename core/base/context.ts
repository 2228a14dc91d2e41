export type LogLevel = 'info' | 'warn' | 'error';

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
