/**
 * Categories 6 and 7: the workspace under pressure.
 *
 * - `disk`: a full disk (a real 2 MB tmpfs, where this machine lets the sweep mount one; the
 *   cases are reported as skipped otherwise), the per-run disk budget (--disk-budget /
 *   TENSORLOOM_DISK_BUDGET, a runaway chain of nodes) and `tensorloom gc` (dry run, beside a
 *   live run, the cache still whole afterwards).
 * - `concurrent`: several `tensorloom run` processes on one workspace at once.
 *
 * After each: the documented exit code and one clear line (no stack, no raw SqliteError or
 * ENOSPC), `tensorloom runs --json` still works, and the database passes integrity_check
 * and foreign_key_check.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeBytes, mountSmallDisk } from '../../core/store/test-fixtures/small-disk.js';
import { pipelineText } from './cases-pipelines.js';
import { cliCase, cliProblems, collect, databaseProblems, copyExamples, describeCli, excerptOf, log, makeSweepRoot, mapPool, REPO, runCli, skippedCase, startCli, tempLeftovers, type CaseResult, type CliRun } from './lib.js';

const RAW_ERRORS = /SqliteError|SQLITE_[A-Z]|ENOSPC|EDQUOT/;
const DISK_FULL = /the disk holding the workspace is full/;

interface RunJson {
  runId?: string;
  status?: string;
  nodes?: Record<string, { status: string; cached?: boolean }>;
}

interface RunsEntry {
  id: string;
  status: string;
  pid?: number;
}

function parse<T>(text: string): T | null {
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) count += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return count;
}

/** Problems with a CLI outcome plus the checks every case here makes: no raw error text, and `text` (when given) in the output. */
function outcome(run: CliRun, codes: readonly number[], text?: RegExp): string[] {
  const problems = cliProblems(run, { codes });
  const output = `${run.stdout}\n${run.stderr}`;
  const raw = RAW_ERRORS.exec(output);
  if (raw) problems.push(`raw error text in the output (${raw[0]})`);
  if (text && !text.test(output)) problems.push(`the output does not say ${text.source.replace(/\\/g, '')}`);
  return problems;
}

function shown(ws: string, args: string[]): string[] {
  return args.map((arg) => (arg.startsWith(ws) ? arg.slice(ws.length + 1) || '.' : arg));
}

/** The last `tensorloom runs --json` process, for the cases that report it. */
let lastRuns: CliRun | null = null;

/** `tensorloom runs --json`: exit 0 and a list; returns the entries (empty when it failed, with problems). */
async function listRuns(ws: string, problems: string[], label = 'tensorloom runs --json'): Promise<RunsEntry[]> {
  const runs = await runCli(['runs', '--json', '--limit', '50'], { cwd: ws });
  lastRuns = runs;
  const wrong = outcome(runs, [0]);
  if (wrong.length > 0) {
    problems.push(...wrong.map((problem) => `${label}: ${problem}`));
    return [];
  }
  const entries = parse<RunsEntry[]>(runs.stdout);
  if (!Array.isArray(entries)) {
    problems.push(`${label}: no JSON list`);
    return [];
  }
  return entries;
}

// ---------------------------------------------------------------------------------------
// Disk: full disk, budget, gc

const PENGUINS = ['run', 'penguins.pipeline.json'];
const EPOCHS = ['--set', 'train.epochs=10'];

async function fullDiskCases(root: string): Promise<CaseResult[]> {
  const names = [
    'full disk: a run with 200 KB free (no budget) stops with one clear line',
    'full disk: runs --json and show work on the full disk',
    'full disk: a run with 0 bytes free stops with one clear line',
    'full disk: runs --json with 0 bytes free',
    'full disk: a re-run once there is room succeeds; the store stays consistent',
    'full disk: runs --json with 0 bytes free and no -shm file (exclusive locking)',
  ];
  const small = mountSmallDisk('2m', mkdtempSync(join(root, 'small-disk-')));
  if ('skip' in small) return names.map((name) => skippedCase('disk', name, 'tensorloom run on a 2 MB tmpfs', small.skip));
  const results: CaseResult[] = [];
  const env = { TENSORLOOM_DISK_BUDGET: 'off' };
  try {
    const ws = small.dir;
    mkdirSync(join(ws, 'data'));
    copyFileSync(join(REPO, 'examples', 'data', 'penguins.csv'), join(ws, 'data', 'penguins.csv'));
    copyFileSync(join(REPO, 'examples', 'penguins.pipeline.json'), join(ws, 'penguins.pipeline.json'));
    const fillers: string[] = [];
    const push = (name: string, run: CliRun, args: string[], problems: string[], note?: string) => results.push(cliCase('disk', name, args, run, problems, note));

    // 1. Room to start the run, not to finish it.
    fillers.push(small.fill(200 * 1024));
    const args1 = [...PENGUINS, ...EPOCHS];
    const first = await runCli(args1, { cwd: ws, env, timeoutMs: 180_000 });
    push(names[0]!, first, [...args1, '(TENSORLOOM_DISK_BUDGET=off)'], outcome(first, [1], DISK_FULL));

    // 2. Read-only commands on the full disk.
    const readProblems: string[] = [];
    const entries = await listRuns(ws, readProblems);
    const failedRun = entries[0];
    if (entries.length > 0 && !['failed', 'interrupted'].includes(failedRun!.status)) readProblems.push(`the run on the full disk shows as '${failedRun!.status}'`);
    let show: CliRun | null = null;
    if (failedRun) {
      show = await runCli(['show', failedRun.id], { cwd: ws });
      readProblems.push(...outcome(show, [0]).map((problem) => `tensorloom show: ${problem}`));
    }
    push(names[1]!, show ?? first, ['runs', '--json', ';', 'show', failedRun?.id ?? '<run>'], readProblems, failedRun ? `run ${failedRun.id} ${failedRun.status}` : undefined);

    // 3. Not a byte free.
    fillers.push(small.fill(0));
    const zero = await runCli(args1, { cwd: ws, env, timeoutMs: 180_000 });
    push(names[2]!, zero, [...args1, '(0 bytes free)'], outcome(zero, [1], DISK_FULL), `free: ${freeBytes(ws)} bytes`);
    const zeroProblems: string[] = [];
    const zeroRuns = await listRuns(ws, zeroProblems);
    push(names[3]!, lastRuns ?? zero, ['runs', '--json', '(0 bytes free)'], zeroProblems, `${zeroRuns.length} runs listed`);

    // 4. Room again: the same run succeeds, the store is whole.
    for (const filler of fillers.splice(0)) rmSync(filler, { force: true });
    const args4 = [...args1, '--json'];
    const again = await runCli(args4, { cwd: ws, env, timeoutMs: 180_000 });
    const againProblems = outcome(again, [0]);
    const status = parse<RunJson>(again.stdout)?.status;
    if (againProblems.length === 0 && status !== 'succeeded') againProblems.push(`the re-run's status is ${status}`);
    againProblems.push(...databaseProblems(ws));
    const earlier = await listRuns(ws, againProblems);
    for (const entry of earlier) if (!['failed', 'interrupted', 'succeeded'].includes(entry.status)) againProblems.push(`run ${entry.id} shows as '${entry.status}'`);
    push(names[4]!, again, args4, againProblems);

    // 5. The store closed cleanly (no -wal, no -shm), then the disk fills to the last byte:
    // opening it needs room for a -shm file it cannot create.
    const shmBefore = existsSync(join(ws, '.tensorloom', 'tensorloom.db-shm'));
    fillers.push(small.fill(0));
    const lockProblems: string[] = [];
    const locked = await listRuns(ws, lockProblems);
    if (lockProblems.length === 0 && locked.length < 2) lockProblems.push(`only ${locked.length} runs listed (expected the earlier ones)`);
    const lockNote = shmBefore ? 'note: a -shm file was already there, so this did not need exclusive locking' : `${locked.length} runs listed, free ${freeBytes(ws)} bytes`;
    push(names[5]!, lastRuns ?? again, ['runs', '--json', '(0 bytes free, no -shm)'], lockProblems, lockNote);
  } finally {
    small.unmount();
  }
  return results;
}

/** A chain of `length` feature.expression nodes, each adding a column: every node writes a new, larger table. */
function chainPipeline(length: number): unknown {
  const nodes: unknown[] = [{ id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } }];
  const edges: unknown[] = [];
  for (let index = 0; index < length; index++) {
    nodes.push({ id: `e${index}`, type: 'feature.expression', params: { name: `c${index}`, expression: `bill_length_mm * ${index + 1}` } });
    edges.push({ from: `${index === 0 ? 'load' : `e${index - 1}`}.table`, to: `e${index}.table` });
  }
  return { format: 'tensorloom/pipeline@1', name: 'chain', nodes, edges };
}

async function budgetCases(root: string): Promise<CaseResult[]> {
  const ws = copyExamples(root, 'disk-budget');
  writeFileSync(join(ws, 'chain.pipeline.json'), pipelineText(chainPipeline(300)));
  const BUDGET = /over the workspace's disk budget/;
  const cases: { name: string; args: string[]; env?: Record<string, string>; codes: number[]; text: RegExp; failedRun?: boolean }[] = [
    { name: 'disk budget: --disk-budget 1KB stops the run', args: [...PENGUINS, '--disk-budget', '1KB'], codes: [1], text: BUDGET, failedRun: true },
    { name: 'disk budget: TENSORLOOM_DISK_BUDGET=1KB stops the run', args: PENGUINS, env: { TENSORLOOM_DISK_BUDGET: '1KB' }, codes: [1], text: BUDGET, failedRun: true },
    { name: 'disk budget: a 300-node chain under --disk-budget 1MB stops early', args: ['run', 'chain.pipeline.json', '--disk-budget', '1MB'], codes: [1], text: BUDGET, failedRun: true },
    { name: 'disk budget: TENSORLOOM_DISK_BUDGET=bogus is refused', args: PENGUINS, env: { TENSORLOOM_DISK_BUDGET: 'bogus' }, codes: [2], text: /not a disk budget/ },
    { name: 'disk budget: --disk-budget 0% is refused', args: [...PENGUINS, '--disk-budget', '0%'], codes: [2], text: /not a disk budget/ },
    { name: 'disk budget: --disk-budget=-5 is refused', args: [...PENGUINS, '--disk-budget=-5'], codes: [2], text: /not a disk budget/ },
  ];
  const results: CaseResult[] = [];
  for (const kase of cases) {
    const run = await runCli(kase.args, { cwd: ws, timeoutMs: 180_000, ...(kase.env ? { env: kase.env } : {}) });
    const problems = outcome(run, kase.codes, kase.text);
    let note: string | undefined;
    if (kase.failedRun && problems.length === 0) {
      const [latest] = await listRuns(ws, problems);
      if (latest && latest.status !== 'failed') problems.push(`the run over its budget shows as '${latest.status}', not 'failed'`);
      const executed = /(\d+) executed/.exec(run.stdout + run.stderr);
      note = `run ${latest?.id} ${latest?.status}${executed ? `, ${executed[1]} nodes executed` : ''}`;
    }
    const label = [...kase.args, ...Object.entries(kase.env ?? {}).map(([key, value]) => `(${key}=${value})`)];
    results.push(cliCase('disk', kase.name, label, run, problems, note));
  }
  results.push(...(await gcCases(ws)));
  return results;
}

async function gcCases(ws: string): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const artifacts = join(ws, '.tensorloom', 'artifacts');
  // Two finished runs whose artifacts must survive every gc.
  for (const seed of [1, 2]) {
    const run = await runCli([...PENGUINS, ...EPOCHS, '--set', `split.seed=${seed}`], { cwd: ws, timeoutMs: 180_000 });
    if (run.code !== 0) throw new Error(`gc set-up: the penguins run with seed ${seed} exited ${run.code}:\n${excerptOf(run.stderr, 12)}`);
  }

  // --dry-run removes nothing.
  const before = countFiles(artifacts);
  const dryArgs = ['gc', '--dry-run', '--json'];
  const dry = await runCli(dryArgs, { cwd: ws });
  const dryProblems = outcome(dry, [0]);
  const after = countFiles(artifacts);
  if (after !== before) dryProblems.push(`--dry-run changed the artifact files (${before} → ${after})`);
  const dryBody = parse<{ artifacts?: { removed?: number; bytes?: number } }>(dry.stdout);
  if (dryProblems.length === 0 && dryBody?.artifacts === undefined) dryProblems.push('gc --dry-run --json printed no artifacts figure');
  results.push(cliCase('disk', 'gc: --dry-run reports and removes nothing', dryArgs, dry, dryProblems, `would remove ${dryBody?.artifacts?.removed} artifacts (${dryBody?.artifacts?.bytes} B) of ${before} files`));

  // gc while a run is live: the run succeeds, and everything referenced stays.
  const liveArgs = [...PENGUINS, '--set', 'train.epochs=30', '--set', 'split.seed=3'];
  const child = startCli(liveArgs, { cwd: ws });
  const live = collect(child, 300_000);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 120_000;
  while (!/^run \S+ .*\d+ nodes/m.test(stderr) && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const stillRunning = child.exitCode === null;
  const gcArgs = ['gc', '--json'];
  const gc = await runCli(gcArgs, { cwd: ws });
  const liveRun = await live;
  const gcProblems = outcome(gc, [0]);
  gcProblems.push(...outcome(liveRun, [0]).map((problem) => `the live run: ${problem}`));
  const gcBody = parse<{ artifacts?: { removed?: number; bytes?: number }; liveRuns?: unknown[]; kept?: { referenced?: number; recent?: number } }>(gc.stdout);
  if (gcProblems.length === 0 && gcBody?.artifacts === undefined) gcProblems.push('gc --json printed no artifacts figure');
  // Every earlier run re-runs from the cache: nothing it references was removed.
  for (const seed of [1, 2, 3]) {
    const epochs = seed === 3 ? 30 : 10;
    const rerunArgs = [...PENGUINS, '--json', '--set', `train.epochs=${epochs}`, '--set', `split.seed=${seed}`];
    const rerun = await runCli(rerunArgs, { cwd: ws, timeoutMs: 180_000 });
    const wrong = outcome(rerun, [0]);
    const body = parse<RunJson>(rerun.stdout);
    const executed = Object.entries(body?.nodes ?? {}).filter(([, node]) => !node.cached).map(([id]) => id);
    if (wrong.length === 0 && executed.length > 0) wrong.push(`after gc, the re-run of seed ${seed} executed ${executed.join(', ')} again (their cached artifacts were removed)`);
    gcProblems.push(...wrong.map((problem) => `re-run of seed ${seed}: ${problem}`));
  }
  gcProblems.push(...databaseProblems(ws));
  const leftovers = tempLeftovers(ws);
  if (leftovers.length > 0) gcProblems.push(`.tensorloom/tmp holds ${leftovers.length} entries afterwards`);
  results.push(
    cliCase(
      'disk',
      'gc: beside a live run, then every run re-runs from the cache',
      gcArgs,
      gc,
      gcProblems,
      `${stillRunning ? 'gc ran while the run was live' : 'note: the run had ended before gc started'}; removed ${gcBody?.artifacts?.removed} artifacts (${gcBody?.artifacts?.bytes} B), live runs seen ${gcBody?.liveRuns?.length}, kept ${gcBody?.kept?.referenced} referenced + ${gcBody?.kept?.recent} recent`,
    ),
  );
  return results;
}

export async function diskCaseResults(root: string): Promise<CaseResult[]> {
  log('disk: a full 2 MB disk, the disk budget, gc');
  // The small disk is mounted under a root of its own (mount points inside the sweep's
  // root would survive an interrupted sweep less visibly).
  const mountRoot = makeSweepRoot();
  try {
    return [...(await fullDiskCases(mountRoot)), ...(await budgetCases(root))];
  } finally {
    rmSync(mountRoot, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// Concurrent runs on one workspace

export async function concurrentCaseResults(root: string): Promise<CaseResult[]> {
  log('concurrent: runs side by side on one workspace');
  const results: CaseResult[] = [];
  const groups: { name: string; seeds: number[] }[] = [
    { name: '4 runs at once, one workspace, different seeds', seeds: [11, 12, 13, 14] },
    { name: '3 runs at once of the same pipeline and params (same cache keys)', seeds: [21, 21, 21] },
  ];
  for (const group of groups) {
    const ws = copyExamples(root, `concurrent-${group.seeds.length}`);
    const argsFor = (seed: number) => [...PENGUINS, '--json', ...EPOCHS, '--set', `split.seed=${seed}`];
    const runs = await mapPool(group.seeds, group.seeds.length, (seed) => runCli(argsFor(seed), { cwd: ws, timeoutMs: 300_000 }));
    const problems: string[] = [];
    const ids = new Set<string>();
    runs.forEach((run, index) => {
      const wrong = outcome(run, [0]);
      const body = parse<RunJson>(run.stdout);
      if (wrong.length === 0 && body?.status !== 'succeeded') wrong.push(`status ${body?.status}`);
      if (body?.runId) ids.add(body.runId);
      problems.push(...wrong.map((problem) => `run ${index + 1}: ${problem}`));
    });
    if (ids.size !== runs.length) problems.push(`${ids.size} distinct run ids for ${runs.length} runs`);
    const listed = await listRuns(ws, problems);
    for (const id of ids) {
      const entry = listed.find((item) => item.id === id);
      if (!entry) problems.push(`run ${id} is missing from tensorloom runs`);
      else if (entry.status !== 'succeeded') problems.push(`run ${id} shows as '${entry.status}'`);
    }
    problems.push(...databaseProblems(ws));
    const leftovers = tempLeftovers(ws);
    if (leftovers.length > 0) problems.push(`.tensorloom/tmp holds ${leftovers.length} entries afterwards`);
    const worst = runs.find((run) => run.code !== 0) ?? runs[0]!;
    const slowest = Math.max(...runs.map((run) => run.ms));
    const result = cliCase('concurrent', group.name, shown(ws, argsFor(group.seeds[0]!)), worst, problems, `${runs.length} processes, slowest ${Math.round(slowest / 100) / 10} s`);
    results.push({ ...result, what: `${group.seeds.length} × ${describeCli(['run', 'penguins.pipeline.json', '--json', ...EPOCHS, '--set', 'split.seed=N'])} (N = ${group.seeds.join(', ')})`, ms: slowest });
  }
  return results;
}

