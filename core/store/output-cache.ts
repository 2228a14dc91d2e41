import type Database from 'better-sqlite3';
import type { ArtifactIndex } from './artifact-index.js';
import { isArtifactHash, type ArtifactStore } from './artifact-store.js';
import { isWriteFailure } from './errors.js';
import type { MetricReplay, OutputRecords } from './types.js';

/**
 * The engine's on-disk cache: cache key → the outputs a node produced. An entry is written
 * only after its artifact files are in place, and a lookup checks they still are (a user
 * may delete files by hand), so a hit never hands out a missing file.
 */
export class OutputCache {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly artifacts: ArtifactStore,
    private readonly index: ArtifactIndex,
  ) {
    this.statements = {
      get: db.prepare<[string], { outputs_json: string }>('SELECT outputs_json FROM cache WHERE cache_key = ?'),
      touch: db.prepare<[number, string]>('UPDATE cache SET last_used_at = ? WHERE cache_key = ?'),
      // Only the entry as read is removed, so a fresh one another process just saved survives.
      dropStale: db.prepare<[string, string]>('DELETE FROM cache WHERE cache_key = ? AND outputs_json = ?'),
      upsert: db.prepare<[string, string, string, number, number]>(`
        INSERT INTO cache (cache_key, node_type, outputs_json, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (cache_key) DO UPDATE SET
          node_type = excluded.node_type, outputs_json = excluded.outputs_json, last_used_at = excluded.last_used_at`),
      // The execution that computed the entry: not a cache hit, and preferably one that finished.
      originMetrics: db.prepare<[string], { name: string; value: number | null; step: number | null }>(`
        SELECT name, value, step FROM metrics
        WHERE (run_id, node_id) = (
          SELECT run_id, node_id FROM node_executions
          WHERE cache_key = ? AND cached = 0 AND status NOT IN ('idle', 'queued', 'cached', 'skipped')
          ORDER BY status = 'succeeded' DESC, seq DESC LIMIT 1)
        ORDER BY id`),
    };
  }

  /** The cached outputs, or undefined on a miss or when any of their artifacts is gone. */
  lookup(cacheKey: string): OutputRecords | undefined {
    const row = this.statements.get.get(cacheKey);
    if (row === undefined) return undefined;
    const outputs = parseOutputs(row.outputs_json);
    const intact =
      outputs !== undefined && Object.values(outputs).every((output: { hash?: unknown } | null) => typeof output?.hash === 'string' && isArtifactHash(output.hash) && this.artifacts.has(output.hash));
    if (!intact) {
      bestEffort(() => this.statements.dropStale.run(cacheKey, row.outputs_json));
      return undefined;
    }
    bestEffort(() => this.statements.touch.run(Date.now(), cacheKey));
    return outputs;
  }

  /** Throws a StoreError (missing-artifact) rather than record an entry whose files are not in place. */
  save(cacheKey: string, nodeType: string, outputs: OutputRecords): void {
    const checked = Object.entries(outputs).map(([port, output]) => ({
      output,
      kind: this.index.requireStored(output.hash, `cache output '${port}' of a ${nodeType} node`),
    }));
    const now = Date.now();
    this.db
      .transaction(() => {
        for (const { output, kind } of checked) this.index.record(output.hash, kind, output.type, output.size, now);
        this.statements.upsert.run(cacheKey, nodeType, JSON.stringify(outputs), now, now);
      })
      .immediate();
  }

  /** The metrics recorded by the execution that computed this entry, in order, for replay on a hit. */
  metricsFor(cacheKey: string): MetricReplay[] {
    return this.statements.originMetrics.all(cacheKey).map((row) => ({ name: row.name, value: row.value ?? Number.NaN, step: row.step }));
  }
}

/** A lookup is a read: on a full disk, its bookkeeping writes are skipped, not fatal. */
function bestEffort(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if (!isWriteFailure(error)) throw error;
  }
}

function parseOutputs(json: string): OutputRecords | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as OutputRecords) : undefined;
  } catch {
    return undefined;
  }
}
