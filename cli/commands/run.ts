import { dirname } from 'node:path';
import { DiskBudgetError, Engine, resolveDiskBudget, type DiskBudgetSetting, type EngineEvent, type RunResult } from '../../core/engine/index.js';
import { StreamHub } from '../../core/stream/stream-hub.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { describeMigrations, formatIssue } from '../../core/graph/index.js';
import { displayPath, loadPipeline } from '../load.js';
import { bold, cyan, dim, formatMs, green, red, table, UsageError, yellow } from '../output.js';
import { openStore, workspaceFor } from '../workspace.js';
import { checkOnlyFlags } from './only-flags.js';

export interface RunOptions {
  pipeline: string;
  until?: string;
  sets: string[];
  json: boolean;
  workspace?: string;
  concurrency?: number;
  /** The --disk-budget value; else TENSORLOOM_DISK_BUDGET, else the default. */
  diskBudget?: string;
  /** The --experiment to record the run under; default: the pipeline's name. */
  experiment?: string;
  /** --only NODE: run exactly that node from its inputs' stored artifacts (run-only.ts). */
  only?: string;
  /** --results-dir DIR and --run-id ID (with --only): write a step result record, never the database. */
  resultsDir?: string;
  runId?: string;
  /** --merge-from DIR (with --results-dir): upstream store folders merged in first. */
  mergeFrom?: string;
}

/** Exit codes: 0 succeeded, 1 a node failed, 2 invalid pipeline or usage, 130 cancelled (Ctrl-C). */
export async function runCommand(registry: NodeRegistry, options: RunOptions): Promise<number> {
  checkOnlyFlags(options);
  const loaded = await loadPipeline(options.pipeline, registry, { sets: options.sets, workspace: options.workspace ?? null });
  const { shown } = loaded;
  if (!loaded.ok) {
    if (options.json) process.stdout.write(JSON.stringify({ error: 'invalid pipeline', file: shown, issues: loaded.issues }, null, 2) + '\n');
    else {
      process.stderr.write(red(`${shown} is not a valid pipeline (${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}):`, process.stderr) + '\n');
      for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    }
    return 2;
  }
  const { pipeline } = loaded;
  if (options.until !== undefined && !pipeline.nodes.has(options.until)) {
    throw new UsageError(`--until ${options.until}: no such node in ${shown}; nodes are: ${[...pipeline.nodes.keys()].join(', ')}`);
  }
  if (!options.json) {
    // Migrated nodes get one notice line below, not a warning each.
    for (const warning of loaded.warnings) if (warning.code !== 'needs-migration') process.stderr.write(yellow(formatIssue(warning, 'warning'), process.stderr) + '\n');
    if (loaded.migrated.length > 0) {
      process.stderr.write(yellow(`migrated in memory (the file is unchanged): ${describeMigrations(loaded.migrated)}; run 'tensorloom migrate ${shown}' to update the file`, process.stderr) + '\n');
    }
  }

  const diskBudget = diskBudgetSetting(options.diskBudget);
  const root = workspaceFor(loaded.path, options.workspace);
  if (options.only !== undefined) {
    const { runOnlyCommand } = await import('./run-only.js');
    return runOnlyCommand({
      pipeline,
      path: loaded.path,
      root,
      only: options.only,
      overrides: loaded.overrides,
      json: options.json,
      diskBudget,
      ...(options.experiment === undefined ? {} : { experiment: options.experiment }),
      ...(options.resultsDir === undefined ? {} : { resultsDir: options.resultsDir }),
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.mergeFrom === undefined ? {} : { mergeFrom: options.mergeFrom }),
    });
  }
  const store = openStore(root);
  const engine = new Engine({ registry, store, workspaceRoot: root, diskBudget, streams: new StreamHub(store, root), ...(options.concurrency ? { concurrency: options.concurrency } : {}) });
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130); // a second Ctrl-C: stop waiting
    process.stderr.write(yellow('\ncancelling… (Ctrl-C again to quit at once)\n', process.stderr));
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const printer = options.json ? undefined : new ProgressPrinter();
  try {
    const result = await engine.run({
      pipeline,
      pipelinePath: loaded.path,
      pipelineDir: dirname(loaded.path),
      ...(options.until === undefined ? {} : { until: options.until }),
      overrides: loaded.overrides,
      trigger: 'cli',
      ...(options.experiment === undefined ? {} : { experiment: options.experiment }),
      signal: controller.signal,
      ...(printer ? { onEvent: (event: EngineEvent) => printer.onEvent(event) } : {}),
    });
    if (options.json) process.stdout.write(JSON.stringify({ ...result, migrated: loaded.migrated }, null, 2) + '\n');
    else printSummary(result, root);
    return result.status === 'succeeded' ? 0 : result.status === 'cancelled' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await engine.close();
    store.close();
  }
}

function diskBudgetSetting(flag: string | undefined): DiskBudgetSetting {
  try {
    return resolveDiskBudget(flag);
  } catch (error) {
    if (error instanceof DiskBudgetError) throw new UsageError(flag === undefined ? error.message : `--disk-budget: ${error.message}`);
    throw error;
  }
}

/** Live progress: one line per finished node, and a status line for running nodes on a TTY. */
export class ProgressPrinter {
  private readonly out = process.stderr;
  private readonly live = this.out.isTTY === true;
  private readonly running = new Map<string, string>();
  private statusShown = false;

  onEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'run.started':
        this.line(`${bold(`run ${event.runId}`, this.out)} ${dim(`${event.pipeline}: ${event.nodes.length} node${event.nodes.length === 1 ? '' : 's'}${event.until ? ` (until ${event.until})` : ''}`, this.out)}`);
        break;
      case 'node.state':
        if (event.status === 'running') {
          this.running.set(event.nodeId, '');
          this.status();
        } else if (event.status !== 'queued') {
          this.running.delete(event.nodeId);
          this.line(describeState(event, this.out));
        }
        break;
      case 'node.progress':
        this.running.set(event.nodeId, `${Math.round(event.fraction * 100)}%${event.message ? ` ${event.message}` : ''}`);
        this.status();
        break;
      case 'node.log':
        if (event.level !== 'info') this.line(`  ${event.level === 'warn' ? yellow('warn', this.out) : red('error', this.out)} ${event.nodeId}: ${firstLine(event.message)}`);
        break;
      case 'node.metric':
        if (event.step !== undefined) {
          this.running.set(event.nodeId, `${event.name} ${formatNumber(event.value)} @ ${event.step}`);
          this.status();
        }
        break;
      case 'run.finished':
        this.clearStatus();
        break;
    }
  }

  private line(text: string): void {
    this.clearStatus();
    this.out.write(text + '\n');
    this.status();
  }

  private status(): void {
    if (!this.live || this.running.size === 0) return;
    const text = [...this.running].map(([id, note]) => `${id}${note ? ` ${note}` : ''}`).join(' · ');
    this.out.write(`\r\u001b[2K${dim(`running: ${text}`.slice(0, (this.out.columns ?? 100) - 1), this.out)}`);
    this.statusShown = true;
  }

  private clearStatus(): void {
    if (this.statusShown) this.out.write('\r\u001b[2K');
    this.statusShown = false;
  }
}

function describeState(event: Extract<EngineEvent, { type: 'node.state' }>, out: NodeJS.WriteStream): string {
  const time = event.ms === undefined ? '' : dim(` ${formatMs(event.ms)}`, out);
  switch (event.status) {
    case 'succeeded': return `  ${green('✓', out)} ${event.nodeId}${time}`;
    case 'cached': return `  ${cyan('○', out)} ${event.nodeId} ${dim('cached', out)}`;
    case 'failed': return `  ${red('✗', out)} ${event.nodeId}${time}: ${red(event.error ?? 'failed', out)}`;
    case 'skipped': return `  ${dim('-', out)} ${event.nodeId} ${dim(event.error ?? 'skipped', out)}`;
    case 'cancelled': return `  ${yellow('■', out)} ${event.nodeId} ${dim('cancelled', out)}`;
    default: return `  ${event.nodeId} ${event.status}`;
  }
}

function printSummary(result: RunResult, root: string): void {
  const ran = Object.values(result.nodes);
  const executed = ran.filter((node) => node.status === 'succeeded').length;
  const cached = ran.filter((node) => node.cached).length;
  const verdict = result.status === 'succeeded' ? green('succeeded') : result.status === 'failed' ? red('failed') : yellow('cancelled');
  process.stdout.write(`\nrun ${result.runId} ${verdict}: ${executed} executed, ${cached} cached, ${ran.length - executed - cached} other\n`);
  if (result.error) process.stdout.write(red(result.error) + '\n');
  const rows: string[][] = [];
  for (const [nodeId, metrics] of Object.entries(result.metrics)) {
    for (const [name, value] of Object.entries(metrics)) rows.push([`  ${nodeId}`, name, formatNumber(value)]);
  }
  if (rows.length > 0) process.stdout.write(`${bold('metrics')}\n${table(rows)}\n`);
  const hint = `tensorloom show ${result.runId}${root === process.cwd() ? '' : ` --workspace ${displayPath(root)}`}`;
  process.stdout.write(dim(`details: ${hint}`) + '\n');
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
