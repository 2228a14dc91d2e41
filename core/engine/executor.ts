import { existsSync, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { ancestors } from '../graph/algorithms.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { ResolvedNode, ResolvedPipeline } from '../graph/types.js';
import type { AttachedArtifact, LogLevel } from '../base/context.js';
import type { StreamHost, StreamReadResult } from '../base/stream.js';
import { NodeError, isNodeError } from '../base/errors.js';
import { resolveInside } from '../base/paths.js';
import { workspaceRelative } from './workspace-relative.js';
import { diskFullError, diskSpace, isStoreError, isWriteFailure, type WorkspaceStore } from '../store/index.js';
import { cacheKey } from './cache-key.js';
import { runEnvironment, withBackend, type RunEnvironment } from './environment.js';
import { defaultExperiment } from './experiment.js';
import { budgetLimit, formatBytePair, resolveDiskBudget, type DiskBudgetSetting } from './disk-budget.js';
import { hasOutputs, isFinalState, type EngineEvent, type EngineEventListener, type NodeState, type RunOutcome } from './events.js';
import { answerContextCall } from './context-calls.js';
import { runNodeJob, ValueCache, type JobReporter, type JobResult, type NodeJob, type OutputRef } from './run-node.js';
import { CANCEL_GRACE_MS, WorkerPool } from './worker-pool.js';

export interface EngineOptions {
  readonly registry: NodeRegistry;
  readonly store: WorkspaceStore;
  /** Paths that nodes read must lie inside this folder. */
  readonly workspaceRoot: string;
  /** Nodes in flight at once across independent branches (default 4). */
  readonly concurrency?: number;
  /** Worker threads for CPU-heavy nodes (default: the machine's parallelism). */
  readonly workerThreads?: number;
  /** Run every node in this thread, even worker nodes (for debugging). */
  readonly inProcessOnly?: boolean;
  /**
   * How many bytes of new artifacts a run may write (see disk-budget.ts): a setting such as
   * '2GB', '50%' or 'off', or a resolved one. Default: TENSORLOOM_DISK_BUDGET, else 50% of
   * the free space at run start.
   */
  readonly diskBudget?: string | DiskBudgetSetting;
  /** The process's streams, for data.stream nodes (ctx.stream.read); without it they fail with a clear error. */
  readonly streams?: StreamHost;
}

export interface RunRequest {
  readonly pipeline: ResolvedPipeline;
  /** The pipeline file, when there is one; relative paths resolve against its folder. */
  readonly pipelinePath: string | null;
  readonly pipelineDir: string;
  /** Run only this node and its ancestors. */
  readonly until?: string;
  /** The `--set` overrides, recorded with the run. */
  readonly overrides?: Record<string, unknown>;
  /** The experiment to record the run under; default: the pipeline's name (see defaultExperiment). */
  readonly experiment?: string;
  /** What started the run ('cli', 'ui', …), recorded with it. */
  readonly trigger?: string;
  /** Tags to record with the run from its start. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * false: compute every node, neither reading nor writing the cache (`tensorloom
   * reproduce`); the run's results do not replace cached ones. Default true.
   */
  readonly useCache?: boolean;
  /** The micro-batch this run processes (a streaming run: core/stream/stream-runner.ts); nodes see it as ctx.stream.batch. */
  readonly streamBatch?: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: EngineEventListener;
}

export interface NodeSummary {
  status: NodeState;
  cached: boolean;
  ms: number;
  error?: string;
}

/** The result of one run, in the shape of `tensorloom run --json`. */
export interface RunResult {
  runId: string;
  status: RunOutcome;
  /** The TensorFlow.js backend the run used, or 'none' when no node needed one. */
  backend: string;
  nodes: Record<string, NodeSummary>;
  metrics: Record<string, Record<string, number>>;
  outputs: Record<string, Record<string, string>>;
  /** Why the run stopped early (a full disk, the disk budget); absent otherwise. */
  error?: string;
}

/**
 * Executes resolved pipelines: topological scheduling with bounded concurrency, an on-disk
 * cache keyed by content, failure isolation, cancellation, and an event stream.
 */
export class Engine {
  private readonly pool: WorkerPool;
  private readonly values = new ValueCache();
  private readonly budget: DiskBudgetSetting;

  /** Throws a DiskBudgetError for a disk budget setting that does not parse. */
  constructor(private readonly options: EngineOptions) {
    this.budget = typeof options.diskBudget === 'object' ? options.diskBudget : resolveDiskBudget(options.diskBudget);
    this.pool = new WorkerPool(Math.max(1, options.workerThreads ?? availableParallelism()));
  }

  async run(request: RunRequest): Promise<RunResult> {
    return new RunExecution(this.options, this.pool, this.values, this.budget, request).execute();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

class RunExecution {
  private readonly states = new Map<string, NodeState>();
  private readonly outputs = new Map<string, Record<string, OutputRef>>();
  private readonly summaries: Record<string, NodeSummary> = {};
  private readonly metrics: Record<string, Record<string, number>> = {};
  /** TensorFlow.js backends the nodes of this run reported; 'none' until one does. */
  private backend = 'none';
  private readonly running = new Set<string>();
  private readonly abort = new AbortController();
  private readonly selected: string[];
  private runId = '';
  private finishAll: () => void = () => {};
  /** Why the run stopped early: the disk is full, or the run went over its disk budget. */
  private stopped: { message: string; short: string } | undefined;
  /** A node's failure noticed outside its own result (a report the store could not record). */
  private readonly nodeFailures = new Map<string, string>();
  /** Bytes of new artifacts this run has added to the store, against `limit`. */
  private written = 0;
  private limit: number | undefined;

  constructor(
    private readonly options: EngineOptions,
    private readonly pool: WorkerPool,
    private readonly values: ValueCache,
    private readonly budget: DiskBudgetSetting,
    private readonly request: RunRequest,
  ) {
    const { pipeline, until } = request;
    if (until !== undefined && !pipeline.nodes.has(until)) throw new Error(`cannot run until '${until}': the pipeline has no such node`);
    const keep = until === undefined ? undefined : ancestors(pipeline, until);
    this.selected = pipeline.order.filter((id) => keep === undefined || keep.has(id));
  }

  async execute(): Promise<RunResult> {
    const { store } = this.options;
    const request = this.request;
    const pipeline = request.pipeline;
    const startedAt = Date.now();
    this.limit = budgetLimit(this.budget.budget, diskSpace(store.dir));
    const environment = await runEnvironment(this.options.workspaceRoot);
    this.runId = store.createRun({
      pipelineName: pipeline.doc.name,
      pipelineHash: pipeline.hash,
      pipelinePath: request.pipelinePath,
      pipelineJson: JSON.stringify(pipeline.doc),
      until: request.until ?? null,
      overrides: request.overrides ?? {},
      experiment: request.experiment ?? defaultExperiment(pipeline.doc.name, request.pipelinePath),
      ...(request.trigger === undefined ? {} : { trigger: request.trigger }),
      environment,
    });
    if (request.tags !== undefined && Object.keys(request.tags).length > 0) store.setRunTags(this.runId, request.tags);
    this.emit({ type: 'run.started', runId: this.runId, pipeline: pipeline.doc.name, nodes: this.selected, until: request.until ?? null, at: startedAt });

    try {
      for (const id of this.selected) this.setState(id, 'queued');
    } catch (error) {
      if (!isWriteFailure(error)) throw error;
      this.stopForWriteFailure(null, error);
    }
    const external = request.signal;
    const onExternalAbort = () => this.cancel();
    try {
      await new Promise<void>((resolve) => {
        this.finishAll = resolve;
        if (external?.aborted) this.cancel();
        else {
          external?.addEventListener('abort', onExternalAbort, { once: true });
          this.schedule();
        }
      });
    } finally {
      external?.removeEventListener('abort', onExternalAbort);
    }

    await this.recordBackend(environment);
    const status = this.outcome();
    const failed = this.selected.filter((id) => this.states.get(id) === 'failed');
    const error = this.stopped?.message ?? (failed.length > 0 ? `node${failed.length > 1 ? 's' : ''} failed: ${failed.join(', ')}` : undefined);
    try {
      store.finishRun(this.runId, status, error);
    } catch (storeError) {
      // No room to record the end: the store retries it later, and if this process ends
      // first the next open marks the run interrupted. The caller still gets the result.
      if (!isWriteFailure(storeError)) throw storeError;
    }
    this.emit({ type: 'run.finished', runId: this.runId, status, ms: Date.now() - startedAt, at: Date.now() });

    const outputs: RunResult['outputs'] = {};
    for (const [id, refs] of this.outputs) {
      outputs[id] = Object.fromEntries(Object.entries(refs).map(([port, ref]) => [port, ref.hash]));
    }
    return {
      runId: this.runId,
      status,
      backend: this.backend,
      nodes: this.summaries,
      metrics: this.metrics,
      outputs,
      ...(this.stopped === undefined ? {} : { error: this.stopped.message }),
    };
  }

  /** The environment, completed with the backend the run used; best effort (it only describes the run). */
  private async recordBackend(environment: RunEnvironment): Promise<void> {
    try {
      this.options.store.setRunEnvironment(this.runId, await withBackend(environment, this.backend));
    } catch {
      // A full disk: the run's end matters more, and the backend is also in runs.backend.
    }
  }

  private outcome(): RunOutcome {
    const states = this.selected.map((id) => this.states.get(id));
    if (states.includes('failed') || this.stopped !== undefined) return 'failed';
    if (this.abort.signal.aborted || states.includes('cancelled')) return 'cancelled';
    return 'succeeded';
  }

  /** Starts every node whose inputs are ready, within the concurrency bound; finishes when all are final. */
  private schedule(): void {
    const limit = Math.max(1, this.options.concurrency ?? 4);
    if (this.stopped !== undefined) {
      for (const id of this.selected) {
        // 'idle': the disk filled while the nodes were being queued, before this one was.
        const state = this.states.get(id) ?? 'idle';
        if ((state === 'queued' || state === 'idle') && !this.running.has(id)) this.finish(id, 'skipped', 0, `skipped: the run stopped (${this.stopped.short})`);
      }
    }
    for (const id of this.selected) {
      // A started node stays 'queued' while its cache key is computed: `running` tells them apart.
      if (this.states.get(id) !== 'queued' || this.running.has(id)) continue;
      const node = this.request.pipeline.nodes.get(id)!;
      const upstream = Object.values(node.inputs).map((ref) => ref.node);
      const blocked = upstream.find((up) => isFinalState(this.states.get(up) ?? 'idle') && !hasOutputs(this.states.get(up)!));
      if (blocked !== undefined) {
        const why = this.states.get(blocked) === 'failed' ? 'failed' : `was ${this.states.get(blocked)}`;
        this.finish(id, 'skipped', 0, `skipped: upstream node '${blocked}' ${why}`);
        continue;
      }
      if (!upstream.every((up) => hasOutputs(this.states.get(up) ?? 'idle'))) continue;
      if (this.running.size >= limit) continue;
      this.running.add(id);
      void this.runNode(node).finally(() => {
        this.running.delete(id);
        this.schedule();
      });
    }
    if (this.running.size === 0 && this.selected.every((id) => isFinalState(this.states.get(id) ?? 'idle'))) this.finishAll();
  }

  private cancel(): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(new Error('cancelled'));
    for (const id of this.selected) {
      if (this.states.get(id) === 'queued') this.finish(id, 'cancelled', 0);
    }
    if (this.running.size === 0) this.finishAll();
  }

  /**
   * Stops the whole run, not just the node's descendants: with the disk full, or the run
   * over its disk budget, every node that writes would fail the same way. The node that hit
   * it fails with `message`; nodes in flight are cancelled; the rest are skipped.
   */
  private stop(nodeId: string | null, message: string, short: string): void {
    if (nodeId !== null && !this.nodeFailures.has(nodeId)) this.nodeFailures.set(nodeId, message);
    if (this.stopped !== undefined || this.abort.signal.aborted) return;
    this.stopped = { message, short };
    this.abort.abort(new Error(message));
    // The nodes not started are skipped by schedule(), after the node that stopped the run has ended.
  }

  /** A store write failed (full or failing disk) under node `nodeId` (null: the run itself). */
  private stopForWriteFailure(nodeId: string | null, error: unknown): void {
    // The store's errors already say what failed; a raw ENOSPC from the engine's own file work gets the same words.
    const message = isStoreError(error)
      ? error.message
      : diskFullError(nodeId === null ? 'could not write to the workspace' : `could not write the files of node '${nodeId}'`).message;
    this.stop(nodeId, message, isStoreError(error) && error.code === 'write-failed' ? 'the disk failed a write' : 'the disk is full');
  }

  /** Counts new artifact bytes; the node whose bytes cross the budget stops the run. */
  private account(nodeId: string, bytes: number): void {
    this.written += bytes;
    if (this.limit === undefined || this.written <= this.limit) return;
    const [written, limit] = formatBytePair(this.written, this.limit);
    this.stop(
      nodeId,
      `the run has written ${written} of artifacts, over the workspace's disk budget of ${limit} (setting: ${this.budget.source}); free space with \`tensorloom gc\` or raise the budget`,
      'over its disk budget',
    );
  }

  /** How a node that the run stopped under ends: 'cancelled', or 'failed' with the reason if it caused the stop. */
  private endStopped(nodeId: string, ms: number): void {
    const failure = this.nodeFailures.get(nodeId);
    if (failure !== undefined) return this.finish(nodeId, 'failed', ms, failure);
    this.finish(nodeId, 'cancelled', ms, this.stopped === undefined ? undefined : `stopped: ${this.stopped.short}`);
  }

  /** Runs one node; whatever goes wrong (even in the store), the node ends in a final state. */
  private async runNode(node: ResolvedNode): Promise<void> {
    const started = Date.now();
    try {
      await this.executeNode(node, started);
    } catch (error) {
      if (!isFinalState(this.states.get(node.id) ?? 'idle')) this.fail(node.id, started, error);
    }
  }

  private async executeNode(node: ResolvedNode, started: number): Promise<void> {
    const { store } = this.options;
    // The upstream outputs feeding each input port: their hashes key the cache, their sizes pick the thread.
    const inputRefs: Record<string, OutputRef> = {};
    for (const [port, ref] of Object.entries(node.inputs)) inputRefs[port] = this.outputs.get(ref.node)![ref.port]!;
    const files = await this.hashSourceFiles(node);
    store.recordRunSources(this.runId, node.id, files.sources);
    const key = cacheKey(node.definition, node.params, Object.fromEntries(Object.entries(inputRefs).map(([port, ref]) => [port, ref.hash])), files.hashes);
    const inputBytes = files.bytes + Object.values(inputRefs).reduce((sum, ref) => sum + ref.size, 0);
    if (this.abort.signal.aborted) return this.endStopped(node.id, 0);

    // A node that reads state saved by earlier runs is never served from (or saved to) the cache.
    const cacheable = node.definition.cacheable?.(node.params as never) !== false && this.request.useCache !== false;
    const hit = cacheable ? store.lookupCache(key) : undefined;
    if (hit) {
      store.recordOutputs(this.runId, node.id, hit);
      this.outputs.set(node.id, hit);
      store.upsertNodeExecution(this.runId, node.id, { cacheKey: key });
      for (const point of store.metricsForCacheKey(key)) this.onMetric(node.id, point.name, point.value, point.step ?? undefined);
      const reported = this.nodeFailures.get(node.id);
      if (reported !== undefined) return this.finish(node.id, 'failed', Date.now() - started, reported);
      this.finish(node.id, 'cached', Date.now() - started);
      return;
    }

    this.setState(node.id, 'running');
    store.upsertNodeExecution(this.runId, node.id, { cacheKey: key, startedAt: started, params: node.params });
    const job: NodeJob = {
      nodeId: node.id,
      nodeType: node.type,
      params: node.params,
      inputs: inputRefs,
      workspaceRoot: this.options.workspaceRoot,
      pipelineDir: this.request.pipelineDir,
      tempDir: store.artifacts.tempPath(`job-${node.id}`),
      ...(this.request.streamBatch === undefined ? {} : { streamBatch: this.request.streamBatch }),
    };
    let result: JobResult;
    try {
      mkdirSync(job.tempDir, { recursive: true });
      result = await this.dispatch(node, job, inputBytes);
    } finally {
      // The engine owns the node's work folder: gone when the node ends, even if its worker was terminated.
      await rm(job.tempDir, { recursive: true, force: true }).catch(() => {});
    }
    const ms = Date.now() - started;
    // Bytes a failed node left behind count too, but only a success can cross the budget (a failure keeps its own reason).
    if (result.ok) this.account(node.id, result.written);
    else this.written += result.written ?? 0;
    if (!result.ok && result.diskFull === true) this.stop(node.id, result.message, 'the disk is full');
    if (this.abort.signal.aborted) return this.endStopped(node.id, ms);
    const reported = this.nodeFailures.get(node.id);
    if (reported !== undefined) return this.finish(node.id, 'failed', ms, reported);
    if (!result.ok) {
      if (result.stack) this.onLog(node.id, 'error', result.stack);
      return this.finish(node.id, 'failed', ms, result.message);
    }
    if (cacheable) store.saveCache(key, node.type, result.outputs);
    store.recordOutputs(this.runId, node.id, result.outputs);
    this.outputs.set(node.id, result.outputs);
    this.finish(node.id, 'succeeded', ms);
  }

  /** Runs the node in a worker thread or in this thread; either way a cancel is honoured within a second. */
  private async dispatch(node: ResolvedNode, job: NodeJob, inputBytes: number): Promise<JobResult> {
    // Reports from a node abandoned after a cancel arrive late: they must not reach a closed store.
    let open = true;
    const reporter: JobReporter = {
      progress: (fraction, message) =>
        open && this.emit({ type: 'node.progress', runId: this.runId, nodeId: node.id, fraction, ...(message === undefined ? {} : { message }) }),
      log: (level, message) => open && this.onLog(node.id, level, message),
      metric: (name, value, step) => open && this.onMetric(node.id, name, value, step),
      backend: (name) => open && this.onBackend(name),
      attach: (artifact: AttachedArtifact, written: number) => open && this.onAttach(node.id, artifact, written),
      request: async (call) => {
        if (!open) throw new Error('the node has ended');
        if (call.op === 'stream.read') return this.readStream(node, call.params);
        return answerContextCall(this.options.store, call, { nodeType: node.type, runId: this.runId, nodeId: node.id });
      },
    };
    try {
      return await this.start(node, job, inputBytes, reporter);
    } finally {
      open = false;
    }
  }

  /** ctx.stream.read, answered by the process's stream host. */
  private readStream(node: ResolvedNode, params: Record<string, unknown>): Promise<StreamReadResult> {
    const host = this.options.streams;
    if (host === undefined) throw new NodeError(`node '${node.id}' reads a stream, and streams are not available here; run it with 'tensorloom run', 'tensorloom watch --stream' or in the app`);
    return host.read(
      { nodeId: node.id, params, pipelinePath: this.request.pipelinePath, pipelineDir: this.request.pipelineDir, batch: this.request.streamBatch },
      this.abort.signal,
    );
  }

  private start(node: ResolvedNode, job: NodeJob, inputBytes: number, reporter: JobReporter): Promise<JobResult> {
    const { definition } = node;
    const signal = this.abort.signal;
    const wantsWorker = typeof definition.worker === 'object' ? inputBytes > definition.worker.whenInputBytesOver : definition.worker === true;
    if (wantsWorker && definition.module && !this.options.inProcessOnly) {
      return this.pool.run(definition.module, this.options.store.dir, job, reporter, signal);
    }
    const work = runNodeJob(definition, job, this.options.store.artifacts, reporter, signal, this.values);
    // A node running in this thread that ignores the signal is abandoned after the grace period.
    let onAbort = () => {};
    const abandoned = new Promise<JobResult>((resolve) => {
      onAbort = () => void setTimeout(() => resolve({ ok: false, userError: true, message: 'cancelled' }), CANCEL_GRACE_MS).unref();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([work, abandoned]).finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** The content hash of each file the node reads: for its cache key, and recorded with the run (paths relative to the workspace). */
  private async hashSourceFiles(node: ResolvedNode): Promise<{ hashes: Record<string, string>; bytes: number; sources: { path: string; hash: string; size: number }[] }> {
    const hashes: Record<string, string> = {};
    const sources: { path: string; hash: string; size: number }[] = [];
    let bytes = 0;
    for (const source of node.definition.sourceFiles?.(node.params as never) ?? []) {
      const absolute = resolveInside(this.options.workspaceRoot, this.request.pipelineDir, source.path, source.param);
      if (!existsSync(absolute)) throw new NodeError(`param '${source.param}': file not found: ${source.path} (looked in ${absolute})`, { field: source.param });
      const stats = statSync(absolute);
      if (!stats.isFile()) throw new NodeError(`param '${source.param}': ${source.path} is not a file`, { field: source.param });
      hashes[source.param] = await this.options.store.fileHash(absolute);
      bytes += stats.size;
      sources.push({ path: workspaceRelative(this.options.workspaceRoot, absolute), hash: hashes[source.param]!, size: stats.size });
    }
    return { hashes, bytes, sources };
  }

  private fail(nodeId: string, started: number, error: unknown): void {
    if (isWriteFailure(error)) {
      // A full disk under the store: one clear message, no stack, and the run stops.
      this.stopForWriteFailure(nodeId, error);
      return this.finish(nodeId, 'failed', Date.now() - started, this.nodeFailures.get(nodeId));
    }
    const message = isNodeError(error) ? error.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    if (!isNodeError(error) && error instanceof Error && error.stack) this.onLog(nodeId, 'error', error.stack);
    this.finish(nodeId, 'failed', Date.now() - started, message);
  }

  /** Ends a node; when its final state cannot be recorded, a success becomes a failure that says why. */
  private finish(nodeId: string, status: NodeState, ms: number, error?: string): void {
    let recorded: unknown;
    try {
      this.record(nodeId, status, ms, error);
    } catch (storeError) {
      recorded = storeError;
    }
    if (recorded !== undefined && hasOutputs(status)) {
      status = 'failed';
      error = recorded instanceof Error ? recorded.message : String(recorded);
      if (!isWriteFailure(recorded)) error = `could not record the result: ${error}`;
      this.outputs.delete(nodeId);
    }
    this.states.set(nodeId, status);
    this.summaries[nodeId] = { status, cached: status === 'cached', ms, ...(error === undefined ? {} : { error }) };
    this.emit({ type: 'node.state', runId: this.runId, nodeId, status, cached: status === 'cached', ms, ...(error === undefined ? {} : { error }), at: Date.now() });
    if (recorded !== undefined && isWriteFailure(recorded)) this.stopForWriteFailure(nodeId, recorded);
  }

  /** A state on the way (queued, running): recorded, then announced; a store failure throws to the caller. */
  private setState(nodeId: string, status: NodeState): void {
    this.states.set(nodeId, status);
    this.record(nodeId, status);
    if (status !== 'running') this.summaries[nodeId] = { status, cached: false, ms: 0 };
    this.emit({ type: 'node.state', runId: this.runId, nodeId, status, cached: false, at: Date.now() });
  }

  private record(nodeId: string, status: NodeState, ms?: number, error?: string): void {
    const node = this.request.pipeline.nodes.get(nodeId)!;
    const final = isFinalState(status);
    this.options.store.upsertNodeExecution(this.runId, nodeId, {
      nodeType: node.type,
      status,
      cached: status === 'cached',
      // Every node's params (defaults filled) are tracked from the start, whether it then runs, hits the cache or is skipped.
      ...(status === 'queued' ? { params: node.params } : {}),
      ...(final ? { finishedAt: Date.now(), ms: ms ?? 0, error: error ?? null } : {}),
    });
  }

  private onLog(nodeId: string, level: LogLevel, message: string): void {
    try {
      this.options.store.recordLog(this.runId, nodeId, level, message);
    } catch {
      // A log line that cannot be stored still reaches the event stream.
    }
    this.emit({ type: 'node.log', runId: this.runId, nodeId, level, message });
  }

  /** Records an attachment and counts its bytes; never throws (it may run in a worker's message handler). */
  private onAttach(nodeId: string, artifact: AttachedArtifact, written: number): void {
    this.account(nodeId, written);
    try {
      this.options.store.attachArtifact(this.runId, nodeId, artifact.name, { hash: artifact.hash, size: artifact.size, path: artifact.path, kind: 'file' });
    } catch (error) {
      this.reportFailure(nodeId, error);
    }
  }

  /** A report the store could not take: a full disk stops the run; anything else fails the node once it returns. */
  private reportFailure(nodeId: string, error: unknown): void {
    if (isWriteFailure(error)) return this.stopForWriteFailure(nodeId, error);
    if (!this.nodeFailures.has(nodeId)) this.nodeFailures.set(nodeId, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  }

  private onBackend(name: string): void {
    if (this.backend === name) return;
    // Two nodes on different backends (e.g. a forced one in a worker): the run lists both.
    this.backend = this.backend === 'none' ? name : `${this.backend},${name}`;
    try {
      this.options.store.setRunBackend(this.runId, this.backend);
    } catch {
      // The run's result still carries the backend.
    }
  }

  /** Never throws: it runs in worker message handlers, where a throw would end the process. */
  private onMetric(nodeId: string, name: string, value: number, step?: number): void {
    try {
      this.options.store.recordMetric(this.runId, nodeId, name, value, step ?? null);
    } catch (error) {
      this.reportFailure(nodeId, error);
      return;
    }
    (this.metrics[nodeId] ??= {})[name] = value;
    this.emit({ type: 'node.metric', runId: this.runId, nodeId, name, value, ...(step === undefined ? {} : { step }) });
  }

  private emit(event: EngineEvent): void {
    try {
      this.request.onEvent?.(event);
    } catch {
      // A listener's bug must not break the run.
    }
  }
}
