import type { StreamAccess } from './stream.js';
import type { Table } from 'apache-arrow';
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

/** What a node asks the model registry to register (ctx.registry.register). */
export interface RegisterRequest {
  /** The registered model's name; versions are numbered per name. */
  readonly name: string;
  /** Point this alias (e.g. `champion`) at the version once registered. */
  readonly alias?: string;
  /** A condition over `metrics` (core/registry/gate.ts); nothing is registered when it does not hold. */
  readonly gate?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** The evaluation's numbers (a metrics input's top-level finite numbers); undefined without one. */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** How a model's input schema differs from the latest version registered before it. */
export interface SchemaChange {
  readonly fromVersion: number;
  readonly added: readonly { readonly name: string; readonly type: string }[];
  readonly removed: readonly { readonly name: string; readonly type: string }[];
  readonly retyped: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  /** Other differences, one phrase each: the task, the target, the class labels. */
  readonly other: readonly string[];
  /** All of it on one line, for a log. */
  readonly summary: string;
}

/** What the registry did with a register request. */
export interface RegisterOutcome {
  readonly name: string;
  /** True when the model is a version of `name` now (newly, or already before: see `created`). */
  readonly registered: boolean;
  /** The version it is, or null when the gate kept it out. */
  readonly version: number | null;
  /** False when these exact model bytes already were that version (nothing new was written). */
  readonly created: boolean;
  /** The gate's checks with their numbers (absent without a gate). */
  readonly gate?: { readonly holds: boolean; readonly checks: readonly { readonly text: string; readonly holds: boolean; readonly detail: string }[] };
  /** Why nothing was registered, when it was not. */
  readonly reason?: string;
  /** The alias move this registration made (`from` null: the alias is new; equal: it already pointed here). */
  readonly alias?: { readonly name: string; readonly from: number | null; readonly to: number };
  /** Set when the input schema differs from the latest earlier version's. */
  readonly schemaChange?: SchemaChange;
}

/** The workspace's model registry, as a node reaches it. */
export interface ModelRegistryAccess {
  /**
   * Registers `model` (an input of this node) under `request.name` as its next version,
   * linked to this run and node, the model's input schema, backend and lineage; checks the
   * gate first and records the outcome in the registry's audit trail either way.
   */
  register(model: ModelValue, request: RegisterRequest): Promise<RegisterOutcome>;
}

/**
 * One trial of a search node (train.tune), kept as a child run of the running run: the
 * params it trained with, its scores, how it ended.
 */
export interface TrialRecord {
  /** 1-based, in the order the search drew the trials. */
  readonly trial: number;
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  /** The node type the trial trained as (train.dense), and its full params. */
  readonly nodeType: string;
  readonly params: { readonly [name: string]: Json };
  /** The params the search varied (they also go into the child run's overrides). */
  readonly searched: readonly string[];
  /** Final values: the search metric and the others computed with it. */
  readonly metrics: { readonly [name: string]: number };
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly backend?: string;
  readonly error?: string;
}

/** The child runs of a search node (see TrialRecord). */
export interface TrialRecorder {
  /** Records a finished trial; resolves with the child run's id (undefined where there is no run record, as in unit tests). */
  record(trial: TrialRecord): Promise<string | undefined>;
}

/** A feature view as a write declares it (core/features). */
export interface FeatureViewWrite {
  readonly name: string;
  /** Entity key columns. */
  readonly entity: readonly string[];
  /** The event-time column. */
  readonly timestamp: string;
  /** e.g. '30d'; absent: values never expire. */
  readonly ttl?: string | undefined;
  /** Feature columns; absent or empty: all columns other than the keys and the timestamp. */
  readonly features?: readonly string[] | undefined;
}

/** What a feature view write did. */
export interface FeatureWriteOutcome {
  readonly view: string;
  readonly rows: number;
  /** Rows left out for a missing key or timestamp. */
  readonly dropped: number;
  readonly hash: string;
  /** False when these exact rows were already in the view (nothing was added). */
  readonly fresh: boolean;
  readonly created: boolean;
  /** Entities whose online values changed. */
  readonly materialized: number;
}

/**
 * The workspace's feature store (core/features): offline views, the point-in-time join and
 * the online table. Errors a user can fix are NodeErrors naming the param.
 */
export interface FeatureStoreAccess {
  /** Appends the rows to a view (refused when its schema differs) and materializes them online. */
  write(table: Table, view: FeatureViewWrite): Promise<FeatureWriteOutcome>;
  /** `entities` plus each view's features as of each row's `timestamp` (point-in-time correct). */
  read(entities: Table, request: { readonly views: readonly string[]; readonly timestamp: string }): Promise<Table>;
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
  /** The workspace's model registry (versions, aliases, gates): see ModelRegistryAccess. */
  readonly registry: ModelRegistryAccess;
  /** A search node's trials, each recorded as a child run of this run: see TrialRecord. */
  readonly trials: TrialRecorder;
  /** The workspace's feature store: see FeatureStoreAccess. */
  readonly features: FeatureStoreAccess;
  /** The micro-batch of a streaming run, and a stream node's rows (core/base/stream.ts). */
  readonly stream: StreamAccess;
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
