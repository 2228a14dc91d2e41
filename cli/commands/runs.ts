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

export function runsCommand(options: { json: boolean; workspace?: string; limit?: number }): number {
  const store = openStore(findWorkspace(options.workspace));
  try {
    const runs = store.listRuns({ limit: options.limit ?? 50 });
    if (options.json) {
      process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
      return 0;
    }
    if (runs.length === 0) {
      process.stdout.write('no runs yet\n');
      return 0;
    }
    const rows = [[dim('run'), dim('pipeline'), dim('status'), dim('started'), dim('took'), dim('nodes')]];
    for (const run of runs) {
      const counts = Object.entries(run.nodeCounts ?? {}).filter(([, count]) => count > 0).map(([status, count]) => `${count} ${status}`).join(', ');
      rows.push([
        run.id,
        run.pipelineName + (run.until ? dim(` until ${run.until}`) : ''),
        colourStatus(run.status),
        formatTime(run.startedAt),
        run.finishedAt ? formatMs(run.finishedAt - run.startedAt) : '—',
        counts,
      ]);
    }
    process.stdout.write(table(rows) + '\n');
    return 0;
  } finally {
    store.close();
  }
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
