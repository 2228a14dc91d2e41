import Database from 'better-sqlite3';
import type { LogLevel } from '../base/context.js';
import type { ArtifactIndex } from './artifact-index.js';
import { StoreError } from './errors.js';
import { currentOwner, ownerState } from './process-owner.js';
import { newRunId } from './run-id.js';
import type { ArtifactRef, CreateRunInput, NodeExecutionFields, OutputRecords, RunStatus } from './types.js';

/**
 * Everything a run writes while it executes: the run row, node executions, outputs,
 * attachments, metrics and logs. Each call is one small prepared statement (or one short
 * transaction), committed at once: a process killed at any moment leaves every finished
 * call in the database and nothing half-written, and other processes see progress live.
 */
export class RunRecords {
  private readonly statements;

  constructor(
    private readonly db: Database.Database,
    private readonly index: ArtifactIndex,
  ) {
    this.statements = {
      insertRun: db.prepare<[Record<string, unknown>]>(`
        INSERT INTO runs (id, pipeline_name, pipeline_hash, pipeline_path, pipeline_json, until_node, overrides_json,
                          status, started_at, pid, host, boot_id, process_start,
                          experiment, trigger, environment_json, parent_run_id, parent_node_id)
        VALUES (@id, @pipelineName, @pipelineHash, @pipelinePath, @pipelineJson, @until, @overrides,
                'running', @startedAt, @pid, @host, @bootId, @processStart,
                @experiment, @trigger, @environment, @parentRunId, @parentNodeId)`),
      setBackend: db.prepare<[string, string]>('UPDATE runs SET backend = ? WHERE id = ?'),
      // An experiment that only followed the old name (the default) follows the new one; one chosen by the user stays.
      linkToPipeline: db.prepare<[{ path: string; name: string; id: string }]>(`
        UPDATE runs SET pipeline_path = @path, pipeline_name = @name,
          experiment = CASE WHEN experiment IS NULL OR experiment = pipeline_name THEN @name ELSE experiment END
        WHERE id = @id AND pipeline_path IS NULL`),
      finishRun: db.prepare<[string, number, string | null, string]>('UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE id = ?'),
      // Nodes whose final state could not be written (a full disk) must not stay 'running' in a finished run.
      settleNodes: db.prepare<[number, string]>(
        `UPDATE node_executions SET status = 'interrupted', finished_at = coalesce(finished_at, ?) WHERE run_id = ? AND status IN ('running', 'queued')`,
      ),
      upsertNode: db.prepare<[Record<string, unknown>]>(`
        INSERT INTO node_executions (run_id, node_id, node_type, status, cached, cache_key, params_json, started_at, finished_at, ms, error)
        VALUES (@runId, @nodeId, @nodeType, coalesce(@status, 'idle'), coalesce(@cached, 0), @cacheKey, @params,
                @startedAt, @finishedAt, @ms, @error)
        ON CONFLICT (run_id, node_id) DO UPDATE SET
          node_type   = coalesce(@nodeType, node_type),
          status      = coalesce(@status, status),
          cached      = coalesce(@cached, cached),
          cache_key   = coalesce(@cacheKey, cache_key),
          params_json = coalesce(@params, params_json),
          started_at  = coalesce(@startedAt, started_at),
          finished_at = coalesce(@finishedAt, finished_at),
          ms          = coalesce(@ms, ms),
          error       = CASE WHEN @setError THEN @error ELSE error END`),
      ensureNode: db.prepare<[string, string]>(`INSERT INTO node_executions (run_id, node_id, status) VALUES (?, ?, 'idle') ON CONFLICT DO NOTHING`),
      upsertOutput: db.prepare<[string, string, string, string, string]>(`
        INSERT INTO run_outputs (run_id, node_id, port, hash, type) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, node_id, port) DO UPDATE SET hash = excluded.hash, type = excluded.type`),
      upsertAttachment: db.prepare<[string, string, string, string]>(`
        INSERT INTO attachments (run_id, node_id, name, hash) VALUES (?, ?, ?, ?)
        ON CONFLICT (run_id, node_id, name) DO UPDATE SET hash = excluded.hash`),
      insertMetric: db.prepare<[string, string, string, number | null, number | null, number]>(
        'INSERT INTO metrics (run_id, node_id, name, step, value, time) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertLog: db.prepare<[string, string | null, string, string, number]>('INSERT INTO logs (run_id, node_id, level, message, time) VALUES (?, ?, ?, ?, ?)'),
      runningRuns: db.prepare<[], { id: string; pid: number; host: string; boot_id: string | null; process_start: string | null }>(
        `SELECT id, pid, host, boot_id, process_start FROM runs WHERE status = 'running'`,
      ),
      interruptRun: db.prepare<[number, string, string]>(`UPDATE runs SET status = 'interrupted', finished_at = ?, error = ? WHERE id = ? AND status = 'running'`),
      interruptNodes: db.prepare<[number, string]>(
        `UPDATE node_executions SET status = 'interrupted', finished_at = coalesce(finished_at, ?) WHERE run_id = ? AND status IN ('running', 'queued')`,
      ),
    };
  }

  createRun(input: CreateRunInput): string {
    const owner = currentOwner();
    const overrides = JSON.stringify(input.overrides ?? {});
    for (let attempt = 0; ; attempt += 1) {
      const startedAt = Date.now();
      const id = newRunId(new Date(startedAt));
      try {
        this.statements.insertRun.run({
          id,
          pipelineName: input.pipelineName,
          pipelineHash: input.pipelineHash,
          pipelinePath: input.pipelinePath,
          pipelineJson: input.pipelineJson,
          until: input.until,
          overrides,
          startedAt,
          pid: owner.pid,
          host: owner.host,
          bootId: owner.bootId,
          processStart: owner.processStart,
          experiment: input.experiment ?? input.pipelineName,
          trigger: input.trigger ?? null,
          environment: input.environment === undefined ? null : JSON.stringify(input.environment),
          parentRunId: input.parentRunId ?? null,
          parentNodeId: input.parentNodeId ?? null,
        });
        return id;
      } catch (error) {
        // Two runs started in the same second drew the same suffix: draw again.
        if (isConstraint(error, 'SQLITE_CONSTRAINT_PRIMARYKEY') && attempt < 20) continue;
        throw error;
      }
    }
  }

  setRunBackend(runId: string, backend: string): void {
    if (this.statements.setBackend.run(backend, runId).changes === 0) throw unknownRun(runId);
  }

  /** Files runs of a pipeline that had no file yet under the file it was first saved as; returns how many changed. */
  linkRunsToPipeline(runIds: readonly string[], pipelinePath: string, pipelineName: string): number {
    return this.db.transaction(() => runIds.reduce((count, id) => count + this.statements.linkToPipeline.run({ path: pipelinePath, name: pipelineName, id }).changes, 0))();
  }

  finishRun(runId: string, status: Exclude<RunStatus, 'running'>, error?: string): void {
    const now = Date.now();
    this.db
      .transaction(() => {
        if (this.statements.finishRun.run(status, now, error ?? null, runId).changes === 0) throw unknownRun(runId);
        this.statements.settleNodes.run(now, runId);
      })
      .immediate();
  }

  upsertNodeExecution(runId: string, nodeId: string, fields: NodeExecutionFields): void {
    const params = fields.params === undefined ? undefined : JSON.stringify(fields.params);
    guardRun(runId, () =>
      this.statements.upsertNode.run({
        runId,
        nodeId,
        nodeType: fields.nodeType ?? null,
        status: fields.status ?? null,
        cached: fields.cached === undefined ? null : fields.cached ? 1 : 0,
        cacheKey: fields.cacheKey ?? null,
        params: params ?? null,
        startedAt: fields.startedAt ?? null,
        finishedAt: fields.finishedAt ?? null,
        ms: fields.ms ?? null,
        setError: fields.error === undefined ? 0 : 1,
        error: fields.error ?? null,
      }),
    );
  }

  recordOutputs(runId: string, nodeId: string, outputs: OutputRecords): void {
    const checked = Object.entries(outputs).map(([port, output]) => ({
      port,
      output,
      kind: this.index.requireStored(output.hash, `record output '${port}' of node '${nodeId}'`),
    }));
    const now = Date.now();
    guardRun(runId, () =>
      this.db
        .transaction(() => {
          this.statements.ensureNode.run(runId, nodeId);
          for (const { port, output, kind } of checked) {
            this.index.record(output.hash, kind, output.type, output.size, now);
            this.statements.upsertOutput.run(runId, nodeId, port, output.hash, output.type);
          }
        })
        .immediate(),
    );
  }

  attachArtifact(runId: string, nodeId: string, name: string, ref: ArtifactRef): void {
    const kind = this.index.requireStored(ref.hash, `attach '${name}' to node '${nodeId}'`);
    const now = Date.now();
    guardRun(runId, () =>
      this.db
        .transaction(() => {
          this.statements.ensureNode.run(runId, nodeId);
          this.index.record(ref.hash, kind, null, ref.size, now);
          this.statements.upsertAttachment.run(runId, nodeId, name, ref.hash);
        })
        .immediate(),
    );
  }

  /** One autocommitted insert (tens of microseconds in WAL mode), so per-epoch metrics need no batching. */
  recordMetric(runId: string, nodeId: string, name: string, value: number, step: number | null): void {
    if (step !== null && !Number.isSafeInteger(step)) {
      throw new StoreError('invalid-input', `metric '${name}' of node '${nodeId}': step must be a whole number, got ${step}`);
    }
    // SQLite stores NaN as NULL; reads turn NULL back into NaN.
    guardRun(runId, () => this.statements.insertMetric.run(runId, nodeId, name, step, Number.isNaN(value) ? null : value, Date.now()));
  }

  recordLog(runId: string, nodeId: string | null, level: LogLevel, message: string): void {
    guardRun(runId, () => this.statements.insertLog.run(runId, nodeId, level, message, Date.now()));
  }

  /**
   * Marks runs left 'running' by processes that no longer exist (or ran before the last
   * reboot) as 'interrupted', with their running and queued nodes. Runs of live processes,
   * and of other machines sharing the folder, are left alone. Returns how many were marked.
   */
  markInterruptedRuns(): number {
    const dead = this.deadRuns();
    if (dead.length === 0) return 0;
    const now = Date.now();
    return this.db
      .transaction(() => {
        let marked = 0;
        for (const run of dead) {
          if (this.statements.interruptRun.run(now, run.why, run.id).changes === 0) continue; // finished meanwhile
          this.statements.interruptNodes.run(now, run.id);
          marked += 1;
        }
        return marked;
      })
      .immediate();
  }

  /** Runs recorded as running whose process is gone, with the reason to record (reads only). */
  deadRuns(): { id: string; why: string }[] {
    return this.statements.runningRuns
      .all()
      .filter((run) => ownerState({ pid: run.pid, host: run.host, bootId: run.boot_id, processStart: run.process_start }) === 'dead')
      .map((run) => ({ id: run.id, why: `interrupted: the process that ran it (pid ${run.pid} on ${run.host}) ended before the run finished` }));
  }
}

function isConstraint(error: unknown, code: string): boolean {
  return error instanceof Database.SqliteError && error.code === code;
}

function unknownRun(runId: string): StoreError {
  return new StoreError('unknown-run', `no run '${runId}' in this workspace`);
}

/** A write for a run that does not exist fails its foreign key: say so in words. */
function guardRun<T>(runId: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (isConstraint(error, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw unknownRun(runId);
    throw error;
  }
}
