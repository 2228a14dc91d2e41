import type Database from 'better-sqlite3';
import type { LogLevel } from '../base/context.js';
import type { PortType } from '../base/ports.js';
import type { ArtifactStore } from './artifact-store.js';
import { NODE_STATUSES } from './types.js';
import type { ArtifactLineage, LogEntry, NodeExecutionDetail, NodeStatus, RunDetail, RunStatus, RunSummary, SeriesPoint } from './types.js';

interface RunRow {
  id: string;
  pipeline_name: string;
  pipeline_hash: string;
  pipeline_path: string | null;
  pipeline_json: string;
  until_node: string | null;
  overrides_json: string;
  status: string;
  backend: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
  pid: number;
  host: string;
  experiment: string;
  trigger: string | null;
  parent_run_id: string | null;
}

/** The columns only a run's detail reads. */
interface DetailRow extends RunRow {
  parent_node_id: string | null;
  environment_json: string | null;
  note: string | null;
}

interface NodeRow {
  node_id: string;
  node_type: string | null;
  status: string;
  cached: number;
  cache_key: string | null;
  params_json: string | null;
  started_at: number | null;
  finished_at: number | null;
  ms: number | null;
  error: string | null;
}

// Runs recorded before experiments existed (schema 3) have none: theirs is the pipeline's name.
const SUMMARY_COLUMNS =
  'id, pipeline_name, pipeline_hash, pipeline_path, until_node, status, backend, error, started_at, finished_at, pid, host, coalesce(experiment, pipeline_name) AS experiment, trigger, parent_run_id';

export const DEFAULT_RUN_LIMIT = 100;

/** Reads runs back for the CLI, the API and the UI. */
export class RunQueries {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly artifacts: ArtifactStore,
  ) {
    this.statements = {
      listRuns: db.prepare<[number], Omit<RunRow, 'pipeline_json' | 'overrides_json'>>(
        `SELECT ${SUMMARY_COLUMNS} FROM runs ORDER BY started_at DESC, id DESC LIMIT ?`,
      ),
      countsForRuns: db.prepare<[number], { run_id: string; status: string; count: number }>(`
        SELECT run_id, status, count(*) AS count FROM node_executions
        WHERE run_id IN (SELECT id FROM runs ORDER BY started_at DESC, id DESC LIMIT ?)
        GROUP BY run_id, status`),
      run: db.prepare<[string], DetailRow>(`SELECT ${SUMMARY_COLUMNS}, pipeline_json, overrides_json, parent_node_id, environment_json, note FROM runs WHERE id = ?`),
      tags: db.prepare<[string], { key: string; value: string }>('SELECT key, value FROM run_tags WHERE run_id = ? ORDER BY key'),
      sources: db.prepare<[string], { node_id: string; path: string; hash: string; size: number }>(
        'SELECT node_id, path, hash, size FROM run_sources WHERE run_id = ? ORDER BY node_id, path',
      ),
      nodes: db.prepare<[string], NodeRow>('SELECT * FROM node_executions WHERE run_id = ? ORDER BY seq'),
      outputs: db.prepare<[string], { node_id: string; port: string; hash: string; type: string; size: number }>(`
        SELECT o.node_id, o.port, o.hash, o.type, a.size FROM run_outputs o JOIN artifacts a ON a.hash = o.hash
        WHERE o.run_id = ? ORDER BY o.node_id, o.port`),
      attachments: db.prepare<[string], { node_id: string; name: string; hash: string; kind: 'file' | 'dir'; size: number }>(`
        SELECT t.node_id, t.name, t.hash, a.kind, a.size FROM attachments t JOIN artifacts a ON a.hash = t.hash
        WHERE t.run_id = ? ORDER BY t.node_id, t.name`),
      lastMetrics: db.prepare<[string], { node_id: string; name: string; value: number | null }>(`
        SELECT node_id, name, value FROM metrics
        WHERE id IN (SELECT max(id) FROM metrics WHERE run_id = ? GROUP BY node_id, name)
        ORDER BY id`),
      series: db.prepare<[string], { node_id: string; name: string; step: number; value: number | null }>(
        'SELECT node_id, name, step, value FROM metrics WHERE run_id = ? AND step IS NOT NULL ORDER BY node_id, name, step, id',
      ),
      logs: db.prepare<[string], { time: number; node_id: string | null; level: string; message: string }>(
        'SELECT time, node_id, level, message FROM logs WHERE run_id = ? ORDER BY id',
      ),
      // The execution that computed it comes first; runs that reused it from the cache after it.
      producer: db.prepare<[string], { run_id: string; node_id: string; port: string; pipeline_name: string; pipeline_hash: string; pipeline_json: string }>(`
        SELECT o.run_id, o.node_id, o.port, r.pipeline_name, r.pipeline_hash, r.pipeline_json
        FROM run_outputs o JOIN runs r ON r.id = o.run_id JOIN node_executions n ON n.run_id = o.run_id AND n.node_id = o.node_id
        WHERE o.hash = ? ORDER BY n.cached ASC, r.started_at DESC, r.id DESC LIMIT 1`),
      nodeOutputs: db.prepare<[string, string], { hash: string }>('SELECT hash FROM run_outputs WHERE run_id = ? AND node_id = ? ORDER BY port'),
    };
  }

  /** Newest first. */
  listRuns(options: { limit?: number } = {}): RunSummary[] {
    const limit = Math.max(0, Math.floor(options.limit ?? DEFAULT_RUN_LIMIT));
    const counts = new Map<string, Record<NodeStatus, number>>();
    for (const row of this.statements.countsForRuns.all(limit)) {
      const forRun = counts.get(row.run_id) ?? zeroCounts();
      forRun[row.status as NodeStatus] = row.count;
      counts.set(row.run_id, forRun);
    }
    return this.statements.listRuns.all(limit).map((row) => summaryOf(row, counts.get(row.id) ?? zeroCounts()));
  }

  getRun(runId: string): RunDetail | undefined {
    const row = this.statements.run.get(runId);
    if (row === undefined) return undefined;

    const nodes: Record<string, NodeExecutionDetail> = {};
    const counts = zeroCounts();
    for (const node of this.statements.nodes.all(runId)) {
      counts[node.status as NodeStatus] += 1;
      nodes[node.node_id] = {
        type: node.node_type,
        status: node.status as NodeStatus,
        cached: node.cached === 1,
        cacheKey: node.cache_key,
        ms: node.ms,
        error: node.error,
        startedAt: node.started_at,
        finishedAt: node.finished_at,
        params: node.params_json === null ? null : (JSON.parse(node.params_json) as unknown),
        outputs: {},
        attachments: {},
      };
    }
    for (const output of this.statements.outputs.all(runId)) {
      const node = nodes[output.node_id];
      if (node) node.outputs[output.port] = { hash: output.hash, type: output.type as PortType, size: output.size };
    }
    for (const attachment of this.statements.attachments.all(runId)) {
      const node = nodes[attachment.node_id];
      if (node) {
        node.attachments[attachment.name] = { hash: attachment.hash, size: attachment.size, kind: attachment.kind, path: this.artifacts.pathOf(attachment.hash) };
      }
    }

    const metrics: RunDetail['metrics'] = {};
    for (const metric of this.statements.lastMetrics.all(runId)) {
      (metrics[metric.node_id] ??= {})[metric.name] = metric.value ?? Number.NaN;
    }
    const series: RunDetail['series'] = {};
    for (const point of this.statements.series.all(runId)) {
      const forNode = (series[point.node_id] ??= {});
      const points: SeriesPoint[] = (forNode[point.name] ??= []);
      const value = point.value ?? Number.NaN;
      // A step recorded twice keeps its last value.
      const last = points[points.length - 1];
      if (last !== undefined && last.step === point.step) last.value = value;
      else points.push({ step: point.step, value });
    }
    const logs: LogEntry[] = this.statements.logs
      .all(runId)
      .map((log) => ({ time: log.time, nodeId: log.node_id, level: log.level as LogLevel, message: log.message }));

    return {
      ...summaryOf(row, counts),
      pipelineJson: row.pipeline_json,
      overrides: JSON.parse(row.overrides_json) as Record<string, unknown>,
      nodes,
      metrics,
      series,
      logs,
      parentNodeId: row.parent_node_id,
      environment: row.environment_json === null ? null : (JSON.parse(row.environment_json) as Record<string, unknown>),
      tags: Object.fromEntries(this.statements.tags.all(runId).map((tag) => [tag.key, tag.value])),
      note: row.note,
      sources: this.statements.sources.all(runId).map((source) => ({ nodeId: source.node_id, path: source.path, hash: source.hash, size: source.size })),
    };
  }

  /**
   * The run and node that produced the artifact `hash` (the one that computed it rather
   * than reused it from the cache, the latest such), with the pipeline's hash and the
   * hashes of the data sources behind it; undefined when no run in this workspace output it.
   */
  artifactLineage(hash: string): ArtifactLineage | undefined {
    const row = this.statements.producer.get(hash);
    if (row === undefined) return undefined;
    const dataHashes = new Set<string>();
    for (const source of upstreamSources(row.pipeline_json, row.node_id)) {
      for (const output of this.statements.nodeOutputs.all(row.run_id, source)) dataHashes.add(output.hash);
    }
    return {
      runId: row.run_id,
      nodeId: row.node_id,
      port: row.port,
      pipelineName: row.pipeline_name,
      pipelineHash: row.pipeline_hash,
      dataHashes: [...dataHashes].sort(),
    };
  }
}

/** The `data.*` nodes without inputs that `nodeId` depends on, from the pipeline document a run stored. */
function upstreamSources(pipelineJson: string, nodeId: string): string[] {
  const doc = JSON.parse(pipelineJson) as { nodes?: { id: string; type: string }[]; edges?: { from: string; to: string }[] };
  // Node ids cannot contain '.', so the part before the first '.' of an edge end is the node.
  const nodeOf = (end: string) => end.slice(0, end.indexOf('.'));
  const inputsOf = new Map<string, string[]>();
  for (const edge of doc.edges ?? []) {
    const list = inputsOf.get(nodeOf(edge.to)) ?? [];
    list.push(nodeOf(edge.from));
    inputsOf.set(nodeOf(edge.to), list);
  }
  const types = new Map((doc.nodes ?? []).map((node) => [node.id, node.type]));
  const seen = new Set<string>();
  const pending = [nodeId];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(inputsOf.get(id) ?? []));
  }
  return [...seen].filter((id) => types.get(id)?.startsWith('data.') && !inputsOf.has(id)).sort();
}

function zeroCounts(): Record<NodeStatus, number> {
  return Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as Record<NodeStatus, number>;
}

function summaryOf(row: Omit<RunRow, 'pipeline_json' | 'overrides_json'>, nodeCounts: Record<NodeStatus, number>): RunSummary {
  return {
    id: row.id,
    pipelineName: row.pipeline_name,
    pipelineHash: row.pipeline_hash,
    pipelinePath: row.pipeline_path,
    status: row.status as RunStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    until: row.until_node,
    backend: row.backend,
    error: row.error,
    host: row.host,
    pid: row.pid,
    nodeCounts,
    experiment: row.experiment,
    trigger: row.trigger,
    parentRunId: row.parent_run_id,
  };
}
