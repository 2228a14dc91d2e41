/**
 * `tensorloom watch`: triggers (new files, a cron schedule, a drift verdict) that start runs
 * of one pipeline through the engine, one at a time.
 *
 * - **One run at a time**: a trigger that fires while a run is going queues one run; more
 *   firings meanwhile join that queued run (its `trigger.detail` tag lists them).
 * - **State** lives in the workspace store's `node_state` table under node type 'trigger'
 *   (no migration; `tensorloom state list` shows it, `state delete trigger <key>` resets it):
 *   `schedule:<pipeline>` the last firing, `files:<pipeline>:<dir>` the files handled,
 *   `drift:<pipeline>:<node>` the last run whose drift verdict was handled.
 * - **Missed schedules**: a firing that fell while watch was not running fires once at
 *   start (however many were missed).
 * - **Drift** (`driftNode`): the runs that files and the schedule start run only that node
 *   and its ancestors (the drift check); when it reports `datasetDrift` = 1 the whole
 *   pipeline runs (trigger 'drift': the retraining). A drift run never triggers another.
 *   At start, the latest finished run of the pipeline (from any origin) is checked once.
 */
import { relative } from 'node:path';
import type { Engine, EngineEventListener, RunResult } from '../engine/index.js';
import type { ResolvedPipeline } from '../graph/index.js';
import type { WorkspaceStore } from '../store/index.js';
import { firedBetween, nextFiring, type CronSchedule } from './cron.js';
import { FolderTrigger } from './folder-trigger.js';

export type TriggerKind = 'files' | 'schedule' | 'drift';

/** The node type under which triggers keep their state in the store's node_state table. */
export const TRIGGER_STATE_TYPE = 'trigger';

/** The pipeline a trigger or a stream runs, and what runs it. */
export interface TriggeredPipeline {
  /** The engine, or anything that runs like it (the server's run manager: core/server/triggers.ts). */
  readonly engine: Pick<Engine, 'run'>;
  readonly store: WorkspaceStore;
  readonly workspaceRoot: string;
  readonly pipeline: ResolvedPipeline;
  readonly pipelinePath: string;
  readonly pipelineDir: string;
  readonly overrides?: Record<string, unknown>;
  /** One line per firing, batch and run result. */
  readonly onLine: (line: string) => void;
  readonly onEvent?: EngineEventListener;
}

export interface WatcherOptions extends TriggeredPipeline {
  readonly files?: { readonly dir: string; readonly pollMs?: number; readonly settleMs?: number };
  readonly schedule?: CronSchedule;
  readonly driftNode?: string;
  readonly now?: () => Date;
}

interface Firing {
  trigger: TriggerKind;
  details: string[];
}

export class Watcher {
  private current: { firing: Firing; controller: AbortController; done: Promise<void> } | undefined;
  private queued: Firing | undefined;
  private folder: FolderTrigger | undefined;
  private scheduleTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly key: string;
  private readonly idleWaiters: (() => void)[] = [];
  /** Every run result, in order (for tests and the summary). */
  readonly results: { trigger: TriggerKind; result: RunResult }[] = [];

  constructor(private readonly options: WatcherOptions) {
    this.key = relative(options.workspaceRoot, options.pipelinePath).split('\\').join('/');
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private state<T>(name: string): T | undefined {
    return this.options.store.getNodeState(TRIGGER_STATE_TYPE, name) as T | undefined;
  }

  private saveState(name: string, value: unknown): void {
    this.options.store.setNodeState(TRIGGER_STATE_TYPE, name, JSON.stringify(value));
  }

  start(): void {
    const { files, schedule, driftNode } = this.options;
    if (files) {
      const stateKey = `files:${this.key}:${relative(this.options.workspaceRoot, files.dir).split('\\').join('/')}`;
      const known = this.state<Record<string, string>>(stateKey);
      const shownDir = relative(this.options.workspaceRoot, files.dir) || '.';
      this.folder = new FolderTrigger({
        dir: files.dir,
        ...(files.pollMs === undefined ? {} : { pollMs: files.pollMs }),
        ...(files.settleMs === undefined ? {} : { settleMs: files.settleMs }),
        ...(known === undefined ? {} : { known }),
        onFiles: (names) => {
          this.saveState(stateKey, this.folder!.snapshot());
          for (const name of names) this.fire('files', `new file ${shownDir}/${name}`);
        },
        onMissing: () => this.options.onLine(`files: the folder ${shownDir} is gone; watching for it to come back`),
        onBack: () => this.options.onLine(`files: the folder ${shownDir} is back`),
      });
      if (known === undefined) this.saveState(stateKey, this.folder.snapshot());
      this.folder.start();
    }
    if (schedule) this.startSchedule(schedule);
    if (driftNode) this.checkStoredDrift(driftNode);
  }

  private startSchedule(schedule: CronSchedule): void {
    const stateKey = `schedule:${this.key}`;
    const saved = this.state<{ schedule: string; lastFiring: number }>(stateKey);
    const now = this.now();
    let last = now;
    if (saved && saved.schedule === schedule.source) {
      const since = new Date(saved.lastFiring);
      if (firedBetween(schedule, since, now)) {
        this.saveState(stateKey, { schedule: schedule.source, lastFiring: now.getTime() });
        this.fire('schedule', `missed firing at ${nextFiring(schedule, since)!.toISOString()} (fires once at start)`);
      } else last = since;
    } else this.saveState(stateKey, { schedule: schedule.source, lastFiring: now.getTime() });
    const arm = () => {
      if (this.stopped) return;
      const next = nextFiring(schedule, last);
      if (next === null) return;
      const wait = Math.min(Math.max(next.getTime() - this.now().getTime(), 0), 60_000);
      this.scheduleTimer = setTimeout(() => {
        const at = this.now();
        if (at.getTime() >= next.getTime()) {
          last = at;
          this.saveState(stateKey, { schedule: schedule.source, lastFiring: at.getTime() });
          this.fire('schedule', `schedule '${schedule.source}' (${next.toISOString()})`);
        }
        arm();
      }, wait + 5);
    };
    arm();
  }

  /** When the schedule fires next (UTC), for the start banner. */
  nextScheduled(): Date | null {
    return this.options.schedule ? nextFiring(this.options.schedule, this.now()) : null;
  }

  /** The latest finished run of this pipeline, from any origin: its verdict counts once. */
  private checkStoredDrift(node: string): void {
    const latest = this.options.store
      .listRuns({ limit: 100 })
      .find((run) => run.pipelinePath === this.options.pipelinePath && run.status !== 'running' && run.parentRunId === null);
    if (latest === undefined || latest.trigger === 'drift') return;
    const stateKey = `drift:${this.key}:${node}`;
    if (this.state<{ runId: string }>(stateKey)?.runId === latest.id) return;
    this.saveState(stateKey, { runId: latest.id });
    if (this.options.store.getRun(latest.id)?.metrics[node]?.datasetDrift === 1) {
      this.fire('drift', `${node} reported datasetDrift = 1 in run ${latest.id}`);
    }
  }

  /** Starts a run, or queues one when a run is going (at most one queued). */
  fire(trigger: TriggerKind, detail: string): 'started' | 'queued' | 'joined' | 'stopped' {
    if (this.stopped) return 'stopped';
    if (this.current === undefined) {
      this.options.onLine(`${trigger}: ${detail} → starting a run`);
      this.begin({ trigger, details: [detail] });
      return 'started';
    }
    if (this.queued === undefined) {
      this.queued = { trigger, details: [detail] };
      this.options.onLine(`${trigger}: ${detail} → queued (a run is going)`);
      return 'queued';
    }
    this.queued.details.push(detail);
    // A drift verdict asks for the whole pipeline: it wins over a drift check.
    if (trigger === 'drift') this.queued.trigger = 'drift';
    this.options.onLine(`${trigger}: ${detail} → joins the queued run`);
    return 'joined';
  }

  private begin(firing: Firing): void {
    const controller = new AbortController();
    const { driftNode } = this.options;
    const until = driftNode !== undefined && firing.trigger !== 'drift' ? driftNode : undefined;
    const done = this.options.engine
      .run({
        pipeline: this.options.pipeline,
        pipelinePath: this.options.pipelinePath,
        pipelineDir: this.options.pipelineDir,
        overrides: this.options.overrides ?? {},
        trigger: firing.trigger,
        tags: { 'trigger.detail': firing.details.join('; ').slice(0, 4000) },
        ...(until === undefined ? {} : { until }),
        signal: controller.signal,
        ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
      })
      .then(
        (result) => this.finished(firing, result),
        (error: unknown) => this.options.onLine(`${firing.trigger}: the run could not start: ${error instanceof Error ? error.message : String(error)}`),
      )
      .then(() => this.next());
    this.current = { firing, controller, done };
  }

  private finished(firing: Firing, result: RunResult): void {
    this.results.push({ trigger: firing.trigger, result });
    this.options.onLine(`run ${result.runId} ${result.status} (trigger ${firing.trigger})${result.error ? `: ${result.error}` : ''}`);
    const node = this.options.driftNode;
    if (node === undefined || firing.trigger === 'drift' || this.stopped) return;
    this.saveState(`drift:${this.key}:${node}`, { runId: result.runId });
    if (result.metrics[node]?.datasetDrift === 1) {
      this.queueAfter = { trigger: 'drift', detail: `${node} reported datasetDrift = 1 in run ${result.runId}` };
    }
  }

  private queueAfter: { trigger: TriggerKind; detail: string } | undefined;

  private next(): void {
    this.current = undefined;
    const after = this.queueAfter;
    this.queueAfter = undefined;
    if (after) this.fire(after.trigger, after.detail);
    if (this.current === undefined && this.queued && !this.stopped) {
      const firing = this.queued;
      this.queued = undefined;
      this.options.onLine(`${firing.trigger}: starting the queued run`);
      this.begin(firing);
    }
    if (this.current === undefined) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Whether a run is going, and whether one is queued. */
  get busy(): { running: boolean; queued: boolean } {
    return { running: this.current !== undefined, queued: this.queued !== undefined };
  }

  /** Resolves when no run is going and none is queued. */
  idle(): Promise<void> {
    if (this.current === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the triggers, drops the queued run, and cancels (or with `cancel: false` waits for) the current one. */
  async stop(options: { cancel?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.folder?.stop();
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    this.queued = undefined;
    const current = this.current;
    if (current) {
      if (options.cancel !== false) current.controller.abort();
      await current.done;
    }
  }
}
