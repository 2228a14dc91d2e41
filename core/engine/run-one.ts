/**
 * `tensorloom run --only NODE`: runs exactly one node from its inputs' artifacts, which
 * earlier steps left in the workspace's artifact store. The upstream nodes are not run:
 * their cache keys are computed exactly as a full run computes them (cache-key.ts: type,
 * version, params, input hashes, source file hashes) and looked up, so a step computes the
 * same key, and the same bytes, as the full run would.
 *
 * Two places to find upstream outputs and record the step:
 * - the workspace database (default): the engine's cache, and a run of one node;
 * - step result records (`results`): the database is never opened, the step writes
 *   `<dir>/<runId>/<node>.json` (step-results.ts). For processes on several machines that
 *   share one artifact folder; `tensorloom import-results` merges the records later.
 * Artifact writes are content-addressed and atomic either way (temp file, fsync, rename;
 * two writers of the same content both end with the same complete file).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { AttachedArtifact, LogLevel, TrialRecord } from '../base/context.js';
import { isNodeError, NodeError } from '../base/errors.js';
import { resolveInside } from '../base/paths.js';
import { ancestors } from '../graph/algorithms.js';
import type { ResolvedNode, ResolvedPipeline } from '../graph/types.js';
import { ArtifactStore, diskSpace, isWriteFailure, type OutputRecords, type WorkspaceStore } from '../store/index.js';
import { sha256File } from '../store/durable-fs.js';
import { cacheKey } from './cache-key.js';
import { answerContextCall } from './context-calls.js';
import { budgetLimit, formatBytePair, resolveDiskBudget, type DiskBudgetSetting } from './disk-budget.js';
import { runEnvironment, withBackend } from './environment.js';
import type { EngineEvent, EngineEventListener, RunOutcome } from './events.js';
import { defaultExperiment } from './experiment.js';
import { runNodeJob, ValueCache, type ContextCall, type JobReporter, type JobResult, type NodeJob, type OutputRef } from './run-node.js';
import { recordStep, STEP_RESULT_FORMAT, StepRecordIndex, stepRunDir, writeStepRecord, type StepRecord, type StepStatus } from './step-results.js';
import { WorkerPool } from './worker-pool.js';
import { workspaceRelative } from './workspace-relative.js';

export interface RunOneRequest {
  readonly pipeline: ResolvedPipeline;
  readonly pipelinePath: string | null;
  readonly pipelineDir: string;
  /** Paths that nodes read must lie inside this folder. */
  readonly workspaceRoot: string;
  readonly nodeId: string;
  /** Where upstream outputs are found and the step is recorded. */
  readonly target: { kind: 'store'; store: WorkspaceStore } | { kind: 'results'; storeDir: string; resultsDir: string; runId: string };
  readonly overrides?: Record<string, unknown>;
  readonly experiment?: string;
  readonly trigger?: string;
  readonly diskBudget?: string | DiskBudgetSetting;
  /** Run a worker node in this thread (for debugging and tests). */
  readonly inProcessOnly?: boolean;
  readonly signal?: AbortSignal;
  readonly onEvent?: EngineEventListener;
}

/** The result of `run --only`, in the shape of its `--json`. */
export interface RunOneResult {
  runId: string;
  node: string;
  status: RunOutcome;
  /** The node's result was already computed under the same key (nothing ran). */
  cached: boolean;
  cacheKey: string;
  backend: string;
  ms: number;
  /** Port → artifact id, as in `run --json`. */
  outputs: Record<string, string>;
  metrics: Record<string, number>;
  error?: string;
  /** The record written (results mode). */
  record?: string;
}

/** A request `--only` cannot run: an upstream result missing, an unknown node. */
export class RunOneError extends Error {
  override readonly name = 'RunOneError';
  constructor(
    message: string,
    readonly code: 'unknown-node' | 'missing-upstream',
    readonly missing: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Where a step finds earlier outputs. */
interface OutputSource {
  readonly artifacts: ArtifactStore;
  fileHash(path: string): Promise<string>;
  /** Outputs computed under `key`; `metrics` to replay on a hit. */
  find(node: ResolvedNode, key: string, cacheable: boolean): { outputs: OutputRecords; metrics: { name: string; value: number; step: number | null }[]; own?: boolean } | undefined;
}

function storeSource(store: WorkspaceStore): OutputSource {
  return {
    artifacts: store.artifacts,
    fileHash: (path) => store.fileHash(path),
    find(_node, key, cacheable) {
      if (!cacheable) return undefined;
      const outputs = store.lookupCache(key);
      return outputs === undefined ? undefined : { outputs, metrics: store.metricsForCacheKey(key) };
    },
  };
}

function recordSource(artifacts: ArtifactStore, resultsDir: string, runId: string): OutputSource {
  const index = new StepRecordIndex(resultsDir, runId, artifacts);
  return {
    artifacts,
    fileHash: async (path) => `sha256:${await sha256File(path)}`,
    find(node, key, cacheable) {
      const record = index.lookup(node.id, key, cacheable);
      if (record === undefined) return undefined;
      // This node's own record in this run: a retried step that had already succeeded.
      const own = record.runId === runId && record.nodeId === node.id;
      return { outputs: record.outputs, metrics: record.metrics.map((metric) => ({ ...metric, value: metric.value ?? Number.NaN })), own };
    },
  };
}

interface SourceFiles {
  hashes: Record<string, string>;
  bytes: number;
  sources: { path: string; hash: string; size: number }[];
}

/** The content hash of each file the node reads, as the executor computes them for its cache key. */
async function hashSourceFiles(node: ResolvedNode, request: RunOneRequest, source: OutputSource): Promise<SourceFiles> {
  const files: SourceFiles = { hashes: {}, bytes: 0, sources: [] };
  for (const file of node.definition.sourceFiles?.(node.params as never) ?? []) {
    const absolute = resolveInside(request.workspaceRoot, request.pipelineDir, file.path, file.param);
    if (!existsSync(absolute)) throw new NodeError(`param '${file.param}': file not found: ${file.path} (looked in ${absolute})`, { field: file.param });
    const stats = statSync(absolute);
    if (!stats.isFile()) throw new NodeError(`param '${file.param}': ${file.path} is not a file`, { field: file.param });
    const hash = await source.fileHash(absolute);
    files.hashes[file.param] = hash;
    files.bytes += stats.size;
    files.sources.push({ path: workspaceRelative(request.workspaceRoot, absolute), hash, size: stats.size });
  }
  return files;
}

const isCacheable = (node: ResolvedNode) => node.definition.cacheable?.(node.params as never) !== false;

/**
 * The outputs of every ancestor of `nodeId`, found by their cache keys without running
 * them. Throws a RunOneError naming the upstream nodes whose results are missing: those
 * whose own inputs were all found (what must run next) and, after them, the rest.
 */
async function resolveUpstream(request: RunOneRequest, source: OutputSource): Promise<Map<string, OutputRecords>> {
  const { pipeline, nodeId } = request;
  const upstream = ancestors(pipeline, nodeId);
  upstream.delete(nodeId);
  const found = new Map<string, OutputRecords>();
  const next: string[] = [];
  const later: string[] = [];
  const neverCached: string[] = [];
  for (const id of pipeline.order) {
    if (!upstream.has(id)) continue;
    const node = pipeline.nodes.get(id)!;
    const inputs = Object.entries(node.inputs).map(([port, ref]) => [port, found.get(ref.node)?.[ref.port]] as const);
    if (inputs.some(([, output]) => output === undefined)) {
      later.push(id);
      continue;
    }
    const files = await hashSourceFiles(node, request, source);
    const key = cacheKey(node.definition, node.params, Object.fromEntries(inputs.map(([port, output]) => [port, output!.hash])), files.hashes);
    const hit = source.find(node, key, isCacheable(node));
    if (hit) found.set(id, hit.outputs);
    else {
      next.push(id);
      if (!isCacheable(node) && request.target.kind === 'store') neverCached.push(id);
    }
  }
  if (next.length > 0) {
    const all = [...next, ...later];
    const quoted = (ids: readonly string[]) => ids.map((id) => `'${id}'`).join(', ');
    const where = request.target.kind === 'results' ? `among the step results of run '${request.target.runId}' with their artifact files` : "in the workspace's artifact store";
    const hint =
      neverCached.length > 0
        ? `; ${quoted(neverCached)} ${neverCached.length === 1 ? 'is' : 'are'} never cached (${neverCached.length === 1 ? 'it reads' : 'they read'} state of earlier runs), so run with --until ${nodeId} instead`
        : `; compute ${quoted(next)} first (${next.map((id) => `--only ${id}`).join(', ')}${request.target.kind === 'results' ? ' with the same --run-id' : ''}), or run with --until ${nodeId}`;
    throw new RunOneError(
      `cannot run '${nodeId}' alone: the outputs of upstream node${all.length === 1 ? '' : 's'} ${quoted(all)} are not ${where} (computed with today's params and files)${hint}`,
      'missing-upstream',
      all,
    );
  }
  return found;
}

/** Runs one node of the pipeline from its inputs' stored artifacts (see the module comment). */
export async function runOnlyNode(request: RunOneRequest): Promise<RunOneResult> {
  const { pipeline, nodeId, target } = request;
  const node = pipeline.nodes.get(nodeId);
  if (!node) throw new RunOneError(`--only ${nodeId}: the pipeline has no such node; nodes are: ${pipeline.order.join(', ')}`, 'unknown-node');
  const storeDir = target.kind === 'store' ? target.store.dir : target.storeDir;
  // Results mode opens no database: only the artifact files, which are safe to share.
  const source = target.kind === 'store' ? storeSource(target.store) : recordSource(new ArtifactStore(storeDir), target.resultsDir, target.runId);
  const found = await resolveUpstream(request, source);

  const startedAt = Date.now();
  const environment = await runEnvironment(request.workspaceRoot);
  const experiment = request.experiment ?? defaultExperiment(pipeline.doc.name, request.pipelinePath);
  const pipelineJson = JSON.stringify(pipeline.doc);
  const runId =
    target.kind === 'results'
      ? target.runId
      : target.store.createRun({
          pipelineName: pipeline.doc.name,
          pipelineHash: pipeline.hash,
          pipelinePath: request.pipelinePath,
          pipelineJson,
          until: null,
          overrides: request.overrides ?? {},
          experiment,
          trigger: request.trigger ?? 'cli',
          environment,
        });
  if (target.kind === 'store') target.store.setRunTags(runId, { 'tensorloom.only': nodeId });
  const emit = (event: EngineEvent) => {
    try {
      request.onEvent?.(event);
    } catch {
      // A listener's bug must not break the step.
    }
  };
  emit({ type: 'run.started', runId, pipeline: pipeline.doc.name, nodes: [nodeId], until: null, at: startedAt });

  const record: StepRecord = {
    format: STEP_RESULT_FORMAT,
    runId,
    pipeline: {
      name: pipeline.doc.name,
      hash: pipeline.hash,
      path: request.pipelinePath === null ? null : relative(request.workspaceRoot, request.pipelinePath).split(sep).join('/'),
      json: pipelineJson,
    },
    overrides: request.overrides ?? {},
    experiment,
    nodeId,
    nodeType: node.type,
    nodeVersion: node.definition.version,
    status: 'failed',
    cacheKey: '',
    cacheable: isCacheable(node),
    params: node.params,
    inputs: {},
    outputs: {},
    sources: [],
    metrics: [],
    logs: [],
    attachments: [],
    trials: [],
    backend: 'none',
    startedAt,
    finishedAt: startedAt,
    ms: 0,
    error: null,
    host: hostname(),
    environment: null,
  };
  const metrics: Record<string, number> = {};
  const onMetric = (name: string, value: number, step: number | null) => {
    record.metrics.push({ name, value: Number.isFinite(value) ? value : null, step });
    metrics[name] = value;
    emit({ type: 'node.metric', runId, nodeId, name, value, ...(step === null ? {} : { step }) });
  };
  const onLog = (level: LogLevel, message: string) => {
    record.logs.push({ level, message, at: Date.now() });
    emit({ type: 'node.log', runId, nodeId, level, message });
  };

  let status: StepStatus = 'failed';
  /** A retried step finding its own earlier success: that record stays as it is. */
  let ownRecord = false;
  try {
    const inputs: Record<string, OutputRef> = {};
    for (const [port, ref] of Object.entries(node.inputs)) inputs[port] = found.get(ref.node)![ref.port]!;
    record.inputs = Object.fromEntries(Object.entries(inputs).map(([port, ref]) => [port, ref.hash]));
    const files = await hashSourceFiles(node, request, source);
    record.sources = files.sources;
    record.cacheKey = cacheKey(node.definition, node.params, record.inputs, files.hashes);
    emit({ type: 'node.state', runId, nodeId, status: 'queued', cached: false, at: Date.now() });

    const hit = source.find(node, record.cacheKey, record.cacheable);
    if (hit) {
      ownRecord = hit.own === true;
      record.outputs = hit.outputs;
      for (const metric of hit.metrics) onMetric(metric.name, metric.value, metric.step);
      status = 'cached';
    } else {
      emit({ type: 'node.state', runId, nodeId, status: 'running', cached: false, at: Date.now() });
      const result = await execute(request, node, inputs, files.bytes + Object.values(inputs).reduce((sum, ref) => sum + ref.size, 0), storeDir, source.artifacts, runId, {
        onMetric,
        onLog,
        onBackend: (name) => {
          if (!record.backend.split(',').includes(name)) record.backend = record.backend === 'none' ? name : `${record.backend},${name}`;
        },
        onAttach: (artifact) => record.attachments.push({ name: artifact.name, hash: artifact.hash, size: artifact.size }),
        onTrial: (trial) => record.trials.push(trial),
      });
      if (result.ok) {
        const limit = budgetLimit(resolveBudget(request.diskBudget).budget, diskSpace(storeDir));
        if (limit !== undefined && result.written > limit) {
          const [written, allowed] = formatBytePair(result.written, limit);
          record.error = `the step wrote ${written} of artifacts, over the workspace's disk budget of ${allowed}; free space with \`tensorloom gc\` or raise the budget`;
        } else {
          record.outputs = result.outputs;
          status = 'succeeded';
        }
      } else {
        if (result.stack) onLog('error', result.stack);
        status = request.signal?.aborted ? 'cancelled' : 'failed';
        record.error = result.message;
      }
    }
  } catch (error) {
    if (error instanceof RunOneError) throw error;
    status = 'failed';
    record.error = isNodeError(error) || isWriteFailure(error) ? (error as Error).message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    if (!isNodeError(error) && error instanceof Error && error.stack) onLog('error', error.stack);
  }
  record.status = status;
  record.finishedAt = Date.now();
  record.ms = record.finishedAt - startedAt;
  record.environment = { ...(await withBackend(environment, record.backend)) };
  emit({ type: 'node.state', runId, nodeId, status, cached: status === 'cached', ms: record.ms, ...(record.error === null ? {} : { error: record.error }), at: Date.now() });

  let file: string | undefined;
  if (target.kind === 'results') file = ownRecord ? join(stepRunDir(target.resultsDir, runId), `${nodeId}.json`) : writeStepRecord(target.resultsDir, record);
  else {
    const { store } = target;
    recordStep(store, runId, record, { trials: false });
    if (record.backend !== 'none') store.setRunBackend(runId, record.backend);
    store.setRunEnvironment(runId, record.environment);
    store.finishRun(runId, status === 'cached' || status === 'succeeded' ? 'succeeded' : status === 'cancelled' ? 'cancelled' : 'failed', record.error === null ? undefined : `node failed: ${nodeId}`);
  }
  const outcome: RunOutcome = status === 'cached' || status === 'succeeded' ? 'succeeded' : status === 'cancelled' ? 'cancelled' : 'failed';
  emit({ type: 'run.finished', runId, status: outcome, ms: Date.now() - startedAt, at: Date.now() });
  return {
    runId,
    node: nodeId,
    status: outcome,
    cached: status === 'cached',
    cacheKey: record.cacheKey,
    backend: record.backend,
    ms: record.ms,
    outputs: Object.fromEntries(Object.entries(record.outputs).map(([port, output]) => [port, output.hash])),
    metrics,
    ...(record.error === null ? {} : { error: record.error }),
    ...(file === undefined ? {} : { record: file }),
  };
}

function resolveBudget(setting: RunOneRequest['diskBudget']): DiskBudgetSetting {
  return typeof setting === 'object' ? setting : resolveDiskBudget(setting);
}

interface StepReports {
  onMetric(name: string, value: number, step: number | null): void;
  onLog(level: LogLevel, message: string): void;
  onBackend(name: string): void;
  onAttach(artifact: AttachedArtifact): void;
  onTrial(trial: TrialRecord): void;
}

/** Runs the node as the executor would: in a worker thread when it asks for one, else in this thread. */
async function execute(
  request: RunOneRequest,
  node: ResolvedNode,
  inputs: Record<string, OutputRef>,
  inputBytes: number,
  storeDir: string,
  artifacts: ArtifactStore,
  runId: string,
  reports: StepReports,
): Promise<JobResult> {
  const job: NodeJob = {
    nodeId: node.id,
    nodeType: node.type,
    params: node.params,
    inputs,
    workspaceRoot: request.workspaceRoot,
    pipelineDir: request.pipelineDir,
    tempDir: artifacts.tempPath(`job-${node.id}`),
  };
  const reporter: JobReporter = {
    progress(fraction, message) {
      try {
        request.onEvent?.({ type: 'node.progress', runId, nodeId: node.id, fraction, ...(message === undefined ? {} : { message }) });
      } catch {
        // A listener's bug must not break the step.
      }
    },
    log: (level, message) => reports.onLog(level, message),
    metric: (name, value, step) => reports.onMetric(name, value, step ?? null),
    backend: (name) => reports.onBackend(name),
    attach: (artifact) => reports.onAttach(artifact),
    request: async (call) => answer(request, node, runId, call, reports),
  };
  const signal = request.signal ?? new AbortController().signal;
  const { definition } = node;
  const wantsWorker = typeof definition.worker === 'object' ? inputBytes > definition.worker.whenInputBytesOver : definition.worker === true;
  mkdirSync(job.tempDir, { recursive: true });
  try {
    if (wantsWorker && definition.module && !request.inProcessOnly) {
      const pool = new WorkerPool(1);
      try {
        return await pool.run(definition.module, storeDir, job, reporter, signal);
      } finally {
        await pool.close();
      }
    }
    return await runNodeJob(definition, job, artifacts, reporter, signal, new ValueCache());
  } finally {
    await rm(job.tempDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * What the node asks of the store. With the database: as in a full run. With step records
 * the database is not there: trials go into the record (imported as child runs later),
 * lineage is unknown, and state and the registry are refused with the reason.
 */
async function answer(request: RunOneRequest, node: ResolvedNode, runId: string, call: ContextCall, reports: StepReports): Promise<unknown> {
  const { target } = request;
  if (target.kind === 'store') return answerContextCall(target.store, call, { nodeType: node.type, runId, nodeId: node.id });
  switch (call.op) {
    case 'trial.record':
      reports.onTrial(call.trial);
      return undefined;
    case 'lineage':
      return undefined;
    case 'state.get':
    case 'state.set':
    case 'state.delete':
      throw new NodeError(`node '${node.id}' (${node.type}) keeps state between runs in the workspace database, which a step writing --results-dir never opens; run it on the machine that holds the database (without --results-dir, after tensorloom import-results)`);
    case 'registry.register':
      throw new NodeError(`node '${node.id}' (${node.type}) registers a model in the workspace database, which a step writing --results-dir never opens; run it on the machine that holds the database (without --results-dir, after tensorloom import-results)`);
    case 'stream.read':
      throw new NodeError(`node '${node.id}' (${node.type}) reads a stream, which only a whole run hosts ('tensorloom run', 'tensorloom watch --stream' or the app)`);
  }
}
