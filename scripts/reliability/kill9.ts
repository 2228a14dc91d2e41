/**
 * Category 5: kill -9 at random moments. `tensorloom run` on the penguins pipeline and on a
 * pipeline with several branches (writes, validation, a second source) is SIGKILLed after a
 * seeded random delay. After each kill: the database passes `PRAGMA integrity_check` (and
 * `foreign_key_check`), `tensorloom runs --json` works and shows the killed run as
 * interrupted, a re-run succeeds, and no temp files of the dead process are left behind.
 *
 * Every attempt overrides a seed (`--set split.seed=N`), so each one has real work to do
 * (everything after the CSV load re-runs), and trains for a few epochs only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineText } from './cases-pipelines.js';
import { cliProblems, collect, databaseProblems, copyExamples, describeCli, excerptOf, log, runCli, seededRandom, sleep, startCli, tempLeftovers, type CaseResult } from './lib.js';

const EPOCHS = 10;

export interface KillFigures {
  attempts: number;
  /** Kills that landed while the process ran (the rest found it finished). */
  landed: number;
  /** Killed before the run was recorded (during start-up). */
  beforeRecord: number;
  interrupted: number;
  integrityFailures: number;
  rerunFailures: number;
  notMarkedInterrupted: number;
  leftoverTemp: number;
}

/** A pipeline with several branches: writes in three formats, validation, an expression, a second source. */
function branchesPipeline(epochs: number): unknown {
  const n = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, params });
  const e = (from: string, to: string) => ({ from, to });
  return {
    format: 'tensorloom/pipeline@1',
    name: 'branches',
    nodes: [
      n('load', 'data.csv', { path: 'data/penguins.csv' }),
      n('split', 'data.split', { test: 0.2, stratifyBy: 'species', seed: 1 }),
      n('check', 'data.validate', { rules: [{ column: 'species', check: 'notNull' }, { column: 'bill_length_mm', check: 'range', min: 0, max: 100 }], onFail: 'warn' }),
      n('ratio', 'feature.expression', { name: 'bill_ratio', expression: 'bill_length_mm / bill_depth_mm' }),
      n('impute', 'feature.impute', { target: 'species' }),
      n('encode', 'feature.encode', { target: 'species' }),
      n('scale', 'feature.scale', { target: 'species' }),
      n('train', 'train.dense', { target: 'species', seed: 1, epochs }),
      n('evaluate', 'eval.model'),
      n('writeCsv', 'data.write', { path: 'out/split.csv', format: 'csv' }),
      n('writeParquet', 'data.write', { path: 'out/scaled.parquet', format: 'parquet' }),
      n('writeArrow', 'data.write', { path: 'out/encoded.arrow', format: 'arrow' }),
      n('cars', 'data.json', { path: 'data/cars.json' }),
      n('carCols', 'feature.select', { drop: ['Name'] }),
      n('writeCars', 'data.write', { path: 'out/cars.jsonl', format: 'jsonl' }),
    ],
    edges: [
      e('load.table', 'split.table'),
      e('split.table', 'check.table'),
      e('check.table', 'ratio.table'),
      e('ratio.table', 'impute.table'),
      e('impute.table', 'encode.table'),
      e('encode.table', 'scale.table'),
      e('scale.table', 'train.table'),
      e('train.model', 'evaluate.model'),
      e('scale.table', 'evaluate.table'),
      e('split.table', 'writeCsv.table'),
      e('scale.table', 'writeParquet.table'),
      e('encode.table', 'writeArrow.table'),
      e('cars.table', 'carCols.table'),
      e('carCols.table', 'writeCars.table'),
    ],
  };
}

interface Lane {
  label: string;
  ws: string;
  file: string;
}


interface RunsEntry {
  id: string;
  status: string;
  pid?: number;
  nodeCounts?: Record<string, number>;
}

async function killOnce(lane: Lane, attempt: number, delayMs: number, fullMs: number, figures: KillFigures): Promise<CaseResult> {
  const sets = ['--set', `split.seed=${attempt + 2}`, '--set', `train.epochs=${EPOCHS}`];
  const args = ['run', lane.file, '--json', ...sets];
  const started = Date.now();
  const child = startCli(args, { cwd: lane.ws });
  const done = collect(child, 300_000, started);
  await sleep(delayMs);
  const wasRunning = child.exitCode === null && child.signalCode === null;
  if (wasRunning) child.kill('SIGKILL');
  const killed = await done;
  figures.attempts += 1;
  const landed = killed.signal === 'SIGKILL';
  if (landed) figures.landed += 1;
  const problems: string[] = [];
  if (!landed) problems.push(...cliProblems(killed, { codes: [0] }).map((problem) => `the run (finished before the kill): ${problem}`));

  const database = databaseProblems(lane.ws, 'fine');
  if (database.length > 0) figures.integrityFailures += 1;
  problems.push(...database);

  // The next open: `runs --json` must work and show the killed run as interrupted.
  const runsArgs = ['runs', '--json', '--workspace', lane.ws, '--limit', '5'];
  const runs = await runCli(runsArgs, { cwd: lane.ws });
  let phase = landed ? 'killed before the run was recorded' : 'finished before the kill';
  const runsProblems = cliProblems(runs, { codes: [0] });
  // No store yet (killed before the first open ever): `runs` refuses with exit 2, correctly.
  const noStoreYet = !existsSync(join(lane.ws, '.tensorloom')) && runs.code === 2;
  if (noStoreYet) runsProblems.length = 0;
  problems.push(...runsProblems.map((problem) => `tensorloom runs --json: ${problem}`));
  if (runsProblems.length === 0 && !noStoreYet) {
    let entries: RunsEntry[] = [];
    try {
      entries = JSON.parse(runs.stdout) as RunsEntry[];
    } catch {
      problems.push('tensorloom runs --json: no JSON document');
    }
    const mine = entries.find((entry) => entry.pid === killed.pid);
    if (mine) {
      phase = `${landed ? 'killed' : 'finished'}; run ${mine.id} ${mine.status}`;
      if (landed && mine.status !== 'interrupted' && mine.status !== 'succeeded' && mine.status !== 'failed') {
        figures.notMarkedInterrupted += 1;
        problems.push(`the killed run shows as '${mine.status}', not 'interrupted'`);
      }
      if (mine.status === 'interrupted') figures.interrupted += 1;
      if (mine.nodeCounts && (mine.nodeCounts.running ?? 0) + (mine.nodeCounts.queued ?? 0) > 0) {
        problems.push(`the killed run still counts ${mine.nodeCounts.running ?? 0} running and ${mine.nodeCounts.queued ?? 0} queued nodes`);
      }
    } else if (landed) {
      figures.beforeRecord += 1;
    } else {
      problems.push('the finished run is missing from tensorloom runs');
    }
  } else if (noStoreYet && landed) figures.beforeRecord += 1;

  // A re-run of the same pipeline and overrides succeeds.
  const rerun = await runCli(args, { cwd: lane.ws, timeoutMs: 300_000 });
  const rerunProblems = cliProblems(rerun, { codes: [0] });
  if (rerunProblems.length === 0) {
    try {
      const status = (JSON.parse(rerun.stdout) as { status?: string }).status;
      if (status !== 'succeeded') rerunProblems.push(`the re-run's status is ${status}`);
    } catch {
      rerunProblems.push('the re-run printed no JSON document');
    }
  }
  if (rerunProblems.length > 0) figures.rerunFailures += 1;
  problems.push(...rerunProblems.map((problem) => `re-run: ${problem}`));
  const leftovers = tempLeftovers(lane.ws);
  if (leftovers.length > 0) {
    figures.leftoverTemp += 1;
    problems.push(`.tensorloom/tmp holds ${leftovers.length} entries after the re-run (${leftovers.slice(0, 3).join(', ')})`);
  }
  const afterRerun = databaseProblems(lane.ws, 'fine');
  problems.push(...afterRerun.map((problem) => `after the re-run: ${problem}`));

  const finding = problems.length > 0;
  return {
    category: 'kill-9',
    name: `${lane.label} #${attempt + 1}: SIGKILL at ${(delayMs / 1000).toFixed(2)} s`,
    outcome: finding ? 'finding' : 'clean',
    reason: problems.join('; '),
    what: `${describeCli(args.map((arg) => (arg.startsWith(lane.ws) ? arg.slice(lane.ws.length + 1) : arg)))} (killed after ${delayMs} ms of a ~${fullMs} ms run)`,
    code: killed.code,
    signal: killed.signal,
    ms: killed.ms,
    note: phase,
    ...(finding ? { excerpt: excerptOf(`${rerun.stderr}\n${runs.stderr}\n${killed.stderr}`) } : {}),
  };
}

/** The kill -9 sweep: `kills` attempts split over the two pipelines, run as two lanes side by side. */
export async function killCaseResults(root: string, kills: number, seed: number): Promise<{ results: CaseResult[]; figures: KillFigures }> {
  const figures: KillFigures = { attempts: 0, landed: 0, beforeRecord: 0, interrupted: 0, integrityFailures: 0, rerunFailures: 0, notMarkedInterrupted: 0, leftoverTemp: 0 };
  const penguinsWs = copyExamples(root, 'kill-penguins');
  const branchesWs = copyExamples(root, 'kill-branches');
  writeFileSync(join(branchesWs, 'branches.pipeline.json'), pipelineText(branchesPipeline(EPOCHS)));
  const lanes: (Lane & { count: number })[] = [
    { label: 'penguins', ws: penguinsWs, file: join(penguinsWs, 'penguins.pipeline.json'), count: Math.ceil(kills / 2) },
    { label: 'branches', ws: branchesWs, file: join(branchesWs, 'branches.pipeline.json'), count: Math.floor(kills / 2) },
  ];
  const random = seededRandom(seed);
  // Delays are drawn up front, in order, so the same seed gives the same schedule whatever the timing.
  const delays = lanes.map((lane) => Array.from({ length: lane.count }, () => random()));
  const perLane = await Promise.all(
    lanes.map(async (lane, laneIndex) => {
      // Calibrate: one full run with the same kind of overrides (it also fills the cache of the CSV load).
      const calibrate = ['run', lane.file, '--json', '--set', 'split.seed=1', '--set', `train.epochs=${EPOCHS}`];
      const full = await runCli(calibrate, { cwd: lane.ws, timeoutMs: 300_000 });
      const problems = cliProblems(full, { codes: [0] });
      if (problems.length > 0) throw new Error(`kill-9: the calibration run of ${lane.label} failed (${problems.join('; ')}):\n${excerptOf(full.stderr + full.stdout, 20)}`);
      // A fresh process costs its start-up plus the work after the (cached) load.
      const fullMs = full.ms;
      log(`kill-9: ${lane.label}: a full run takes ~${fullMs} ms; ${lane.count} kills between 5% and 100% of that`);
      const results: CaseResult[] = [];
      for (let attempt = 0; attempt < lane.count; attempt++) {
        const delay = Math.round(fullMs * (0.05 + 0.95 * delays[laneIndex]![attempt]!));
        results.push(await killOnce(lane, attempt, delay, fullMs, figures));
      }
      return results;
    }),
  );
  return { results: perLane.flat(), figures };
}
