import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { RunSource, RunStatus, RunTrigger } from './types.js';

/** Tag keys: letters, digits, `_`, `.`, `-` (MLflow's names without `/` and spaces, so a key is also a file name). */
export const TAG_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/;
export const MAX_TAG_VALUE = 5000;
export const MAX_NOTE = 20_000;
/** Keys MLflow reserves for its own tags (`tensorloom export-mlflow` writes them). */
const RESERVED_TAG_PREFIX = 'mlflow.';

/** Which runs to read for tracking: one experiment, or every run; child runs (tune trials) only when asked. */
export interface TrackedRunFilter {
  experiment?: string;
  /** Include runs started by another run (a tune node's trials). Default false. */
  children?: boolean;
  /** At most this many, newest first; all when left out. */
  limit?: number;
}

/** One run with everything the tracking views compare, read in bulk. */
export interface TrackedRunRow {
  id: string;
  experiment: string;
  pipelineName: string;
  pipelineHash: string;
  pipelinePath: string | null;
  pipelineJson: string;
  status: RunStatus;
  trigger: RunTrigger | null;
  backend: string | null;
  startedAt: number;
  finishedAt: number | null;
  until: string | null;
  error: string | null;
  note: string | null;
  parentRunId: string | null;
  environment: Record<string, unknown> | null;
  tags: Record<string, string>;
  /** The run's nodes in the order the engine recorded them, with their type and params (null when not recorded). */
  nodes: { id: string; type: string | null; status: string; params: Record<string, unknown> | null }[];
  /** node → metric → last value (NaN kept). */
  metrics: Record<string, Record<string, number>>;
  /** node → port → artifact hash. */
  outputs: Record<string, Record<string, string>>;
}

/** One recorded metric point, for exports that keep every value with its time. */
export interface MetricPoint {
  nodeId: string;
  name: string;
  step: number | null;
  value: number;
  time: number;
}

interface RunRow {
  id: string;
  experiment: string;
  pipeline_name: string;
  pipeline_hash: string;
  pipeline_path: string | null;
  pipeline_json: string;
  status: string;
  trigger: string | null;
  backend: string | null;
  started_at: number;
  finished_at: number | null;
  until_node: string | null;
  error: string | null;
  note: string | null;
  parent_run_id: string | null;
  environment_json: string | null;
}

const RUN_COLUMNS = `id, coalesce(experiment, pipeline_name) AS experiment, pipeline_name, pipeline_hash, pipeline_path, pipeline_json, status, trigger,
  backend, started_at, finished_at, until_node, error, note, parent_run_id, environment_json`;

/**
 * Experiment tracking in the store: tags, notes, the environment and source files of a run,
 * and the bulk reads behind `tensorloom runs`, `compare` and `export-mlflow`. Run ids are
 * passed to SQLite as one JSON array (`json_each`), so a read is a few statements however
 * many runs it covers.
 */
export class RunTracking {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      exists: db.prepare<[string], { id: string }>('SELECT id FROM runs WHERE id = ?'),
      setTag: db.prepare<[string, string, string, number]>(`
        INSERT INTO run_tags (run_id, key, value, time) VALUES (?, ?, ?, ?)
        ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, time = excluded.time`),
      deleteTag: db.prepare<[string, string]>('DELETE FROM run_tags WHERE run_id = ? AND key = ?'),
      tags: db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key'),
      setNote: db.prepare<[string | null, string]>('UPDATE runs SET note = ? WHERE id = ?'),
      setEnvironment: db.prepare<[string, string]>('UPDATE runs SET environment_json = ? WHERE id = ?'),
      source: db.prepare<[string, string, string, string, number]>(`
        INSERT INTO run_sources (run_id, node_id, path, hash, size) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, node_id, path) DO UPDATE SET hash = excluded.hash, size = excluded.size`),
      sources: db.prepare<[string], { node_id: string; path: string; hash: string; size: number }>(
        'SELECT node_id, path, hash, size FROM run_sources WHERE run_id = ? ORDER BY node_id, path',
      ),
      runs: db.prepare<[string], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id IN (SELECT value FROM json_each(?))`),
      ids: db.prepare<{ experiment: string | null; children: number; limit: number }, { id: string }>(`
        SELECT id FROM runs
        WHERE (@experiment IS NULL OR coalesce(experiment, pipeline_name) = @experiment)
          AND (@children OR parent_run_id IS NULL)
        ORDER BY started_at DESC, id DESC LIMIT @limit`),
      experiments: db.prepare<[], { experiment: string; runs: number; last_started_at: number }>(`
        SELECT coalesce(experiment, pipeline_name) AS experiment, count(*) AS runs, max(started_at) AS last_started_at
        FROM runs WHERE parent_run_id IS NULL GROUP BY 1 ORDER BY last_started_at DESC`),
      allTags: db.prepare<[string], { run_id: string; key: string; value: string }>(
        'SELECT run_id, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, key',
      ),
      nodes: db.prepare<[string], { run_id: string; node_id: string; node_type: string | null; status: string; params_json: string | null }>(
        'SELECT run_id, node_id, node_type, status, params_json FROM node_executions WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, seq',
      ),
      lastMetrics: db.prepare<[string], { run_id: string; node_id: string; name: string; value: number | null }>(`
        SELECT run_id, node_id, name, value FROM metrics
        WHERE id IN (SELECT max(id) FROM metrics WHERE run_id IN (SELECT value FROM json_each(?)) GROUP BY run_id, node_id, name)
        ORDER BY id`),
      outputs: db.prepare<[string], { run_id: string; node_id: string; port: string; hash: string }>(
        'SELECT run_id, node_id, port, hash FROM run_outputs WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, node_id, port',
      ),
      metricPoints: db.prepare<[string], { node_id: string; name: string; step: number | null; value: number | null; time: number }>(
        'SELECT node_id, name, step, value, time FROM metrics WHERE run_id = ? ORDER BY id',
      ),
    };
  }

  /**
   * Sets tags (a value) and removes them (null) in one transaction. Keys and values are
   * checked first: a bad one is refused, naming the run and the key, and nothing changes.
   */
  setTags(runId: string, tags: Readonly<Record<string, string | null>>): Record<string, string> {
    this.requireRun(runId);
    for (const [key, value] of Object.entries(tags)) checkTag(runId, key, value);
    const now = Date.now();
    this.db
      .transaction(() => {
        for (const [key, value] of Object.entries(tags)) {
          if (value === null) this.statements.deleteTag.run(runId, key);
          else this.statements.setTag.run(runId, key, value, now);
        }
      })
      .immediate();
    return this.tags(runId);
  }

  tags(runId: string): Record<string, string> {
    return Object.fromEntries(this.statements.tags.all(runId).map((row) => [row.key, row.value]));
  }

  /** Sets the run's note; null or blank removes it. */
  setNote(runId: string, note: string | null): string | null {
    const text = note === null || note.trim() === '' ? null : note;
    if (text !== null && text.length > MAX_NOTE) throw new StoreError('invalid-input', `note for run ${runId}: at most ${MAX_NOTE} characters (got ${text.length})`);
    if (this.statements.setNote.run(text, runId).changes === 0) throw unknownRun(runId);
    return text;
  }

  setEnvironment(runId: string, environment: Record<string, unknown>): void {
    if (this.statements.setEnvironment.run(JSON.stringify(environment), runId).changes === 0) throw unknownRun(runId);
  }

  recordSources(runId: string, nodeId: string, sources: readonly Omit<RunSource, 'nodeId'>[]): void {
    if (sources.length === 0) return;
    this.db.transaction(() => {
      for (const source of sources) this.statements.source.run(runId, nodeId, source.path, source.hash, source.size);
    })();
  }

  sources(runId: string): RunSource[] {
    return this.statements.sources.all(runId).map((row) => ({ nodeId: row.node_id, path: row.path, hash: row.hash, size: row.size }));
  }

  /** Run ids newest first, by experiment; top-level runs unless `children`. */
  runIds(filter: TrackedRunFilter = {}): string[] {
    const limit = filter.limit === undefined ? -1 : Math.max(0, Math.floor(filter.limit));
    return this.statements.ids.all({ experiment: filter.experiment ?? null, children: filter.children ? 1 : 0, limit }).map((row) => row.id);
  }

  /** Experiments with how many top-level runs each has, the most recently used first. */
  experiments(): { name: string; runs: number; lastStartedAt: number }[] {
    return this.statements.experiments.all().map((row) => ({ name: row.experiment, runs: row.runs, lastStartedAt: row.last_started_at }));
  }

  /** The runs with these ids (unknown ids are left out), in the order given. */
  trackedRuns(ids: readonly string[]): TrackedRunRow[] {
    if (ids.length === 0) return [];
    const list = JSON.stringify(ids);
    const byId = new Map<string, TrackedRunRow>();
    for (const row of this.statements.runs.all(list)) byId.set(row.id, rowOf(row));
    for (const tag of this.statements.allTags.all(list)) {
      const run = byId.get(tag.run_id);
      if (run) run.tags[tag.key] = tag.value;
    }
    for (const node of this.statements.nodes.all(list)) {
      byId.get(node.run_id)?.nodes.push({
        id: node.node_id,
        type: node.node_type,
        status: node.status,
        params: node.params_json === null ? null : (JSON.parse(node.params_json) as Record<string, unknown>),
      });
    }
    for (const metric of this.statements.lastMetrics.all(list)) {
      const run = byId.get(metric.run_id);
      if (run) (run.metrics[metric.node_id] ??= {})[metric.name] = metric.value ?? Number.NaN;
    }
    for (const output of this.statements.outputs.all(list)) {
      const run = byId.get(output.run_id);
      if (run) (run.outputs[output.node_id] ??= {})[output.port] = output.hash;
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Every metric point of a run in the order recorded (NaN kept), with its time. */
  metricPoints(runId: string): MetricPoint[] {
    return this.statements.metricPoints
      .all(runId)
      .map((row) => ({ nodeId: row.node_id, name: row.name, step: row.step, value: row.value ?? Number.NaN, time: row.time }));
  }

  private requireRun(runId: string): void {
    if (this.statements.exists.get(runId) === undefined) throw unknownRun(runId);
  }
}

function rowOf(row: RunRow): TrackedRunRow {
  return {
    id: row.id,
    experiment: row.experiment,
    pipelineName: row.pipeline_name,
    pipelineHash: row.pipeline_hash,
    pipelinePath: row.pipeline_path,
    pipelineJson: row.pipeline_json,
    status: row.status as RunStatus,
    trigger: row.trigger,
    backend: row.backend,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    until: row.until_node,
    error: row.error,
    note: row.note,
    parentRunId: row.parent_run_id,
    environment: row.environment_json === null ? null : (JSON.parse(row.environment_json) as Record<string, unknown>),
    tags: {},
    nodes: [],
    metrics: {},
    outputs: {},
  };
}

function checkTag(runId: string, key: string, value: string | null): void {
  if (!TAG_KEY_PATTERN.test(key)) {
    throw new StoreError(
      'invalid-input',
      `tag '${key}' on run ${runId}: a key is 1 to 250 letters, digits, '_', '.' or '-' (not starting with '.' or '-')`,
    );
  }
  if (key.startsWith(RESERVED_TAG_PREFIX)) throw new StoreError('invalid-input', `tag '${key}' on run ${runId}: keys starting with '${RESERVED_TAG_PREFIX}' are MLflow's own`);
  if (value !== null && value.length > MAX_TAG_VALUE) {
    throw new StoreError('invalid-input', `tag '${key}' on run ${runId}: a value is at most ${MAX_TAG_VALUE} characters (got ${value.length})`);
  }
}

function unknownRun(runId: string): StoreError {
  return new StoreError('unknown-run', `no run '${runId}' in this workspace`);
}
