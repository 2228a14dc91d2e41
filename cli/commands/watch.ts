import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { Engine } from '../../core/engine/index.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { formatIssue } from '../../core/graph/index.js';
import { CronError, nextFiring, parseCron, type CronSchedule } from '../../core/stream/cron.js';
import { Watcher, type TriggeredPipeline } from '../../core/stream/watcher.js';
import { StreamHub } from '../../core/stream/stream-hub.js';
import { StreamRunner, streamNodeOf } from '../../core/stream/stream-runner.js';
import { loadPipeline } from '../load.js';
import { dim, red, UsageError, yellow } from '../output.js';
import { untilStopSignal, whileStopping } from '../stop-signal.js';
import { openStore, workspaceFor } from '../workspace.js';
import type { WorkspaceStore } from '../../core/store/index.js';
import { ProgressPrinter } from './run.js';

export interface WatchOptions {
  pipeline: string;
  onFiles?: string;
  schedule?: string;
  onDrift?: string;
  /** A streaming run of the pipeline's data.stream node (core/stream/stream-runner.ts). */
  stream?: boolean;
  sets: string[];
  workspace?: string;
  concurrency?: number;
}

/**
 * `tensorloom watch`: runs the pipeline when its triggers fire, until Ctrl-C or SIGTERM,
 * which cancel the current run and exit 0 (a second signal exits 130 at once).
 * Exit codes: 0 stopped by a signal, 2 invalid pipeline or usage.
 */
export async function watchCommand(registry: NodeRegistry, options: WatchOptions): Promise<number> {
  if (options.stream === true && (options.onFiles !== undefined || options.schedule !== undefined || options.onDrift !== undefined)) {
    throw new UsageError("'tensorloom watch --stream' runs the pipeline per micro-batch of its stream; it takes no other trigger (--on-files, --schedule, --on-drift): watch those in another process");
  }
  if (options.stream !== true && options.onFiles === undefined && options.schedule === undefined && options.onDrift === undefined) {
    throw new UsageError("'tensorloom watch' needs a trigger: --on-files DIR, --schedule \"CRON\", --on-drift NODE or --stream");
  }
  const schedule = options.schedule === undefined ? undefined : scheduleFlag(options.schedule);
  const loaded = await loadPipeline(options.pipeline, registry, { sets: options.sets, workspace: options.workspace ?? null });
  if (!loaded.ok) {
    process.stderr.write(red(`${loaded.shown} is not a valid pipeline (${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}):`, process.stderr) + '\n');
    for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return 2;
  }
  const { pipeline } = loaded;
  const root = workspaceFor(loaded.path, options.workspace);
  if (options.onDrift !== undefined && !pipeline.nodes.has(options.onDrift)) {
    throw new UsageError(`--on-drift ${options.onDrift}: no such node in ${loaded.shown}; nodes are: ${[...pipeline.nodes.keys()].join(', ')}`);
  }
  const filesDir = options.onFiles === undefined ? undefined : folderFlag(options.onFiles, root);
  if (options.stream === true) return streamCommand(registry, loaded, root, options);

  const store = openStore(root);
  const engine = new Engine({ registry, store, workspaceRoot: root, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
  const printer = new ProgressPrinter();
  const watcher = new Watcher({
    ...triggered(loaded, root, engine, store),
    ...(filesDir === undefined ? {} : { files: { dir: filesDir } }),
    ...(schedule === undefined ? {} : { schedule }),
    ...(options.onDrift === undefined ? {} : { driftNode: options.onDrift }),
    onEvent: (event) => printer.onEvent(event),
  });
  // Listen before the banner: whoever reads it may stop watch at once.
  const stopped = untilStopSignal();
  const watching = [
    filesDir === undefined ? undefined : `new files in ${relative(root, filesDir) || '.'}`,
    schedule === undefined ? undefined : `schedule '${schedule.source}' (UTC; next ${watcher.nextScheduled()?.toISOString()})`,
    options.onDrift === undefined ? undefined : `drift verdicts of ${options.onDrift} (files and schedule run only it and its ancestors; drift runs the whole pipeline)`,
  ].filter((text) => text !== undefined);
  line(`watching ${loaded.shown}: ${watching.join('; ')}. Ctrl-C stops.`);
  try {
    watcher.start();
    const signal = await stopped;
    const { running } = watcher.busy;
    process.stderr.write(yellow(`\n${signal}: stopping${running ? ' (cancelling the current run; again to quit at once)' : ''}\n`, process.stderr));
    await whileStopping(() => watcher.stop({ cancel: true }));
    line('stopped');
    return 0;
  } finally {
    await whileStopping(() => engine.close());
    store.close();
  }
}

type LoadedPipeline = Extract<Awaited<ReturnType<typeof loadPipeline>>, { ok: true }>;

/** A line on stdout, stamped with the time. */
function line(text: string): void {
  process.stdout.write(`${dim(new Date().toISOString(), process.stdout)} ${text}\n`);
}

/** What the Watcher and the StreamRunner both take: the loaded pipeline, what runs it, where lines go. */
function triggered(loaded: LoadedPipeline, root: string, engine: Engine, store: WorkspaceStore): TriggeredPipeline {
  return { engine, store, workspaceRoot: root, pipeline: loaded.pipeline, pipelinePath: loaded.path, pipelineDir: dirname(loaded.path), overrides: loaded.overrides, onLine: line };
}

/** `watch --stream`: one StreamRunner until a stop signal; the current batch run is cancelled (and replayed at the next start). */
async function streamCommand(registry: NodeRegistry, loaded: LoadedPipeline, root: string, options: WatchOptions): Promise<number> {
  const { pipeline } = loaded;
  try {
    streamNodeOf(pipeline);
  } catch (error) {
    throw new UsageError(`--stream: ${(error as Error).message} (${loaded.shown})`);
  }
  const store = openStore(root);
  const hub = new StreamHub(store, root);
  const engine = new Engine({ registry, store, workspaceRoot: root, streams: hub, ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
  const runner = new StreamRunner({
    ...triggered(loaded, root, engine, store),
    hub,
  });
  const stopped = untilStopSignal();
  line(`watching ${runner.describe()}. Ctrl-C stops.`);
  try {
    runner.start();
    const signal = await stopped;
    process.stderr.write(yellow(`\n${signal}: stopping (a batch being processed is replayed at the next start; again to quit at once)\n`, process.stderr));
    await whileStopping(() => runner.stop());
    const status = runner.status();
    line(`stopped: ${status.batches} batches, ${status.received} records received (${status.duplicates} duplicates dropped, ${status.deadLetters} dead letters), ${status.backlog} waiting`);
    return 0;
  } finally {
    await whileStopping(() => engine.close());
    store.close();
  }
}

function scheduleFlag(text: string): CronSchedule {
  let schedule: CronSchedule;
  try {
    schedule = parseCron(text);
  } catch (error) {
    if (error instanceof CronError) throw new UsageError(`--schedule: ${error.message}`);
    throw error;
  }
  if (nextFiring(schedule, new Date()) === null) throw new UsageError(`--schedule '${text}' never fires (no such date)`);
  return schedule;
}

function folderFlag(flag: string, root: string): string {
  const dir = resolve(flag);
  const rel = relative(root, dir);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new UsageError(`--on-files ${flag}: the folder must be inside the workspace (${root})`);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--on-files ${flag}: no such folder`);
  return dir;
}
