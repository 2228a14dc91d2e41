/**
 * Tensorloom reliability sweep: how the real CLI and servers handle bad input and crashes.
 *
 *   npx tsx scripts/reliability/sweep.ts [--json] [--out FILE] [--kills N] [--seed N] [--concurrency N] [--only CATS] [--keep]
 *
 * Every case runs the real `tensorloom` (node --import tsx cli/entry.ts …) or talks to the
 * real HTTP servers on 127.0.0.1, in temp copies of examples/ (the repo is never written).
 * A case is "clean" when nothing crashed, the exit code / HTTP status is the documented one
 * for a user mistake (CLI 1 or 2, HTTP 4xx, unless the case says otherwise), there is no
 * stack trace and no 'internal error' in the output, and a server still answers its health
 * check afterwards. Anything else is a "finding". Exit 0 whatever the findings (this is a
 * measurement); exit 1 when the harness itself could not measure (see README.md here).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dataCaseResults, makeDataFixtures } from './cases-data.js';
import { pipelineCases, type CatalogEntry } from './cases-pipelines.js';
import { loadTest, serveCaseResults, trainPenguins, type LoadFigures } from './cases-serve.js';
import { uiCaseResults } from './cases-ui.js';
import { concurrentCaseResults, diskCaseResults } from './cases-workspace.js';
import { killCaseResults, type KillFigures } from './kill9.js';
import { CATEGORIES, copyExamples, log, makeSweepRoot, runCli, type CaseResult, type Category } from './lib.js';
import type { ServerProcess } from './servers.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    kills: { type: 'string', default: '25' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(`Usage: npx tsx scripts/reliability/sweep.ts [--json] [--out FILE] [--kills N] [--seed N] [--concurrency N] [--only ${CATEGORIES.join(',')}] [--keep]\n`);
  process.exit(0);
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`sweep: --${flag} must be a whole number ≥ ${min} (got '${text}')\n`);
    process.exit(1);
  }
  return value;
}

const kills = wholeNumber('kills', values.kills, 0);
const seed = wholeNumber('seed', values.seed, 0);
const concurrency = values.concurrency === undefined ? Math.max(2, Math.min(4, availableParallelism())) : wholeNumber('concurrency', values.concurrency, 1);
const only = new Set((values.only ?? CATEGORIES.join(',')).split(',').map((name) => name.trim()));
for (const name of only) {
  if (!CATEGORIES.includes(name as Category)) {
    process.stderr.write(`sweep: --only takes ${CATEGORIES.join(', ')} (got '${name}')\n`);
    process.exit(1);
  }
}
const wanted = (category: Category) => only.has(category);

const started = Date.now();
const loadAtStart = loadavg()[0]!;
const root = makeSweepRoot();
const outside = join(root, 'outside');
mkdirSync(outside);
writeFileSync(join(outside, 'secret.csv'), 'secret,value\nkey,42\n');
writeFileSync(join(outside, 'secret.pipeline.json'), '{"format":"tensorloom/pipeline@1","name":"secret","nodes":[],"edges":[]}\n');
log(`workspaces under ${root}; concurrency ${concurrency}; ${kills} kills, seed ${seed}`);

const results: CaseResult[] = [];
const harnessErrors: string[] = [];
let loadFigures: LoadFigures | null = null;
let killFigures: KillFigures | null = null;
const timings: Record<string, number> = {};

async function step(label: string, work: () => Promise<void>): Promise<void> {
  const begun = Date.now();
  try {
    await work();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    harnessErrors.push(`${label}: ${message}`);
    log(`HARNESS ERROR in ${label}: ${message.split('\n')[0]}`);
  } finally {
    timings[label] = Math.round((Date.now() - begun) / 100) / 10;
    log(`${label}: done in ${timings[label]} s`);
  }
}

async function catalog(): Promise<CatalogEntry[]> {
  const run = await runCli(['nodes', '--json']);
  if (run.code !== 0) throw new Error(`tensorloom nodes --json exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  const parsed = JSON.parse(run.stdout) as CatalogEntry[];
  if (!Array.isArray(parsed) || parsed.length === 0) throw new Error('tensorloom nodes --json listed no node types');
  return parsed;
}

// Pre-flight: the CLI must start and run a small pipeline end to end (a tree mid-edit may
// not: a store that does not open makes every `run` exit 2, which would pass for a refusal).
let nodeCatalog: CatalogEntry[] = [];
await step('pre-flight', async () => {
  nodeCatalog = await catalog();
  const ws = copyExamples(root, 'pre-flight');
  writeFileSync(join(ws, 'pre-flight.pipeline.json'), JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'pre-flight', nodes: [{ id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } }], edges: [] }));
  const run = await runCli(['run', 'pre-flight.pipeline.json', '--json'], { cwd: ws });
  if (run.code !== 0) throw new Error(`a one-node run (data.csv on penguins) exited ${run.code}:\n${run.stderr.slice(0, 2000)}`);
  const listed = await runCli(['runs', '--json'], { cwd: ws });
  if (listed.code !== 0) throw new Error(`tensorloom runs --json exited ${listed.code} after a good run:\n${listed.stderr.slice(0, 2000)}`);
});
if (harnessErrors.length > 0) {
  process.stderr.write(`sweep: the CLI does not start or cannot run a one-node pipeline, so nothing can be measured:\n${harnessErrors.join('\n')}\n`);
  rmSync(root, { recursive: true, force: true });
  process.exit(1);
}

let server: ServerProcess | null = null;
try {
  // Three groups side by side: files and data; the servers; kill -9. The load test runs last, alone.
  const files = (async () => {
    const fixtures = wanted('data') ? makeDataFixtures(root) : null;
    fixtures?.catch(() => undefined);
    if (wanted('pipelines')) await step('pipelines', async () => void results.push(...(await pipelineCases(root, nodeCatalog, outside, concurrency))));
    if (fixtures) await step('data', async () => void results.push(...(await dataCaseResults(root, await fixtures, concurrency))));
    if (wanted('disk')) await step('disk', async () => void results.push(...(await diskCaseResults(root))));
    if (wanted('concurrent')) await step('concurrent', async () => void results.push(...(await concurrentCaseResults(root))));
  })();
  const servers = (async () => {
    if (wanted('ui-api')) await step('ui-api', async () => void results.push(...(await uiCaseResults(root, outside))));
    if (wanted('model-server') || wanted('load')) {
      await step('model-server', async () => {
        const { ws, model } = await trainPenguins(root);
        log(`model-server: trained penguins, model ${model.slice(0, 19)}…`);
        const served = await serveCaseResults(ws, model);
        server = served.server;
        if (wanted('model-server')) results.push(...served.results);
      });
    }
  })();
  const killing = wanted('kill-9') && kills > 0
    ? step('kill-9', async () => {
        const killed = await killCaseResults(root, kills, seed);
        results.push(...killed.results);
        killFigures = killed.figures;
      })
    : Promise.resolve();
  await Promise.all([files, servers, killing]);
  if (wanted('load')) {
    await step('load', async () => {
      if (server === null) throw new Error('no model server to load (its start failed above)');
      const load = await loadTest(server);
      results.push(load.result);
      loadFigures = load.figures;
    });
  }
} finally {
  const running = server as ServerProcess | null;
  if (running) await running.stop();
}

// ---------------------------------------------------------------------------------------
// Report

const seconds = Math.round((Date.now() - started) / 1000);
/** Cases run, and how they came out; skipped cases were not measured (not clean, not findings). */
interface Row {
  cases: number;
  clean: number;
  findings: number;
  skipped: number;
}
const summary = Object.fromEntries(
  CATEGORIES.filter(wanted).map((category) => {
    const mine = results.filter((result) => result.category === category);
    const count = (outcome: CaseResult['outcome']) => mine.filter((result) => result.outcome === outcome).length;
    return [category, { cases: mine.length, clean: count('clean'), findings: count('finding'), skipped: count('skipped') }];
  }),
) as Record<Category, Row>;
const totals = Object.values(summary).reduce(
  (sum, row) => ({ cases: sum.cases + row.cases, clean: sum.clean + row.clean, findings: sum.findings + row.findings, skipped: sum.skipped + row.skipped }),
  { cases: 0, clean: 0, findings: 0, skipped: 0 },
);
const findings = results.filter((result) => result.outcome === 'finding');
const skipped = results.filter((result) => result.outcome === 'skipped');

const report = {
  tool: 'tensorloom reliability sweep',
  schema: 1,
  date: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpus: availableParallelism(),
  /** One-minute load average at the start and the end: other work on the machine slows every case. */
  loadAverage: { start: Math.round(loadAtStart * 10) / 10, end: Math.round(loadavg()[0]! * 10) / 10 },
  options: { kills, seed, concurrency, only: [...only] },
  seconds,
  timings,
  summary,
  totals,
  load: loadFigures,
  kill9: killFigures,
  harnessErrors,
  findings,
  skipped,
  cases: results,
};

if (values.out) {
  writeFileSync(resolve(values.out), JSON.stringify(report, null, 2) + '\n');
  log(`report written to ${resolve(values.out)}`);
}

if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else process.stdout.write(textReport());

if (!values.keep) rmSync(root, { recursive: true, force: true });
else log(`kept ${root}`);
process.exitCode = harnessErrors.length > 0 ? 1 : 0;

function textReport(): string {
  const lines: string[] = [];
  const pad = (text: string | number, width: number, right = false) => (right ? String(text).padStart(width) : String(text).padEnd(width));
  lines.push('', `Tensorloom reliability sweep: ${totals.cases} cases in ${seconds} s (node ${process.version}, ${availableParallelism()} CPUs, load average ${report.loadAverage.start} → ${report.loadAverage.end}, seed ${seed})`, '');
  const row = (label: string, counts: Row) => `${pad(label, 14)}${pad(counts.cases, 7, true)}${pad(counts.clean, 7, true)}${pad(counts.findings, 10, true)}${pad(counts.skipped, 9, true)}`;
  lines.push(`${pad('category', 14)}${pad('cases', 7, true)}${pad('clean', 7, true)}${pad('findings', 10, true)}${pad('skipped', 9, true)}`);
  lines.push('-'.repeat(47));
  for (const [category, counts] of Object.entries(summary)) lines.push(row(category, counts));
  lines.push('-'.repeat(47));
  lines.push(row('total', totals), '');
  const load = loadFigures as LoadFigures | null;
  if (load) {
    lines.push(
      `5xx under load: ${load.status5xx} of ${load.requests} answers (${load.connections} concurrent connections, ${load.good} good / ${load.bad} bad requests, ${load.seconds} s;` +
        ` 2xx ${load.status2xx}, 4xx ${load.status4xx}, no answer ${load.noAnswer}, good not 200 ${load.goodNot200}; p50 ${load.p50ms} ms, p99 ${load.p99ms} ms; healthy after: ${load.healthyAfter ? 'yes' : 'no'})`,
    );
  }
  const kill = killFigures as KillFigures | null;
  if (kill) {
    lines.push(
      `kill -9: ${kill.attempts} attempts, ${kill.landed} landed mid-run (${kill.beforeRecord} before the run was recorded, ${kill.interrupted} shown as interrupted);` +
        ` integrity failures ${kill.integrityFailures}, not marked interrupted ${kill.notMarkedInterrupted}, failed re-runs ${kill.rerunFailures}, temp leftovers ${kill.leftoverTemp}`,
    );
  }
  if (load || kill) lines.push('');
  if (harnessErrors.length > 0) {
    lines.push('HARNESS ERRORS (the measurement is incomplete):');
    for (const error of harnessErrors) lines.push(`  ${error.split('\n').join('\n    ')}`);
    lines.push('');
  }
  if (skipped.length > 0) {
    lines.push(`Skipped, not measured here (${skipped.length}):`);
    for (const kase of skipped) lines.push(`- [${kase.category}] ${kase.name}: ${kase.reason}`);
    lines.push('');
  }
  if (findings.length === 0) lines.push('No findings.');
  else {
    lines.push(`Findings (${findings.length}):`);
    for (const finding of findings) {
      lines.push(`- [${finding.category}] ${finding.name}: ${finding.reason}`);
      lines.push(`    ${finding.what}${finding.code === null ? '' : ` → ${finding.code}`}${finding.signal ? ` (${finding.signal})` : ''}`);
      if (finding.excerpt) lines.push(...finding.excerpt.split('\n').map((line) => `    | ${line}`));
    }
  }
  lines.push('');
  return lines.join('\n');
}
