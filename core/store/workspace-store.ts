import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { LogLevel, TrialRecord } from '../base/context.js';
import type { Json } from '../base/values.js';
import { ArtifactIndex } from './artifact-index.js';
import { ArtifactStore } from './artifact-store.js';
import { ChildRuns, type ChildRun } from './child-runs.js';
import { openDatabase } from './database.js';
import { diskLooksFull } from './durable-fs.js';
import { describeWriteFailure, errnoCode, fsError, isWriteFailure, StoreError } from './errors.js';
import { FileHashes } from './file-hashes.js';
import { GarbageCollector, type GcOptions, type GcReport } from './gc.js';
import { NodeStateTable, type NodeStateEntry } from './node-state.js';
import { OutputCache } from './output-cache.js';
import { RunQueries } from './run-queries.js';
import { RunRecords } from './run-records.js';
import { RunTracking, type MetricPoint, type TrackedRunFilter, type TrackedRunRow } from './run-tracking.js';
import type {
  ArtifactLineage,
  ArtifactRef,
  CreateRunInput,
  MetricReplay,
  NodeExecutionFields,
  OutputRecords,
  RunDetail,
  RunSource,
  RunStatus,
  RunSummary,
} from './types.js';

export const DATABASE_FILE = 'tensorloom.db';

/** The store's database for modules with tables of their own (see WorkspaceStore.tables). */
export interface StoreTables {
  read<T>(reads: (db: Database.Database) => T): T;
  write<T>(what: string, writes: (db: Database.Database) => T): T;
}

/**
 * A workspace's `.tensorloom/` folder: the SQLite database (runs, node executions, metrics,
 * logs, artifact index, cache) and the content-addressed artifact files. Several processes
 * may open the same workspace at once. Not for use from worker threads: they get an
 * `ArtifactStore` of their own from `dir`.
 */
export class WorkspaceStore {
  readonly dir: string;
  readonly dbPath: string;
  readonly artifacts: ArtifactStore;
  /** How many runs `open()` found abandoned by dead processes and marked interrupted. */
  readonly interruptedOnOpen: number;
  /**
   * Why the last write failed, when the store could not take writes (a full disk); undefined
   * while writes work. Reads go on either way.
   */
  get writeProblem(): string | undefined {
    return this.lastWriteProblem;
  }

  private readonly db: Database.Database;
  private readonly records: RunRecords;
  private readonly queries: RunQueries;
  private readonly tracking: RunTracking;
  private readonly cache: OutputCache;
  private readonly fileHashes: FileHashes;
  private readonly nodeState: NodeStateTable;
  private readonly childRuns: ChildRuns;
  private closed = false;
  private lastWriteProblem: string | undefined;
  /** Runs of dead processes that could not be marked interrupted (no room): shown as interrupted, recorded when there is room. */
  private readonly unmarked = new Map<string, string>();
  /** Ends of runs of this process that could not be recorded (no room): retried at the next write and at close. */
  private readonly pendingFinishes = new Map<string, { status: Exclude<RunStatus, 'running'>; error: string | undefined }>();

  private constructor(dir: string, db: Database.Database, artifacts: ArtifactStore) {
    this.dir = dir;
    this.dbPath = db.name;
    this.db = db;
    this.artifacts = artifacts;
    const index = new ArtifactIndex(db, artifacts);
    this.records = new RunRecords(db, index);
    this.queries = new RunQueries(db, artifacts);
    this.tracking = new RunTracking(db);
    this.cache = new OutputCache(db, artifacts, index);
    this.fileHashes = new FileHashes(db);
    this.nodeState = new NodeStateTable(db);
    this.childRuns = new ChildRuns(db);
    // Opening must not need a write to succeed: on a full disk the store opens for reading.
    this.interruptedOnOpen = this.markInterruptedRuns();
  }

  /**
   * Opens the store at `dotDir` (the `.tensorloom` folder, created if missing), migrates
   * its database, and marks runs abandoned by dead processes as interrupted. Problems a
   * user can fix (folder not writable, file not a database, newer schema) throw a
   * StoreError naming the path.
   */
  static open(dotDir: string): WorkspaceStore {
    const dir = resolve(dotDir);
    prepareFolder(dir);
    const artifacts = new ArtifactStore(dir);
    const db = openDatabase(join(dir, DATABASE_FILE));
    try {
      return new WorkspaceStore(dir, db, artifacts);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flushPending();
    this.closed = true;
    try {
      this.db.pragma('optimize'); // SQLite's advice for connections about to close; skipped if another process holds the lock
    } catch {
      // Statistics are an optimisation; closing matters more.
    }
    this.db.close();
  }

  // Runs --------------------------------------------------------------------------------

  // Every write below turns a full disk (SQLITE_FULL, ENOSPC, EDQUOT) or a failing one
  // (SQLITE_IOERR) into a StoreError ('disk-full' / 'write-failed') that says what could not
  // be recorded. SQLite rolls the failed statement or transaction back, so the database
  // stays consistent; the caller decides whether the run can go on.

  /** Starts a run owned by this process; returns its id, e.g. `20261126-101502-3fa9`. */
  createRun(input: CreateRunInput): string {
    this.flushPending();
    return this.write(`could not start a run of '${input.pipelineName}'`, () => this.records.createRun(input));
  }

  /**
   * Runs made before their pipeline's first save (no file then) become runs of the file it
   * was saved as, under its name. Runs that already belong to a file are left alone.
   */
  linkRunsToPipeline(runIds: readonly string[], pipelinePath: string, pipelineName: string): number {
    return this.write(`could not link runs to ${pipelinePath}`, () => this.records.linkRunsToPipeline(runIds, pipelinePath, pipelineName));
  }

  setRunBackend(runId: string, backend: string): void {
    this.write(`could not record the backend of run ${runId}`, () => this.records.setRunBackend(runId, backend));
  }

  /**
   * Records how a run ended; its nodes still recorded as running or queued (their results
   * could not be written) become interrupted. When even this write fails, the store retries
   * it at its next write and at close; if the process ends first, the next `open()` with
   * room marks the run interrupted.
   */
  finishRun(runId: string, status: Exclude<RunStatus, 'running'>, error?: string): void {
    try {
      this.write(`could not record the end of run ${runId}`, () => this.records.finishRun(runId, status, error));
      this.pendingFinishes.delete(runId);
    } catch (failure) {
      if (isWriteFailure(failure)) this.pendingFinishes.set(runId, { status, error });
      throw failure;
    }
  }

  /** Creates or updates a node's execution in a run; fields left out keep their value. */
  upsertNodeExecution(runId: string, nodeId: string, fields: NodeExecutionFields): void {
    this.write(`could not record the state of node '${nodeId}'`, () => this.records.upsertNodeExecution(runId, nodeId, fields));
  }

  /** Records a node's outputs (and their artifact index rows). Every artifact must be in the store. */
  recordOutputs(runId: string, nodeId: string, outputs: OutputRecords): void {
    this.write(`could not record the outputs of node '${nodeId}'`, () => this.records.recordOutputs(runId, nodeId, outputs));
  }

  /** Attaches an extra stored artifact (a plot, an exported file) to a node's execution. */
  attachArtifact(runId: string, nodeId: string, name: string, ref: ArtifactRef): void {
    this.write(`could not record the attachment '${name}' of node '${nodeId}'`, () => this.records.attachArtifact(runId, nodeId, name, ref));
  }

  /** One point: `step` null for a single value, a whole number for a series (epochs). */
  recordMetric(runId: string, nodeId: string, name: string, value: number, step: number | null): void {
    this.write(`could not record the metric '${name}' of node '${nodeId}'`, () => this.records.recordMetric(runId, nodeId, name, value, step));
  }

  recordLog(runId: string, nodeId: string | null, level: LogLevel, message: string): void {
    this.write(`could not record a log line of ${nodeId === null ? `run ${runId}` : `node '${nodeId}'`}`, () => this.records.recordLog(runId, nodeId, level, message));
  }

  /** Runs `writes` in one transaction: all of them land, or (on a throw or a crash) none. */
  batch<T>(writes: () => T): T {
    return this.write('could not record a batch of writes', () => this.db.transaction(writes).immediate());
  }

  /**
   * See `open()`; a long-lived process may call it again to sweep runs of processes that
   * died since. Never throws for a full disk: the runs it could not mark are shown as
   * interrupted by `listRuns`/`getRun` and marked at a later call with room.
   */
  markInterruptedRuns(): number {
    try {
      const marked = this.records.markInterruptedRuns();
      this.unmarked.clear();
      this.lastWriteProblem = undefined;
      return marked;
    } catch (error) {
      const described = describeWriteFailure('could not mark the runs of ended processes as interrupted', error, { path: this.dbPath, looksFull: () => diskLooksFull(this.dir) });
      if (!isWriteFailure(described)) throw described;
      this.lastWriteProblem = (described as Error).message;
      for (const run of this.records.deadRuns()) this.unmarked.set(run.id, run.why);
      return 0;
    }
  }

  /** Newest first; 100 unless `limit` says otherwise. */
  listRuns(options?: { limit?: number }): RunSummary[] {
    return this.queries.listRuns(options).map((run) => this.overlay(run));
  }

  getRun(runId: string): RunDetail | undefined {
    const run = this.queries.getRun(runId);
    if (run === undefined || !this.unmarked.has(run.id) || run.status !== 'running') return run;
    const nodes = Object.fromEntries(
      Object.entries(run.nodes).map(([id, node]) => [id, node.status === 'running' || node.status === 'queued' ? { ...node, status: 'interrupted' as const } : node]),
    );
    return { ...this.overlay(run), nodes };
  }

  /** The run and node that produced an artifact (model lineage); undefined when no run here output it. */
  artifactLineage(hash: string): ArtifactLineage | undefined {
    return this.queries.artifactLineage(hash);
  }

  // Tracking (experiments, tags, notes, environment, source files) ---------------------

  /** Sets (a value) and removes (null) user tags of a run; answers all its tags. Bad keys are refused, naming the run. */
  setRunTags(runId: string, tags: Readonly<Record<string, string | null>>): Record<string, string> {
    return this.write(`could not tag run ${runId}`, () => this.tracking.setTags(runId, tags));
  }

  /** Sets the run's note (null or blank removes it); answers the note kept. */
  setRunNote(runId: string, note: string | null): string | null {
    return this.write(`could not save the note of run ${runId}`, () => this.tracking.setNote(runId, note));
  }

  /** Replaces the run's environment record (versions, OS, hardware, git, backend). */
  setRunEnvironment(runId: string, environment: Record<string, unknown>): void {
    this.write(`could not record the environment of run ${runId}`, () => this.tracking.setEnvironment(runId, environment));
  }

  /** The content hashes of the files a node read in a run. */
  recordRunSources(runId: string, nodeId: string, sources: readonly Omit<RunSource, 'nodeId'>[]): void {
    this.write(`could not record the source files of node '${nodeId}'`, () => this.tracking.recordSources(runId, nodeId, sources));
  }

  /** Run ids newest first: one experiment or all, top-level runs unless `children`. */
  trackedRunIds(filter?: TrackedRunFilter): string[] {
    return this.tracking.runIds(filter);
  }

  /** Runs with their tags, node params, final metrics and outputs, in the order of `ids` (unknown ids left out). */
  trackedRuns(ids: readonly string[]): TrackedRunRow[] {
    return this.tracking.trackedRuns(ids).map((run) => {
      const why = this.unmarked.get(run.id);
      return why === undefined || run.status !== 'running' ? run : { ...run, status: 'interrupted' as const };
    });
  }

  /** Experiments (of top-level runs) with their run counts, most recently used first. */
  experiments(): { name: string; runs: number; lastStartedAt: number }[] {
    return this.tracking.experiments();
  }

  /** Every metric point of a run, with the time it was recorded. */
  metricPoints(runId: string): MetricPoint[] {
    return this.tracking.metricPoints(runId);
  }

  // Cache -------------------------------------------------------------------------------

  /** The outputs cached under `cacheKey`; undefined on a miss or when any artifact file is gone. */
  lookupCache(cacheKey: string): OutputRecords | undefined {
    return this.cache.lookup(cacheKey);
  }

  /** Call after the outputs' artifacts are stored: an entry with a missing file is refused. */
  saveCache(cacheKey: string, nodeType: string, outputs: OutputRecords): void {
    this.write(`could not save the cache entry of a ${nodeType} node`, () => this.cache.save(cacheKey, nodeType, outputs));
  }

  /** The metrics of the execution that computed the cached entry, to replay on a cache hit. */
  metricsForCacheKey(cacheKey: string): MetricReplay[] {
    return this.cache.metricsFor(cacheKey);
  }

  // Node state (ctx.state) -------------------------------------------------------------

  /** What a node type stored under `key`; undefined when nothing is. */
  getNodeState(nodeType: string, key: string): Json | undefined {
    return this.nodeState.get(nodeType, key);
  }

  /** Stores `valueJson` (JSON text) durably; `writer` is the run and node that wrote it. */
  setNodeState(nodeType: string, key: string, valueJson: string, writer?: { runId: string; nodeId: string }): void {
    this.write(`could not save the state of a ${nodeType} node`, () => this.nodeState.set(nodeType, key, valueJson, writer));
  }

  /** True when there was something to delete. */
  deleteNodeState(nodeType: string, key: string): boolean {
    return this.write(`could not delete the state of a ${nodeType} node`, () => this.nodeState.delete(nodeType, key));
  }

  listNodeState(): NodeStateEntry[] {
    return this.nodeState.list();
  }

  // Child runs (a search node's trials) ----------------------------------------------------

  /** Records a search node's finished trial as a child run of `parentRunId`, whole or not at all; returns its id. */
  recordChildRun(parentRunId: string, nodeId: string, trial: TrialRecord): string {
    return this.write(`could not record trial ${trial.trial} of node '${nodeId}'`, () => this.childRuns.record(parentRunId, nodeId, trial));
  }

  /** The child runs of a run (of one of its nodes, when given), by trial number. */
  listChildRuns(parentRunId: string, nodeId?: string): ChildRun[] {
    return this.childRuns.list(parentRunId, nodeId);
  }

  // Source files ------------------------------------------------------------------------

  /** `sha256:<hex>` of a file's content; free for a file unchanged since it was last hashed. */
  fileHash(absPath: string): Promise<string> {
    return this.fileHashes.hash(absPath);
  }

  // Garbage collection ------------------------------------------------------------------

  /**
   * Removes artifacts that no run, cache entry or registry row references, and tmp/
   * leftovers of ended processes; safe beside runs in other processes (see gc.ts).
   */
  collectGarbage(options?: GcOptions): GcReport {
    return new GarbageCollector(this.db, this.artifacts).collect(options);
  }

  // Tables kept by other modules ----------------------------------------------------------

  /**
   * The database, for a module that keeps its own tables in it (core/registry: the model
   * registry). `read` runs queries as they are; `write` runs `writes` in one immediate
   * transaction and turns a full or failing disk into the StoreError every write here
   * raises, saying `what` could not be recorded.
   */
  tables(): StoreTables {
    return {
      read: (reads) => reads(this.db),
      write: (what, writes) => this.write(what, () => this.db.transaction(() => writes(this.db)).immediate()),
    };
  }

  // Internals ---------------------------------------------------------------------------

  private write<T>(what: string, writes: () => T): T {
    try {
      const result = writes();
      this.lastWriteProblem = undefined;
      return result;
    } catch (error) {
      const described = describeWriteFailure(what, error, { path: this.dbPath, looksFull: () => diskLooksFull(this.dir) });
      if (isWriteFailure(described)) this.lastWriteProblem = (described as Error).message;
      throw described;
    }
  }

  /** Best effort: writes that failed for want of room, tried again now. */
  private flushPending(): void {
    for (const [runId, end] of [...this.pendingFinishes]) {
      try {
        this.records.finishRun(runId, end.status, end.error);
        this.pendingFinishes.delete(runId);
      } catch {
        return; // still no room; the next write or open tries again
      }
    }
  }

  /** A run of a dead process not yet marked interrupted (no room) reads as interrupted. */
  private overlay<T extends RunSummary>(run: T): T {
    const why = this.unmarked.get(run.id);
    if (why === undefined || run.status !== 'running') return run;
    const nodeCounts = { ...run.nodeCounts };
    nodeCounts.interrupted += nodeCounts.running + nodeCounts.queued;
    nodeCounts.running = 0;
    nodeCounts.queued = 0;
    return { ...run, status: 'interrupted', error: `${why} (not recorded yet: the workspace could not be written)`, nodeCounts };
  }
}

function prepareFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new StoreError('not-a-folder', `cannot use ${dir} as the workspace store: a file is in the way (it must be a folder)`, { path: dir, cause: error });
    }
    throw fsError('create the workspace folder', dir, error);
  }
  if (!statSync(dir).isDirectory()) {
    throw new StoreError('not-a-folder', `cannot use ${dir} as the workspace store: it is not a folder`, { path: dir });
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new StoreError('not-writable', `the workspace folder ${dir} is not writable; choose a folder you can write to, or fix its permissions`, {
      path: dir,
      cause: error,
    });
  }
}
