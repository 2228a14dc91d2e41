/**
 * Triggers set up from the app (API.md, *Triggers*): new files in a folder, a cron schedule
 * or a drift verdict start runs of a saved pipeline, through the server's RunManager so the
 * UI sees them live like its own runs (recorded with trigger 'files', 'schedule', 'drift').
 *
 * - **Kept** in the workspace store's `node_state` table under node type 'trigger-config',
 *   one entry per trigger (key: its id), so they survive a restart: the server re-arms every
 *   trigger that is not paused when it starts. `tensorloom state list` shows them.
 * - **One Watcher per pipeline** (core/stream/watcher.ts, the engine of `tensorloom watch`)
 *   made of the pipeline's triggers that are not paused: at most one trigger of each kind per
 *   pipeline, one run of the pipeline at a time, one queued. Its own state (files handled,
 *   last schedule firing) stays under node type 'trigger' as for `watch`, so a schedule missed
 *   while the app was closed fires once when it starts, and files that arrived meanwhile count.
 * - **Changes** (add, pause, resume, remove) rebuild the pipeline's Watcher: the old one stops
 *   taking firings at once, lets its current run finish (not cancelled), drops its queued run,
 *   and the new one arms when that run has ended.
 * - Each run reads the pipeline file as saved at that moment.
 * - **Stream** triggers host a StreamRunner instead (core/stream/stream-runner.ts): the
 *   pipeline's data.stream source runs in the server, and the pipeline runs once per
 *   micro-batch through the RunManager; its status (source state, throughput, lag, dead
 *   letters) comes with the trigger in GET /api/triggers.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parsePipelineText, validatePipeline } from '../graph/index.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { ResolvedPipeline } from '../graph/types.js';
import type { RunRequest, RunResult } from '../engine/index.js';
import type { WorkspaceStore } from '../store/index.js';
import { nextFiring, parseCron } from '../stream/cron.js';
import { Watcher, type TriggerKind } from '../stream/watcher.js';
import { StreamRunner, type StreamStatus } from '../stream/stream-runner.js';
import type { RunManager } from './runs.js';

/** The node type under which the app's triggers are kept in node_state. */
export const TRIGGER_CONFIG_TYPE = 'trigger-config';
/** The watcher's kinds, plus 'stream': a streaming run of the pipeline's data.stream node (core/stream/stream-runner.ts). */
export type AppTriggerKind = TriggerKind | 'stream';
export const TRIGGER_KINDS: readonly AppTriggerKind[] = ['files', 'schedule', 'drift', 'stream'];

export interface TriggerConfig {
  id: string;
  /** The pipeline, workspace-relative. */
  path: string;
  kind: AppTriggerKind;
  /** files: the folder, workspace-relative. */
  folder?: string;
  /** schedule: five-field cron, UTC. */
  schedule?: string;
  /** drift: the node whose `datasetDrift` verdict starts the whole pipeline. */
  node?: string;
  paused: boolean;
  createdAt: number;
  /** When it last started (or queued) a run; null before. */
  lastFiredAt: number | null;
  lastRunId: string | null;
}

/** A trigger as GET /api/triggers answers it. */
export interface TriggerView extends TriggerConfig {
  /** schedule, not paused: the next firing (UTC, ms); null otherwise. */
  nextFiringAt: number | null;
  lastRunStatus: string | null;
  /** Why the pipeline's triggers are not armed (an invalid pipeline, a missing file), when so. */
  error: string | null;
  /** stream, armed: its source's state, throughput, lag, dead letters; null otherwise. */
  stream: StreamStatus | null;
}

export interface TriggerManagerOptions {
  root: string;
  registry: NodeRegistry;
  store: WorkspaceStore;
  runs: RunManager;
  log: (message: string) => void;
}

interface Host {
  watcher: Watcher | undefined;
  stream: StreamRunner | undefined;
  chain: Promise<void>;
  error: string | null;
}

export class TriggerManager {
  private readonly hosts = new Map<string, Host>();
  private closed = false;

  constructor(private readonly options: TriggerManagerOptions) {}

  /** Every stored trigger. */
  all(): TriggerConfig[] {
    return this.options.store
      .listNodeState()
      .filter((entry) => entry.nodeType === TRIGGER_CONFIG_TYPE)
      .map((entry) => entry.value as unknown as TriggerConfig)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  get(id: string): TriggerConfig | undefined {
    return this.options.store.getNodeState(TRIGGER_CONFIG_TYPE, id) as unknown as TriggerConfig | undefined;
  }

  /** Arms the stored triggers (server start). */
  start(): void {
    for (const path of new Set(this.all().map((trigger) => trigger.path))) this.rearm(path);
  }

  list(path: string): TriggerView[] {
    const error = this.hosts.get(path)?.error ?? null;
    const stream = this.hosts.get(path)?.stream;
    return this.all()
      .filter((trigger) => trigger.path === path)
      .map((trigger) => {
        let nextFiringAt: number | null = null;
        if (trigger.kind === 'schedule' && !trigger.paused && trigger.schedule !== undefined) {
          nextFiringAt = nextFiring(parseCron(trigger.schedule), new Date())?.getTime() ?? null;
        }
        const run = trigger.lastRunId === null ? undefined : this.options.store.getRun(trigger.lastRunId);
        const streamStatus = trigger.kind === 'stream' && !trigger.paused && stream ? stream.status() : null;
        return { ...trigger, nextFiringAt, lastRunStatus: run?.status ?? null, error: trigger.paused ? null : error, stream: streamStatus };
      });
  }

  add(input: Pick<TriggerConfig, 'path' | 'kind' | 'folder' | 'schedule' | 'node'>): TriggerConfig {
    const trigger: TriggerConfig = {
      id: `t-${randomBytes(5).toString('hex')}`,
      path: input.path,
      kind: input.kind,
      ...(input.folder === undefined ? {} : { folder: input.folder }),
      ...(input.schedule === undefined ? {} : { schedule: input.schedule }),
      ...(input.node === undefined ? {} : { node: input.node }),
      paused: false,
      createdAt: Date.now(),
      lastFiredAt: null,
      lastRunId: null,
    };
    this.save(trigger);
    this.rearm(trigger.path);
    return trigger;
  }

  setPaused(id: string, paused: boolean): TriggerConfig | undefined {
    const trigger = this.get(id);
    if (!trigger) return undefined;
    if (trigger.paused !== paused) {
      trigger.paused = paused;
      this.save(trigger);
      this.rearm(trigger.path);
    }
    return trigger;
  }

  remove(id: string): boolean {
    const trigger = this.get(id);
    if (!trigger) return false;
    this.options.store.deleteNodeState(TRIGGER_CONFIG_TYPE, id);
    this.rearm(trigger.path);
    return true;
  }

  /** Stops every watcher and cancels their runs (server close; the RunManager then waits for them). */
  close(): void {
    this.closed = true;
    for (const host of this.hosts.values()) {
      const watcher = host.watcher;
      host.watcher = undefined;
      void watcher?.stop({ cancel: true });
      const stream = host.stream;
      host.stream = undefined;
      void stream?.stop();
    }
  }

  /** Resolves once the pipeline's watcher reflects every change so far (for tests). */
  settled(path: string): Promise<void> {
    return this.hosts.get(path)?.chain ?? Promise.resolve();
  }

  private save(trigger: TriggerConfig): void {
    this.options.store.setNodeState(TRIGGER_CONFIG_TYPE, trigger.id, JSON.stringify(trigger));
  }

  private rearm(path: string): void {
    let host = this.hosts.get(path);
    if (!host) {
      host = { watcher: undefined, stream: undefined, chain: Promise.resolve(), error: null };
      this.hosts.set(path, host);
    }
    const current = host;
    current.chain = current.chain
      .then(async () => {
        const old = current.watcher;
        current.watcher = undefined;
        if (old) await old.stop({ cancel: false });
        const oldStream = current.stream;
        current.stream = undefined;
        // A batch run cut short is replayed by the next runner (its offset was not committed).
        if (oldStream) await oldStream.stop();
        if (this.closed) return;
        current.watcher = await this.build(path, current);
        current.watcher?.start();
        current.stream = await this.buildStream(path, current);
        current.stream?.start();
      })
      .catch((error: unknown) => {
        current.error = describe(error);
        this.options.log(`tensorloom server: the triggers of ${path} could not be armed: ${describe(error)}`);
      });
  }

  private async build(path: string, host: Host): Promise<Watcher | undefined> {
    host.error = null;
    const active = this.all().filter((trigger) => trigger.path === path && !trigger.paused && trigger.kind !== 'stream');
    if (active.length === 0) return undefined;
    const pipelinePath = join(this.options.root, path);
    let pipeline: ResolvedPipeline;
    try {
      pipeline = await this.load(path);
    } catch (error) {
      host.error = describe(error);
      this.options.log(`tensorloom server: triggers of ${path} not armed: ${host.error}`);
      return undefined;
    }
    const files = active.find((trigger) => trigger.kind === 'files');
    const schedule = active.find((trigger) => trigger.kind === 'schedule');
    const drift = active.find((trigger) => trigger.kind === 'drift');
    return new Watcher({
      engine: { run: (request) => this.run(path, request) },
      store: this.options.store,
      workspaceRoot: this.options.root,
      pipeline,
      pipelinePath,
      pipelineDir: dirname(pipelinePath),
      ...(files?.folder === undefined ? {} : { files: { dir: join(this.options.root, files.folder) } }),
      ...(schedule?.schedule === undefined ? {} : { schedule: parseCron(schedule.schedule) }),
      ...(drift?.node === undefined ? {} : { driftNode: drift.node }),
      onLine: () => {},
    });
  }

  /** The pipeline's stream trigger: a StreamRunner whose batch runs go through the RunManager. */
  private async buildStream(path: string, host: Host): Promise<StreamRunner | undefined> {
    const trigger = this.all().find((candidate) => candidate.path === path && !candidate.paused && candidate.kind === 'stream');
    if (trigger === undefined) return undefined;
    const pipelinePath = join(this.options.root, path);
    try {
      const pipeline = await this.load(path);
      return new StreamRunner({
        engine: { run: (request) => this.run(path, request) },
        hub: this.options.runs.streams,
        store: this.options.store,
        workspaceRoot: this.options.root,
        pipeline,
        pipelinePath,
        pipelineDir: dirname(pipelinePath),
        onLine: () => {},
      });
    } catch (error) {
      host.error = describe(error);
      this.options.log(`tensorloom server: the stream trigger of ${path} is not armed: ${host.error}`);
      return undefined;
    }
  }

  /** The pipeline as saved now; throws with the reason when it cannot run. */
  async load(path: string): Promise<ResolvedPipeline> {
    const text = await readFile(join(this.options.root, path), 'utf8');
    const parsed = parsePipelineText(text, path);
    if (!parsed.ok) throw new Error(`${path} is not a valid pipeline file`);
    const validated = validatePipeline(parsed.doc, this.options.registry);
    if (!validated.ok) throw new Error(`${path} is not a valid pipeline (${validated.issues.length} problem${validated.issues.length === 1 ? '' : 's'})`);
    return validated.pipeline;
  }

  /** A watcher's run, through the RunManager, with the pipeline as saved now. */
  private async run(path: string, request: RunRequest): Promise<RunResult> {
    const pipeline = await this.load(path);
    const kind = request.trigger as AppTriggerKind;
    const trigger = this.all().find((candidate) => candidate.path === path && candidate.kind === kind && !candidate.paused);
    const { started, done } = this.options.runs.launch({
      pipeline,
      pipelinePath: request.pipelinePath,
      ...(request.until === undefined ? {} : { until: request.until }),
      trigger: kind,
      ...(request.tags === undefined ? {} : { tags: request.tags }),
      ...(request.streamBatch === undefined ? {} : { streamBatch: request.streamBatch }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
    });
    if (trigger) {
      trigger.lastFiredAt = Date.now();
      this.save(trigger);
      started.then(
        (runId) => {
          const latest = this.get(trigger.id);
          if (latest) this.save({ ...latest, lastFiredAt: trigger.lastFiredAt, lastRunId: runId });
        },
        () => {},
      );
    }
    return done;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
