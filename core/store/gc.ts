import { renameSync, rmSync, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { ArtifactStore } from './artifact-store.js';
import { isWriteFailure } from './errors.js';
import { ownerState } from './process-owner.js';

/**
 * Garbage collection: removes artifacts that nothing references, and tmp/ leftovers of
 * processes that are gone.
 *
 * Roots are every column that references `artifacts(hash)` (run outputs, attachments, and
 * later the model registry's versions: found from the schema's foreign keys, so a new
 * table is a root the day it lands) plus the hashes inside cache entries.
 *
 * Safe beside runs in other processes. A run publishes a file before the row that names it,
 * and may find its content already stored (and record that), so an unreferenced artifact
 * can be one a live run is about to record. Two rules close that gap:
 * - gc works in short batches, each holding the database's write lock, and each batch
 *   first reads which runs are live. A run that starts later waits for the batch, and then
 *   writes only after it: it never sees a file the batch is about to take.
 * - while runs are live, only artifacts last modified before the oldest live run started
 *   (less a margin for clock skew) are removed. A run's new files are newer than its start,
 *   and publishing content that is already stored touches the file (ArtifactStore), which
 *   makes it new again. A candidate is first renamed into tmp/ and its time checked again
 *   there, so a touch racing the check either lands first (the file is put back) or finds
 *   no file (the run stores its own copy).
 */

/** Margin for clocks and coarse timestamps (a run on another machine sharing the folder). */
export const GC_CLOCK_MARGIN_MS = 10 * 60 * 1000;
/** How long one batch holds the write lock; other processes wait up to BUSY_TIMEOUT_MS. */
const BATCH_MS = 500;

export interface GcOptions {
  /** Report what would be removed; remove nothing. */
  dryRun?: boolean;
}

export interface GcReport {
  dryRun: boolean;
  /** Unreferenced artifacts removed (or, in a dry run, that would be). */
  artifacts: { removed: number; bytes: number };
  /** tmp/ entries of processes that are gone. */
  temp: { removed: number; bytes: number };
  /** Artifacts left: `referenced` by runs, the cache or the registry; `recent`: unreferenced but maybe still being recorded by a live run. */
  kept: { referenced: number; recent: number };
  /** Runs in progress while gc ran (they limit what it may remove). */
  liveRuns: string[];
}

export class GarbageCollector {
  constructor(
    private readonly db: Database.Database,
    private readonly artifacts: ArtifactStore,
  ) {}

  collect(options: GcOptions = {}): GcReport {
    const dryRun = options.dryRun === true;
    const report: GcReport = { dryRun, artifacts: { removed: 0, bytes: 0 }, temp: { removed: 0, bytes: 0 }, kept: { referenced: 0, recent: 0 }, liveRuns: [] };
    this.sweepTemp(report, dryRun);
    const stored = this.artifacts.listStored();
    let next = 0;
    const removedHashes: string[] = [];
    // A dry run takes no lock: it only reads, and may run beside anything (or on a full disk).
    do {
      const trash: string[] = [];
      const batch = () => {
        const live = this.liveRuns();
        report.liveRuns = live.map((run) => run.id);
        const cutoff = live.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...live.map((run) => run.startedAt)) - GC_CLOCK_MARGIN_MS;
        const roots = this.roots();
        const deadline = Date.now() + BATCH_MS;
        // At least one entry per batch, so a slow machine still gets through.
        for (let done = 0; next < stored.length && (done === 0 || Date.now() < deadline); next += 1, done += 1) {
          const entry = stored[next]!;
          if (roots.has(entry.hash)) {
            report.kept.referenced += 1;
            continue;
          }
          if (entry.mtimeMs >= cutoff) {
            report.kept.recent += 1;
            continue;
          }
          const bytes = this.artifacts.sizeOnDisk(entry.path);
          if (dryRun) {
            report.artifacts.removed += 1;
            report.artifacts.bytes += bytes;
            continue;
          }
          const moved = this.takeAway(entry.path, cutoff);
          if (moved === undefined) {
            report.kept.recent += 1;
            continue;
          }
          trash.push(moved);
          removedHashes.push(entry.hash);
          report.artifacts.removed += 1;
          report.artifacts.bytes += bytes;
        }
      };
      if (dryRun) batch();
      else this.db.transaction(batch).immediate();
      // Outside the lock: deleting a large folder may take a while.
      for (const path of trash) rmSync(path, { recursive: true, force: true });
    } while (next < stored.length);
    if (!dryRun) this.forgetIndexRows(removedHashes);
    return report;
  }

  /** Runs recorded as running whose process lives (or may: another machine's). */
  private liveRuns(): { id: string; startedAt: number }[] {
    return this.db
      .prepare<[], { id: string; started_at: number; pid: number; host: string; boot_id: string | null; process_start: string | null }>(
        `SELECT id, started_at, pid, host, boot_id, process_start FROM runs WHERE status = 'running'`,
      )
      .all()
      .filter((run) => ownerState({ pid: run.pid, host: run.host, bootId: run.boot_id, processStart: run.process_start }) !== 'dead')
      .map((run) => ({ id: run.id, startedAt: run.started_at }));
  }

  /** Every hash something keeps: columns referencing artifacts(hash), and the outputs in cache entries. */
  private roots(): Set<string> {
    const roots = new Set<string>();
    for (const { table, column } of this.referencingColumns()) {
      for (const row of this.db.prepare<[], { hash: string }>(`SELECT DISTINCT "${column}" AS hash FROM "${table}" WHERE "${column}" IS NOT NULL`).all()) roots.add(row.hash);
    }
    const cached = this.db.prepare<[], { hash: string | null }>(
      `SELECT DISTINCT json_extract(output.value, '$.hash') AS hash FROM cache, json_each(cache.outputs_json) AS output`,
    );
    for (const row of cached.all()) if (typeof row.hash === 'string') roots.add(row.hash);
    return roots;
  }

  private referencingColumns(): { table: string; column: string }[] {
    const tables = this.db.prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all();
    const columns: { table: string; column: string }[] = [];
    for (const { name } of tables) {
      for (const key of this.db.pragma(`foreign_key_list("${name}")`) as { table: string; from: string; to: string | null }[]) {
        if (key.table === 'artifacts' && (key.to === 'hash' || key.to === null)) columns.push({ table: name, column: key.from });
      }
    }
    return columns;
  }

  /**
   * Moves a stored artifact into tmp/ and checks its time again there; returns where it
   * went, or undefined when it was touched meanwhile (then it is put back).
   */
  private takeAway(path: string, cutoff: number): string | undefined {
    const trash = this.artifacts.tempPath('gc-trash');
    try {
      renameSync(path, trash);
    } catch {
      return undefined; // gone already, or cannot be moved: leave it
    }
    const info = statSync(trash, { throwIfNoEntry: false });
    if (info !== undefined && info.mtimeMs >= cutoff) {
      try {
        renameSync(trash, path);
      } catch {
        // A run stored the same content again meanwhile (a folder cannot be replaced): that copy stays.
        rmSync(trash, { recursive: true, force: true });
      }
      return undefined;
    }
    return trash;
  }

  /**
   * Drops the index rows of removed artifacts, unless something recorded them again
   * meanwhile. Best effort: on a full disk the rows stay (they name no file and nothing
   * names them, so they are harmless) and a later gc drops them.
   */
  private forgetIndexRows(hashes: string[]): void {
    const guards = this.referencingColumns().map(({ table, column }) => `NOT EXISTS (SELECT 1 FROM "${table}" WHERE "${column}" = artifacts.hash)`);
    const drop = this.db.prepare<[string]>(`DELETE FROM artifacts WHERE hash = ?${guards.map((guard) => ` AND ${guard}`).join('')}`);
    // Rows left by earlier runs of gc that could not write, or by a hand-deleted file.
    const orphanRows = this.db
      .prepare<[], { hash: string }>(`SELECT hash FROM artifacts${guards.length > 0 ? ` WHERE ${guards.join(' AND ')}` : ''}`)
      .all()
      .map((row) => row.hash)
      .filter((hash) => !this.artifacts.has(hash));
    const roots = this.roots();
    try {
      this.db
        .transaction(() => {
          for (const hash of new Set([...hashes, ...orphanRows])) if (!roots.has(hash) && !this.artifacts.has(hash)) drop.run(hash);
        })
        .immediate();
    } catch (error) {
      if (!isWriteFailure(error)) throw error;
    }
  }

  private sweepTemp(report: GcReport, dryRun: boolean): void {
    for (const entry of this.artifacts.tempEntries()) {
      // Names the store did not make, and entries of live processes (a run writing now), stay.
      if (entry.ownerPid === undefined || entry.ownerAlive) continue;
      const bytes = this.artifacts.sizeOnDisk(entry.path);
      if (!dryRun) this.artifacts.removeTemp(entry.path);
      report.temp.removed += 1;
      report.temp.bytes += bytes;
    }
  }
}
