import { formatCell, isQuerySyntaxError, metricColumnValue, queryRuns, type RunTable, type TrackedRun } from '../../core/tracking/index.js';
import { bold, cyan, dim, formatMs, green, red, table, UsageError, yellow } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

const colourStatus = (status: string) =>
  status === 'succeeded' ? green(status) : status === 'failed' ? red(status) : status === 'cached' ? cyan(status) : status === 'running' ? bold(status) : yellow(status);

/** Local time as `2026-11-26 10:12:53`: sortable and unambiguous. */
function formatTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export interface RunsOptions {
  json: boolean;
  workspace?: string;
  limit?: number;
  experiment?: string;
  where?: string;
  sort?: string;
  /** Also list child runs (tune trials). */
  children?: boolean;
}

/** Param columns shown in the table; --json has every one. */
const MAX_PARAM_COLUMNS = 8;

export function runsCommand(options: RunsOptions): number {
  const store = openStore(findWorkspace(options.workspace));
  try {
    let found: RunTable;
    try {
      found = queryRuns(store, {
        limit: options.limit ?? 50,
        ...(options.experiment === undefined ? {} : { experiment: options.experiment }),
        ...(options.where === undefined ? {} : { where: options.where }),
        ...(options.sort === undefined ? {} : { sort: options.sort }),
        children: options.children === true,
      });
    } catch (error) {
      if (isQuerySyntaxError(error)) throw new UsageError(error.display());
      throw error;
    }
    const { runs, columns } = found;
    if (options.experiment !== undefined && runs.length === 0 && !store.experiments().some((experiment) => experiment.name === options.experiment)) {
      const known = store.experiments().map((experiment) => experiment.name);
      throw new UsageError(`no experiment '${options.experiment}' in this workspace; experiments are: ${known.join(', ') || 'none yet'}`);
    }
    if (options.json) {
      process.stdout.write(JSON.stringify(runs.map(runJson), null, 2) + '\n');
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write(options.where === undefined && options.experiment === undefined ? 'no runs yet\n' : 'no runs match\n');
      return 0;
    }
    const params = columns.params.slice(0, MAX_PARAM_COLUMNS);
    const withTags = runs.some((run) => Object.keys(run.tags).length > 0);
    const experiments = new Set(runs.map((run) => run.experiment)).size > 1 || options.experiment === undefined;
    const rows = [
      [
        dim('run'),
        ...(experiments ? [dim('experiment')] : []),
        dim('status'),
        dim('started'),
        dim('took'),
        ...columns.metrics.map((column) => dim(column)),
        ...params.map((column) => dim(column)),
        ...(withTags ? [dim('tags')] : []),
      ],
    ];
    for (const run of runs) {
      rows.push([
        run.id + (run.until ? dim(` until ${run.until}`) : ''),
        ...(experiments ? [run.experiment] : []),
        colourStatus(run.status),
        formatTime(run.startedAt),
        run.durationMs === null ? '—' : formatMs(run.durationMs),
        ...columns.metrics.map((column) => formatCell(metricColumnValue(run, column))),
        ...params.map((column) => {
          const dot = column.indexOf('.');
          return formatCell(run.params[column.slice(0, dot)]?.[column.slice(dot + 1)]);
        }),
        ...(withTags ? [Object.entries(run.tags).map(([key, value]) => `${key}=${value}`).join(' ')] : []),
      ]);
    }
    process.stdout.write(table(rows) + '\n');
    if (columns.params.length > params.length) {
      process.stdout.write(dim(`${columns.params.length - params.length} more params differ: ${columns.params.slice(params.length).join(', ')} (--json has them all)`) + '\n');
    }
    return 0;
  } finally {
    store.close();
  }
}

/** A run in `tensorloom runs --json`: the run's record with its params, final metrics and tags. */
function runJson(run: TrackedRun) {
  const { nodeTypes: _nodeTypes, outputs: _outputs, environment: _environment, ...rest } = run;
  return rest;
}

export function showCommand(options: { runId: string; json: boolean; workspace?: string }): number {
  const store = openStore(findWorkspace(options.workspace));
  try {
    const run = store.getRun(options.runId);
    if (!run) throw new UsageError(`no run '${options.runId}' in this workspace; list them with: tensorloom runs`);
    if (options.json) {
      process.stdout.write(JSON.stringify(run, null, 2) + '\n');
      return 0;
    }
    const took = run.finishedAt ? ` in ${formatMs(run.finishedAt - run.startedAt)}` : '';
    process.stdout.write(`${bold(`run ${run.id}`)} ${run.pipelineName}: ${colourStatus(run.status)}${took}\n`);
    process.stdout.write(dim(`started ${formatTime(run.startedAt)} · pipeline ${run.pipelineHash.slice(0, 19)}… · backend ${run.backend ?? 'none'}${run.until ? ` · until ${run.until}` : ''}`) + '\n');
    process.stdout.write(dim(`experiment ${run.experiment}${run.trigger ? ` · started from ${run.trigger}` : ''}${run.parentRunId ? ` · child of ${run.parentRunId}${run.parentNodeId ? ` (${run.parentNodeId})` : ''}` : ''}`) + '\n');
    const environment = describeEnvironment(run.environment);
    if (environment) process.stdout.write(dim(environment) + '\n');
    const tags = Object.entries(run.tags);
    if (tags.length > 0) process.stdout.write(`tags: ${tags.map(([key, value]) => `${key}=${value}`).join('  ')}\n`);
    if (run.note) process.stdout.write(`note: ${run.note}\n`);
    if (run.error) process.stdout.write(red(run.error) + '\n');
    const rows = [[dim('node'), dim('type'), dim('status'), dim('took'), dim('outputs / error')]];
    for (const [id, node] of Object.entries(run.nodes)) {
      const outputs = Object.entries(node.outputs ?? {}).map(([port, ref]) => `${port} ${ref.hash.slice(0, 19)}…`).join(', ');
      rows.push([id, node.type ?? '', colourStatus(node.status), node.ms ? formatMs(node.ms) : '', node.error ? red(node.error) : dim(outputs)]);
    }
    process.stdout.write(table(rows) + '\n');
    const metricRows: string[][] = [];
    for (const [nodeId, metrics] of Object.entries(run.metrics)) {
      for (const [name, value] of Object.entries(metrics)) metricRows.push([`  ${nodeId}`, name, String(value)]);
    }
    if (metricRows.length > 0) process.stdout.write(`${bold('metrics')}\n${table(metricRows)}\n`);
    if (run.sources.length > 0) {
      process.stdout.write(`${bold('source files')}\n${table(run.sources.map((source) => [`  ${source.nodeId}`, source.path, dim(`${source.hash.slice(0, 19)}… ${source.size} bytes`)]))}\n`);
    }
    // Warnings and errors matter after the fact (skipped rows, a stack trace of a bug); info lines are in --json.
    const notable = run.logs.filter((log) => log.level !== 'info');
    if (notable.length > 0) {
      process.stdout.write(`${bold('warnings and errors')}\n`);
      for (const log of notable) {
        const [first, ...rest] = log.message.split('\n');
        process.stdout.write(`  ${log.level === 'warn' ? yellow('warn') : red('error')} ${log.nodeId ?? 'run'}: ${first}\n`);
        if (rest.length > 0) process.stdout.write(dim(rest.map((line) => `      ${line}`).join('\n')) + '\n');
      }
    }
    return 0;
  } finally {
    store.close();
  }
}

/** One line: versions, OS, CPU/GPU and git, from a run's environment record (null for runs recorded before it existed). */
function describeEnvironment(environment: Record<string, unknown> | null): string | undefined {
  if (environment === null) return undefined;
  const env = environment as {
    tensorloom?: string | null;
    tfjs?: string | null;
    node?: string;
    os?: { platform?: string; release?: string; arch?: string };
    cpu?: { model?: string | null; cores?: number };
    gpu?: { api?: string; name?: string | null } | null;
    git?: { commit?: string | null; branch?: string | null; dirty?: boolean | null } | null;
  };
  const parts = [
    `tensorloom ${env.tensorloom ?? '?'}`,
    `tfjs ${env.tfjs ?? '?'}`,
    `node ${env.node ?? '?'}`,
    env.os ? `${env.os.platform} ${env.os.release} ${env.os.arch}` : undefined,
    env.cpu ? `${env.cpu.cores ?? '?'} × ${env.cpu.model ?? 'cpu'}` : undefined,
    env.gpu ? `gpu ${env.gpu.name ?? env.gpu.api}` : undefined,
    env.git ? `git ${env.git.commit?.slice(0, 12) ?? '(no commit)'}${env.git.dirty ? ' (dirty)' : ''}` : undefined,
  ];
  return parts.filter(Boolean).join(' · ');
}
