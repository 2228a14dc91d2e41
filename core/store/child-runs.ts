import Database from 'better-sqlite3';
import type { TrialRecord } from '../base/context.js';
import { StoreError } from './errors.js';
import { newRunId } from './run-id.js';

/** A child run as the trials view reads it: one trial of a search node. */
export interface ChildRun {
  id: string;
  parentRunId: string;
  parentNodeId: string;
  /** The trial's number in its search (the run's `trial` tag). */
  trial: number | null;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  backend: string | null;
  error: string | null;
  /** The node type the trial trained as (train.dense) and its full params. */
  nodeType: string | null;
  params: Record<string, unknown> | null;
  /** `node.param` → value for the params the search varied (the run's overrides). */
  overrides: Record<string, unknown>;
  /** Final values (NaN kept as NaN). */
  metrics: Record<string, number>;
}

interface ChildRow {
  id: string;
  parent_run_id: string;
  parent_node_id: string;
  status: string;
  started_at: number;
  finished_at: number | null;
  backend: string | null;
  error: string | null;
  overrides_json: string;
  node_type: string | null;
  params_json: string | null;
  trial: number | null;
}

/** The tag that numbers a child run among its search's trials. */
export const TRIAL_TAG = 'trial';

/**
 * Child runs: each trial of a search node (train.tune) is a run of its own, linked to the
 * run and node that searched (`runs.parent_run_id`, `parent_node_id`), so its params and
 * metrics are found, listed and compared like any run's. A child run is written whole, in
 * one transaction, once its trial has ended: it is never 'running', so no crash sweep has
 * to settle it. It shares its parent's pipeline, experiment, trigger, environment and
 * process, and holds one node execution (the parent's node id, the type the trial trained
 * as, its params) with the trial's metrics under that node id, and a `trial` tag with the
 * trial's number.
 */
export class ChildRuns {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insertRun: db.prepare<[Record<string, unknown>]>(`
        INSERT INTO runs (id, pipeline_name, pipeline_hash, pipeline_path, pipeline_json, until_node, overrides_json, status, backend, error,
                          started_at, finished_at, pid, host, boot_id, process_start, experiment, trigger, environment_json, parent_run_id, parent_node_id)
        SELECT @id, pipeline_name, pipeline_hash, pipeline_path, pipeline_json, NULL, @overrides, @status, coalesce(@backend, backend), @error,
               @startedAt, @finishedAt, pid, host, boot_id, process_start, experiment, trigger, environment_json, id, @nodeId
        FROM runs WHERE id = @parent`),
      insertNode: db.prepare<[Record<string, unknown>]>(`
        INSERT INTO node_executions (run_id, node_id, node_type, status, cached, params_json, started_at, finished_at, ms, error)
        VALUES (@id, @nodeId, @nodeType, @status, 0, @params, @startedAt, @finishedAt, @ms, @error)`),
      insertMetric: db.prepare<[string, string, string, number | null, number]>('INSERT INTO metrics (run_id, node_id, name, step, value, time) VALUES (?, ?, ?, NULL, ?, ?)'),
      insertTag: db.prepare<[string, string, string, number]>('INSERT INTO run_tags (run_id, key, value, time) VALUES (?, ?, ?, ?)'),
      children: db.prepare<[string, string | null, string | null], ChildRow>(`
        SELECT r.id, r.parent_run_id, r.parent_node_id, r.status, r.started_at, r.finished_at, r.backend, r.error, r.overrides_json,
               n.node_type, n.params_json, CAST(t.value AS INTEGER) AS trial
        FROM runs r
        LEFT JOIN node_executions n ON n.run_id = r.id AND n.node_id = r.parent_node_id
        LEFT JOIN run_tags t ON t.run_id = r.id AND t.key = '${TRIAL_TAG}'
        WHERE r.parent_run_id = ? AND (? IS NULL OR r.parent_node_id = ?)
        ORDER BY r.parent_node_id, trial, r.started_at, r.id`),
      metrics: db.prepare<[string], { name: string; value: number | null }>('SELECT name, value FROM metrics WHERE run_id = ? AND step IS NULL ORDER BY id'),
    };
  }

  /** Records a finished trial of node `nodeId` of run `parentRunId`; returns the child run's id. */
  record(parentRunId: string, nodeId: string, trial: TrialRecord): string {
    const overrides = JSON.stringify(Object.fromEntries(trial.searched.map((name) => [`${nodeId}.${name}`, trial.params[name] ?? null])));
    const params = JSON.stringify(trial.params);
    const fields = {
      parent: parentRunId,
      nodeId,
      nodeType: trial.nodeType,
      overrides,
      params,
      status: trial.status,
      backend: trial.backend ?? null,
      error: trial.error ?? null,
      startedAt: trial.startedAt,
      finishedAt: trial.finishedAt,
      ms: Math.max(0, trial.finishedAt - trial.startedAt),
    };
    for (let attempt = 0; ; attempt += 1) {
      const id = newRunId(new Date(trial.startedAt));
      try {
        this.db
          .transaction(() => {
            if (this.statements.insertRun.run({ ...fields, id }).changes === 0) throw new StoreError('unknown-run', `no run '${parentRunId}' in this workspace to record trial ${trial.trial} under`);
            this.statements.insertNode.run({ ...fields, id });
            const now = Date.now();
            for (const [name, value] of Object.entries(trial.metrics)) this.statements.insertMetric.run(id, nodeId, name, Number.isNaN(value) ? null : value, now);
            this.statements.insertTag.run(id, TRIAL_TAG, String(trial.trial), now);
          })
          .immediate();
        return id;
      } catch (error) {
        // Two trials started in the same second drew the same suffix: draw again.
        if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 20) continue;
        throw error;
      }
    }
  }

  /** The child runs of a run (of one of its nodes, when given), oldest first. */
  list(parentRunId: string, nodeId?: string): ChildRun[] {
    const node = nodeId ?? null;
    return this.statements.children.all(parentRunId, node, node).map((row) => ({
      id: row.id,
      parentRunId: row.parent_run_id,
      parentNodeId: row.parent_node_id,
      trial: row.trial,
      status: row.status,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      backend: row.backend,
      error: row.error,
      nodeType: row.node_type,
      params: row.params_json === null ? null : (JSON.parse(row.params_json) as Record<string, unknown>),
      overrides: JSON.parse(row.overrides_json) as Record<string, unknown>,
      metrics: Object.fromEntries(this.statements.metrics.all(row.id).map((metric) => [metric.name, metric.value ?? NaN])),
    }));
  }
}
