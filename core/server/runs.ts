/**
 * Runs started from the UI: one Engine for the workspace, runs in the background, an
 * AbortController per active run for cancel, and every event handed to the broadcaster.
 * The engine itself records runs, node states, metrics and logs in the store.
 */
import { dirname } from 'node:path';
import { Engine, type EngineEvent, type RunResult } from '../engine/index.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { ResolvedPipeline } from '../graph/types.js';
import type { WorkspaceStore } from '../store/index.js';
import { StreamHub } from '../stream/stream-hub.js';

export interface StartRunRequest {
  pipeline: ResolvedPipeline;
  /** Absolute path of the pipeline file, when the document has one. */
  pipelinePath: string | null;
  until?: string;
  /** The experiment to record the run under; default: the pipeline's name. */
  experiment?: string;
  /** What started it (default 'ui'); triggers.ts passes 'files', 'schedule' or 'drift'. */
  trigger?: string;
  tags?: Readonly<Record<string, string>>;
  /** A streaming run's micro-batch (triggers.ts: stream triggers). */
  streamBatch?: string;
  /** Aborting it cancels the run, as cancel() does. */
  signal?: AbortSignal;
}

/** How long close() waits for cancelled runs to wind down before closing the store anyway. */
const CLOSE_GRACE_MS = 5000;

export class RunManager {
  private readonly engine: Engine;
  /** The workspace's streams: data.stream nodes of the app's runs and stream triggers read through it. */
  readonly streams: StreamHub;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  private closed = false;

  constructor(
    registry: NodeRegistry,
    store: WorkspaceStore,
    private readonly workspaceRoot: string,
    private readonly broadcast: (event: EngineEvent) => void,
    private readonly log: (message: string) => void,
  ) {
    this.streams = new StreamHub(store, workspaceRoot);
    this.engine = new Engine({ registry, store, workspaceRoot, streams: this.streams });
  }

  /** Starts a run and answers its id as soon as the engine has created it; the run goes on. */
  async start(request: StartRunRequest): Promise<string> {
    return this.launch(request).started;
  }

  /**
   * Starts a run: `started` resolves with its id as soon as the engine has created it,
   * `done` with its result when it ends (the triggers' runs: triggers.ts).
   */
  launch(request: StartRunRequest): { started: Promise<string>; done: Promise<RunResult> } {
    if (this.closed) {
      const closed = Promise.reject(new Error('the server is shutting down'));
      return { started: closed, done: closed };
    }
    // run.started arrives synchronously inside engine.run(), before `done` exists: keep a slot for it.
    const entry: { controller: AbortController; done: Promise<unknown> } = { controller: new AbortController(), done: Promise.resolve() };
    const { controller } = entry;
    if (request.signal) {
      if (request.signal.aborted) controller.abort();
      else request.signal.addEventListener('abort', () => controller.abort(), { once: true });
    }
    let announce: (runId: string) => void = () => {};
    const started = new Promise<string>((resolve) => (announce = resolve));
    const done = this.engine.run({
      pipeline: request.pipeline,
      pipelinePath: request.pipelinePath,
      pipelineDir: request.pipelinePath === null ? this.workspaceRoot : dirname(request.pipelinePath),
      ...(request.until === undefined ? {} : { until: request.until }),
      ...(request.experiment === undefined ? {} : { experiment: request.experiment }),
      trigger: request.trigger ?? 'ui',
      ...(request.tags === undefined ? {} : { tags: request.tags }),
      ...(request.streamBatch === undefined ? {} : { streamBatch: request.streamBatch }),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'run.started') {
          this.active.set(event.runId, entry);
          announce(event.runId);
        }
        this.broadcast(event);
      },
    });
    entry.done = done;
    void done.then(
      (result: RunResult) => this.active.delete(result.runId),
      (error: unknown) => {
        // The engine turns node failures into states; reaching here is a bug or a broken store.
        this.log(`tensorloom server: a run failed to complete: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        for (const [runId, run] of this.active) if (run.controller === controller) this.active.delete(runId);
      },
    );
    // Normally run.started comes first; a run that fails before it still answers (or throws) here.
    const finished = done.then((result) => result.runId);
    finished.catch(() => {}); // handled above; this copy only feeds the race
    return { started: Promise.race([started, finished]), done };
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** True when the run was active and is now cancelling. */
  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.controller.abort();
    return true;
  }

  /** Cancels every active run, waits (bounded) for them to record their end, stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = [...this.active.values()];
    for (const run of pending) run.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending.map((run) => run.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS))),
    ]);
    clearTimeout(timer);
    await this.engine.close();
  }
}
