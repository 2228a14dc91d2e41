import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { LogLevel } from '../sdk/context.js';
import { ArtifactIndex } from './artifact-index.js';
import { ArtifactStore } from './artifact-store.js';
import { openDatabase } from './database.js';
import { errnoCode, fsError, StoreError } from './errors.js';
import { FileHashes } from './file-hashes.js';
import { OutputCache } from './output-cache.js';
import { RunQueries } from './run-queries.js';
import { RunRecords } from './run-records.js';
import type {
  ArtifactLineage,
  ArtifactRef,
  CreateRunInput,
  MetricReplay,
  NodeExecutionFields,
  OutputRecords,
  RunDetail,
  RunStatus,
  RunSummary,
} from './types.js';

export const DATABASE_FILE = 'tensorloom.db';

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

  private readonly db: Database.Database;
  private readonly records: RunRecords;
  private readonly queries: RunQueries;
  private readonly cache: OutputCache;
  private readonly fileHashes: FileHashes;
  private closed = false;

  private constructor(dir: string, db: Database.Database, artifacts: ArtifactStore) {
    this.dir = dir;
    this.dbPath = db.name;
    this.db = db;
    this.artifacts = artifacts;
    const index = new ArtifactIndex(db, artifacts);
    this.records = new RunRecords(db, index);
    this.queries = new RunQueries(db, artifacts);
    this.cache = new OutputCache(db, artifacts, index);
    this.fileHashes = new FileHashes(db);
    this.interruptedOnOpen = this.records.markInterruptedRuns();
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
    this.closed = true;
    try {
      this.db.pragma('optimize'); // SQLite's advice for connections about to close; skipped if another process holds the lock
    } catch {
      // Statistics are an optimisation; closing matters more.
    }
    this.db.close();
  }

  // Runs --------------------------------------------------------------------------------

  /** Starts a run owned by this process; returns its id, e.g. `20261126-101502-3fa9`. */
  createRun(input: CreateRunInput): string {
    return this.records.createRun(input);
  }

  setRunBackend(runId: string, backend: string): void {
    this.records.setRunBackend(runId, backend);
  }

  finishRun(runId: string, status: Exclude<RunStatus, 'running'>, error?: string): void {
    this.records.finishRun(runId, status, error);
  }

  /** Creates or updates a node's execution in a run; fields left out keep their value. */
  upsertNodeExecution(runId: string, nodeId: string, fields: NodeExecutionFields): void {
    this.records.upsertNodeExecution(runId, nodeId, fields);
  }

  /** Records a node's outputs (and their artifact index rows). Every artifact must be in the store. */
  recordOutputs(runId: string, nodeId: string, outputs: OutputRecords): void {
    this.records.recordOutputs(runId, nodeId, outputs);
  }

  /** Attaches an extra stored artifact (a plot, an exported file) to a node's execution. */
  attachArtifact(runId: string, nodeId: string, name: string, ref: ArtifactRef): void {
    this.records.attachArtifact(runId, nodeId, name, ref);
  }

  /** One point: `step` null for a single value, a whole number for a series (epochs). */
  recordMetric(runId: string, nodeId: string, name: string, value: number, step: number | null): void {
    this.records.recordMetric(runId, nodeId, name, value, step);
  }

  recordLog(runId: string, nodeId: string | null, level: LogLevel, message: string): void {
    this.records.recordLog(runId, nodeId, level, message);
  }

  /** Runs `writes` in one transaction: all of them land, or (on a throw or a crash) none. */
  batch<T>(writes: () => T): T {
    return this.db.transaction(writes).immediate();
  }

  /** See `open()`; a long-lived process may call it again to sweep runs of processes that died since. */
  markInterruptedRuns(): number {
    return this.records.markInterruptedRuns();
  }

  /** Newest first; 100 unless `limit` says otherwise. */
  listRuns(options?: { limit?: number }): RunSummary[] {
    return this.queries.listRuns(options);
  }

  getRun(runId: string): RunDetail | undefined {
    return this.queries.getRun(runId);
  }

  /** The run and node that produced an artifact (model lineage); undefined when no run here output it. */
  artifactLineage(hash: string): ArtifactLineage | undefined {
    return this.queries.artifactLineage(hash);
  }

  // Cache -------------------------------------------------------------------------------

  /** The outputs cached under `cacheKey`; undefined on a miss or when any artifact file is gone. */
  lookupCache(cacheKey: string): OutputRecords | undefined {
    return this.cache.lookup(cacheKey);
  }

  /** Call after the outputs' artifacts are stored: an entry with a missing file is refused. */
  saveCache(cacheKey: string, nodeType: string, outputs: OutputRecords): void {
    this.cache.save(cacheKey, nodeType, outputs);
  }

  /** The metrics of the execution that computed the cached entry, to replay on a cache hit. */
  metricsForCacheKey(cacheKey: string): MetricReplay[] {
    return this.cache.metricsFor(cacheKey);
  }

  // Source files ------------------------------------------------------------------------

  /** `sha256:<hex>` of a file's content; free for a file unchanged since it was last hashed. */
  fileHash(absPath: string): Promise<string> {
    return this.fileHashes.hash(absPath);
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
