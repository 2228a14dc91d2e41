/**
 * A streaming run: the pipeline's data.stream node's source runs for as long as the runner
 * does, storing messages in the stream's inbox; each micro-batch (`batchRows` records, or
 * fewer once the oldest has waited `batchSeconds`) runs the whole pipeline once through the
 * engine, and its offset is committed only when that run succeeded. A run that fails is
 * retried with the same batch after a backoff (1 s doubling to 30 s): at-least-once, and
 * sinks that recognise a replayed batch (data.write `mode: append`) make it exactly-once.
 *
 * Upstream of the stream the graph is cached (the reference data, the fitted feature nodes,
 * the trained model), so a batch run computes only what depends on the batch.
 */
import { relative } from 'node:path';
import type { RunResult } from '../engine/index.js';
import type { ResolvedPipeline } from '../graph/index.js';
import type { StreamInbox } from './inbox.js';
import type { SourceStatus, StreamSource } from './mqtt-source.js';
import type { TriggeredPipeline } from './watcher.js';
import { streamKey, streamParams, type StreamHub, type StreamParams } from './stream-hub.js';

export const STREAM_NODE_TYPE = 'data.stream';

export interface StreamRunnerOptions extends TriggeredPipeline {
  readonly hub: StreamHub;
  /** Called whenever the stream's status changes (a batch ran, the source changed state). */
  readonly onStatus?: (status: StreamStatus) => void;
  /** How often the runner looks at the inbox (default 100 ms). */
  readonly pollMs?: number;
  /** Folder sources: polling and settling (tests shorten them). */
  readonly folderPollMs?: number;
  readonly folderSettleMs?: number;
}

/** What the UI and `watch` show about a stream. */
export interface StreamStatus {
  readonly stream: string;
  readonly node: string;
  readonly source: StreamParams['source'];
  readonly sourceState: SourceStatus;
  readonly received: number;
  readonly duplicates: number;
  readonly deadLetters: number;
  readonly batches: number;
  readonly backlog: number;
  /** Rows a second processed over the last minute. */
  readonly throughput: number;
  /** From the arrival of the last batch's oldest message to its commit, ms. */
  readonly lagMs: number;
  readonly lastBatch: { readonly id: string; readonly rows: number; readonly runId: string; readonly status: string } | null;
  /** Set while a failed batch waits to be retried. */
  readonly retrying: string | null;
}

/** The one data.stream node of a pipeline; a clear error for none or several. */
export function streamNodeOf(pipeline: ResolvedPipeline): string {
  const ids = [...pipeline.nodes.values()].filter((node) => node.type === STREAM_NODE_TYPE).map((node) => node.id);
  if (ids.length === 0) throw new Error(`the pipeline has no ${STREAM_NODE_TYPE} node: a streaming run needs one`);
  if (ids.length > 1) throw new Error(`the pipeline has ${ids.length} ${STREAM_NODE_TYPE} nodes (${ids.join(', ')}); a streaming run takes one`);
  return ids[0]!;
}

export class StreamRunner {
  readonly key: string;
  readonly node: string;
  private readonly params: StreamParams;
  private readonly inbox: StreamInbox;
  private source: StreamSource | undefined;
  private sourceState: SourceStatus = { state: 'starting', since: Date.now() };
  private stopped = false;
  private loop: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private wake: (() => void) | undefined;
  private readonly processed: { at: number; rows: number }[] = [];
  private lagMs = 0;
  private lastBatch: StreamStatus['lastBatch'] = null;
  private retrying: string | null = null;
  /** Every batch run, in order (tests, the summary). */
  readonly results: { batch: string; rows: number; result: RunResult }[] = [];

  constructor(private readonly options: StreamRunnerOptions) {
    this.node = streamNodeOf(options.pipeline);
    this.key = streamKey(options.workspaceRoot, options.pipelinePath, this.node);
    this.params = streamParams(options.pipeline.nodes.get(this.node)!.params);
    this.inbox = options.hub.inbox(this.key, this.params);
  }

  start(): void {
    if (this.loop) return;
    const { hub } = this.options;
    hub.consume(this.key);
    this.source = hub.source(this.key, this.params, this.options.pipelineDir, {
      onStored: () => this.wake?.(),
      onStatus: (status) => {
        this.sourceState = status;
        if (status.state === 'down') this.options.onLine(`stream ${this.node}: ${status.detail ?? 'down'}${status.retryAt ? `; retrying in ${Math.max(0, Math.round((status.retryAt - Date.now()) / 100) / 10)} s` : ''}`);
        else if (status.state === 'connected' || status.state === 'watching') this.options.onLine(`stream ${this.node}: ${status.state} (${status.detail ?? ''})`);
        this.emitStatus();
      },
      ...(this.options.folderPollMs === undefined ? {} : { pollMs: this.options.folderPollMs }),
      ...(this.options.folderSettleMs === undefined ? {} : { settleMs: this.options.folderSettleMs }),
    });
    if (this.source === undefined) {
      this.sourceState = { state: 'listening', detail: 'the app\'s ingest endpoint (POST /api/streams/ingest)', since: Date.now() };
    }
    this.source?.start();
    this.loop = this.run();
  }

  status(): StreamStatus {
    const stats = this.inbox.stats();
    const since = Date.now() - 60_000;
    while (this.processed.length > 0 && this.processed[0]!.at < since) this.processed.shift();
    const rows = this.processed.reduce((sum, entry) => sum + entry.rows, 0);
    const span = this.processed.length === 0 ? 1 : Math.max(1, (Date.now() - Math.min(this.processed[0]!.at, Date.now() - 1000)) / 1000);
    return {
      stream: this.key,
      node: this.node,
      source: this.params.source,
      sourceState: this.sourceState,
      received: stats.received,
      duplicates: stats.duplicates,
      deadLetters: stats.deadLetters,
      batches: stats.batches,
      backlog: stats.backlog,
      throughput: rows / span,
      lagMs: this.lagMs,
      lastBatch: this.lastBatch,
      retrying: this.retrying,
    };
  }

  private emitStatus(): void {
    if (this.options.onStatus) this.options.onStatus(this.status());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Whether a batch is due: `batchRows` wait, or the oldest has waited `batchSeconds`. */
  private due(): boolean {
    const waiting = this.inbox.backlog();
    if (waiting === 0) return false;
    if (waiting >= this.params.batchRows) return true;
    const oldest = this.inbox.oldestWaiting();
    return oldest !== undefined && Date.now() - oldest >= this.params.batchSeconds * 1000;
  }

  private async run(): Promise<void> {
    let backoff = 1000;
    const pollMs = this.options.pollMs ?? 100;
    while (!this.stopped) {
      const pending = this.inbox.stats();
      // A pending batch (claimed, never committed) is replayed first, whatever its size.
      const replay = this.hasPending();
      if (!replay && !this.due()) {
        await this.sleep(pollMs);
        continue;
      }
      const batch = this.inbox.claim(this.params.batchRows);
      if (batch === undefined) {
        if (pending.backlog > 0) this.emitStatus();
        await this.sleep(pollMs);
        continue;
      }
      this.options.hub.offer(this.key, batch);
      this.controller = new AbortController();
      const result = await this.options.engine.run({
        pipeline: this.options.pipeline,
        pipelinePath: this.options.pipelinePath,
        pipelineDir: this.options.pipelineDir,
        overrides: this.options.overrides ?? {},
        trigger: 'stream',
        tags: { 'stream.batch': batch.id, 'stream.node': this.node },
        streamBatch: batch.id,
        signal: this.controller.signal,
        ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
      });
      this.controller = undefined;
      this.results.push({ batch: batch.id, rows: batch.rows.length, result });
      this.lastBatch = { id: batch.id, rows: batch.rows.length, runId: result.runId, status: result.status };
      if (result.status === 'succeeded') {
        this.inbox.commit(batch);
        this.processed.push({ at: Date.now(), rows: batch.rows.length });
        this.lagMs = Date.now() - batch.oldestAt;
        this.retrying = null;
        backoff = 1000;
        this.options.onLine(`batch ${batch.id}: ${batch.rows.length} rows → run ${result.runId} succeeded (lag ${this.lagMs} ms)`);
        this.emitStatus();
        continue;
      }
      if (this.stopped) break;
      const failed = Object.entries(result.nodes).find(([, node]) => node.status === 'failed');
      const why = result.error ?? (failed ? `node '${failed[0]}' failed: ${failed[1].error ?? ''}` : result.status);
      this.retrying = `batch ${batch.id}: ${why}; retrying in ${backoff / 1000} s`;
      this.options.onLine(`batch ${batch.id}: run ${result.runId} ${result.status} (${why}); retrying the same batch in ${backoff / 1000} s`);
      this.emitStatus();
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, 30_000);
    }
  }

  private hasPending(): boolean {
    return this.inbox.stats().pending;
  }

  /** Stops the source and the loop; the current batch run is cancelled (its batch is replayed next time). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wake?.();
    await this.loop;
    await this.source?.stop();
    this.options.hub.release(this.key);
  }

  /** Resolves once every stored message is processed (tests and benchmarks). */
  async drained(timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.inbox.backlog() > 0 || this.hasPending()) {
      if (Date.now() > until) throw new Error(`stream ${this.key}: ${this.inbox.backlog()} records still waiting after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The pipeline, as watch prints it. */
  describe(): string {
    const { source, url, topic, folder } = this.params;
    const where = source === 'mqtt' ? `${url} topic ${topic}` : source === 'folder' ? `folder ${folder}` : 'POST /api/streams/ingest';
    return `stream ${this.node} (${source}: ${where}; batches of ${this.params.batchRows} rows or ${this.params.batchSeconds} s) of ${relative(this.options.workspaceRoot, this.options.pipelinePath)}`;
  }
}
