/**
 * Hyperparameter search over train.dense (the train.tune node): draws trials (random, grid,
 * TPE, successive halving), scores each by k-fold cross-validation on the train rows or on
 * the split's validation rows, records every finished trial (a child run), and trains the
 * best params on all the train rows as train.dense would, into a model bundle.
 *
 * Determinism: the trials depend only on the params (seed included) and the data; each
 * trial trains with the node's seed, so the same seed gives the same trials and the same
 * scores on the same backend, in one thread or several.
 */
import { availableParallelism } from 'node:os';
import type { TrialRecord } from '../../base/context.js';
import { NodeError } from '../../base/errors.js';
import { SPLIT_COLUMN, type DataTable } from '../../base/table.js';
import type { Json } from '../../base/values.js';
import { seededRandom, shuffleInPlace } from '../../data/random.js';
import { columnValues, stringColumn, withColumn } from '../../data/table-ops.js';
import { loadBackend } from '../backend.js';
import { recipePacks } from '../bundle-format.js';
import { resolveTarget, targetLabels } from '../features.js';
import { chooseTask, trainDense, type DenseOptions, type DenseResult, type TrainingHooks } from '../trainer.js';
import { kFoldPlan, ROLE, scoringRows, validationPlan, type FoldPlan } from './folds.js';
import { TrialPool, type FoldResult } from './pool.js';
import {
  dimensionsOf,
  gridPoints,
  gridSize,
  metricDirection,
  metricTask,
  sampleRandom,
  type Dimension,
  type ScoreName,
  type SearchSpace,
  type TrialParams,
  type TuneMetric,
  type TuneStrategy,
} from './space.js';
import { proposeTpe, type Observation } from './tpe.js';
import { foldTable, runFold } from './trial.js';

export interface TuneOptions {
  /** train.dense's params for every trial; the space's draws replace some of them. */
  readonly base: DenseOptions;
  readonly space: SearchSpace;
  readonly strategy: TuneStrategy;
  /** Trials to run (grid: at most this many of its combinations; halving: configurations in its first round). */
  readonly trials: number;
  readonly metric: TuneMetric;
  readonly direction: 'auto' | 'max' | 'min';
  /** k-fold cross-validation on the train rows; 0 scores on the split's validation rows. */
  readonly folds: number;
  /** Worker threads training folds at once (at most the machine's cores). */
  readonly parallel: number;
}

/** What the search reports through: the training hooks plus the child-run recorder. */
export interface TuneHooks extends TrainingHooks {
  recordTrial(trial: TrialRecord): Promise<unknown>;
}

export interface TrialSummary {
  readonly trial: number;
  /** The drawn values of the searched params. */
  readonly params: TrialParams;
  readonly status: 'succeeded' | 'failed';
  /** The metric's mean over the folds; NaN for a failed trial. */
  readonly score: number;
  /** Its standard deviation over the folds (0 with one fold). */
  readonly std: number;
  /** Every score's mean over the folds. */
  readonly scores: Record<string, number>;
  /** Mean epochs trained per fold. */
  readonly epochs: number;
  readonly seconds: number;
  /** Successive halving: the round (0 first) and its epoch budget. */
  readonly rung?: number;
  readonly budget?: number;
  readonly error?: string;
}

export interface TuneResult {
  readonly metric: ScoreName;
  readonly direction: 'max' | 'min';
  readonly task: 'classification' | 'regression';
  readonly trials: TrialSummary[];
  readonly best: TrialSummary;
  /** The best trial's full train.dense params (what the model was trained with). */
  readonly bestParams: DenseOptions;
  readonly model: DenseResult;
  /** Folds scored per trial (1 with folds 0: the validation rows). */
  readonly folds: number;
  /** Worker threads used (1: the node's own thread). */
  readonly threads: number;
  readonly searched: string[];
}

/** Successive halving keeps the best third of each round, with three times the epochs. */
const ETA = 3;

export async function tuneDense(input: DataTable, options: TuneOptions, hooks: TuneHooks, dir: string): Promise<TuneResult> {
  const { table, recipe } = input;
  const { base } = options;
  if (table.numRows === 0) throw new NodeError('the input table has no rows; check the upstream nodes');
  await loadBackend();

  const { roles, trainRows, validationCount, labels, task, hasSplit } = searchRows(input, base);
  if (!hasSplit) hooks.log(`no split upstream: the search cross-validates on all ${table.numRows} rows and no rows are left to test the best model on (add data.split)`, 'warn');
  const metric: ScoreName = options.metric === 'auto' ? (task === 'classification' ? 'accuracy' : 'r2') : options.metric;
  if (metricTask(metric) !== task) {
    throw new NodeError(`metric '${metric}' scores ${metricTask(metric)}, but '${base.target}' is a ${task} target; pick one of the ${task} metrics or leave metric on auto`, { field: 'metric' });
  }
  const direction = options.direction === 'auto' ? metricDirection(metric) : options.direction;

  let plan: FoldPlan;
  if (options.folds === 0) {
    if (validationCount === 0) {
      throw new NodeError(`folds 0 scores each trial on the split's validation rows, and there are none; give data.split a validation share, or set folds to 2 or more`, { field: 'folds' });
    }
    plan = validationPlan(roles);
  } else {
    if (trainRows.length < options.folds * 2) {
      throw new NodeError(`folds ${options.folds} needs at least ${options.folds * 2} labelled train rows; there are ${trainRows.length} (lower folds)`, { field: 'folds' });
    }
    const stratify = task === 'classification' ? labels : null;
    plan = kFoldPlan(table.numRows, roles, trainRows, stratify, options.folds, base.seed);
    if (stratify) {
      const counts = new Map<string, number>();
      for (const row of trainRows) counts.set(stratify[row]!, (counts.get(stratify[row]!) ?? 0) + 1);
      const rare = [...counts].filter(([, count]) => count < options.folds).map(([label]) => `'${label}'`);
      if (rare.length > 0) hooks.log(`class ${rare.join(', ')} has fewer train rows than folds (${options.folds}); some folds hold none of it`, 'warn');
    }
  }
  const foldCount = Math.max(1, plan.k);
  hooks.log(
    plan.k > 0
      ? `${plan.k}-fold cross-validation${task === 'classification' ? ' (stratified)' : ''} on ${trainRows.length} train rows${validationCount > 0 ? `, early stopping on the split's ${validationCount} validation rows` : ''}; metric ${metric} (${direction})`
      : `each trial trains on ${trainRows.length} train rows and is scored on the split's ${validationCount} validation rows; metric ${metric} (${direction})`,
  );

  const dimensions = dimensionsOf(options.space);
  const searched = dimensions.map((dimension) => dimension.name);
  const sign = direction === 'max' ? 1 : -1;
  const next = seededRandom((Math.imul(base.seed, 0x9e3779b1) ^ 0x7e57ab1e) >>> 0);

  // Threads: at most the cores, and the search's own thread when the recipe needs a pack's step kinds
  // (they are registered in this thread only) or there is one fold to train at a time anyway.
  const cores = availableParallelism();
  let threads = Math.min(options.parallel, cores);
  if (options.parallel > cores) hooks.log(`parallel ${options.parallel} is more than the ${cores} cores here; training ${cores} folds at a time`);
  if (threads > 1 && recipePacks(recipe).length > 0) {
    hooks.log('the input went through a node pack’s steps, which only this thread has loaded: trials run one at a time here', 'warn');
    threads = 1;
  }

  const folds = Array.from({ length: foldCount }, (_, fold) => ({ table: foldTable(input, plan, fold), scored: scoringRows(plan, fold) }));
  const pool = threads > 1 ? new TrialPool(threads, input, plan) : undefined;
  const onAbort = () => void pool?.close(abortError(hooks.signal));
  hooks.signal.addEventListener('abort', onAbort, { once: true });

  const trials: TrialSummary[] = [];
  const warned = new Set<string>();
  const recording: Promise<unknown>[] = [];
  let planned = 0;
  let done = 0;
  const progress = (extra = 0) => hooks.progress(Math.min(0.99, (done + extra) / (planned + foldCount)), `${trials.length} trials done`);

  /** Runs a round of trials (all folds of all of them, `threads` folds at a time) and records each as it ends. */
  const runRound = async (round: { params: TrialParams; rung?: number; budget?: number }[]): Promise<TrialSummary[]> => {
    const weightOf = (budget?: number) => (budget === undefined ? 1 : budget / base.epochs);
    planned += round.reduce((sum, entry) => sum + foldCount * weightOf(entry.budget), 0);
    const finish = async (entry: (typeof round)[number], number: number, startedAt: number, results: FoldResult[]): Promise<TrialSummary> => {
      const failure = results.find((result) => !result.ok);
      const outcomes = results.flatMap((result) => (result.ok ? [result.outcome] : []));
      for (const outcome of outcomes) {
        for (const message of outcome.warnings) {
          if (warned.has(message)) continue;
          warned.add(message);
          hooks.log(`trial ${number}: ${message}`, 'warn');
        }
      }
      const scores: Record<string, number> = {};
      if (!failure) {
        for (const name of Object.keys(outcomes[0]!.scores)) {
          const values = outcomes.map((outcome) => outcome.scores[name]).filter((value): value is number => value !== undefined);
          if (values.length === outcomes.length) scores[name] = mean(values);
        }
      }
      const perFold = failure ? [] : outcomes.map((outcome) => outcome.scores[metric]).filter((value): value is number => value !== undefined);
      const score = failure || perFold.length < outcomes.length ? NaN : mean(perFold);
      const failed = failure !== undefined || Number.isNaN(score);
      const error = failure && !failure.ok ? failure.failure.message : failed ? `metric ${metric} is undefined on some fold (too few rows of a class?)` : undefined;
      const summary: TrialSummary = {
        trial: number,
        params: entry.params,
        status: failed ? 'failed' : 'succeeded',
        score,
        std: failed ? NaN : std(perFold),
        scores,
        epochs: outcomes.length > 0 ? mean(outcomes.map((outcome) => outcome.epochs)) : 0,
        // Training and scoring time summed over the folds (in threads, folds of a trial overlap).
        seconds: outcomes.reduce((sum, outcome) => sum + outcome.seconds, 0),
        ...(entry.rung === undefined ? {} : { rung: entry.rung, budget: entry.budget! }),
        ...(error === undefined ? {} : { error }),
      };
      const trialParams = { ...base, ...entry.params, ...(entry.budget === undefined ? {} : { epochs: entry.budget }) } as unknown as Record<string, Json>;
      const record: TrialRecord = {
        trial: number,
        status: summary.status,
        nodeType: 'train.dense',
        params: trialParams,
        searched: entry.budget === undefined ? searched : [...searched, 'epochs'],
        metrics: {
          ...scores,
          ...(failed ? { [metric]: NaN } : { [`${metric}_std`]: summary.std }),
          epochs: summary.epochs,
          seconds: summary.seconds,
          folds: foldCount,
          ...(entry.rung === undefined ? {} : { rung: entry.rung }),
        },
        startedAt,
        finishedAt: Date.now(),
        ...(outcomes[0] ? { backend: outcomes[0].backend } : {}),
        ...(error === undefined ? {} : { error }),
      };
      trials.push(summary);
      const recorded = hooks.recordTrial(record);
      recording.push(recorded.catch(() => {}));
      await recorded;
      if (!failed) hooks.metric(`trial_${metric}`, score, number);
      return summary;
    };

    const first = trials.length + 1; // trials are numbered in draw order, whatever order they end in
    const runTrial = async (entry: (typeof round)[number], number: number): Promise<TrialSummary> => {
      const options: DenseOptions = { ...base, ...(entry.params as Partial<DenseOptions>), ...(entry.budget === undefined ? {} : { epochs: entry.budget }) };
      const weight = weightOf(entry.budget);
      const results: FoldResult[] = [];
      let startedAt = 0;
      if (pool) {
        // All folds queue at once, trial after trial, so trials end (and are recorded) in order as the threads work.
        const pending = Array.from({ length: foldCount }, (_, fold) =>
          pool.run(options, fold).then((result) => {
            done += weight;
            progress();
            return result;
          }),
        );
        results.push(...(await Promise.all(pending)));
        startedAt = Math.min(...results.map((result) => result.startedAt ?? Date.now()));
      } else {
        startedAt = Date.now();
        for (let fold = 0; fold < foldCount; fold++) {
          hooks.signal.throwIfAborted();
          const result = await runFold(folds[fold]!.table, folds[fold]!.scored, options, hooks.signal, (fraction) => progress(fraction * weight));
          done += weight;
          progress();
          results.push(result);
          if (!result.ok) {
            done += weight * (foldCount - fold - 1);
            break; // a fold the user must fix fails the trial: its other folds would too
          }
        }
      }
      return finish(entry, number, startedAt, results);
    };
    const ended: TrialSummary[] = [];
    if (pool) ended.push(...(await Promise.all(round.map((entry, index) => runTrial(entry, first + index)))));
    else for (const [index, entry] of round.entries()) ended.push(await runTrial(entry, first + index));
    ended.sort((a, b) => a.trial - b.trial);
    return ended;
  };

  try {
    await search(options, dimensions, next, sign, runRound, hooks.log);
  } catch (error) {
    // Trials that ended stay recorded: let their records land before the node ends.
    await Promise.allSettled(recording);
    throw hooks.signal.aborted ? abortError(hooks.signal) : error;
  } finally {
    hooks.signal.removeEventListener('abort', onAbort);
    await pool?.close();
  }
  hooks.signal.throwIfAborted();

  const succeeded = trials.filter((trial) => trial.status === 'succeeded');
  if (succeeded.length === 0) {
    const earliest = [...trials].sort((a, b) => a.trial - b.trial)[0]!;
    throw new NodeError(`every trial failed (${trials.length}); trial ${earliest.trial}: ${earliest.error ?? 'no score'}`, { field: 'space' });
  }
  // Halving: only trials trained with the full budget compete for the model.
  const top = Math.max(...succeeded.map((trial) => trial.rung ?? 0));
  const best = succeeded
    .filter((trial) => (trial.rung ?? 0) === top)
    .reduce((a, b) => (sign * b.score > sign * a.score || (b.score === a.score && b.trial < a.trial) ? b : a));
  hooks.log(`best: trial ${best.trial} of ${trials.length}, ${metric} ${format(best.score)} ± ${format(best.std)} with ${describeParams(best.params)}`);

  // The model: the best params trained as train.dense trains, on all the train rows (early-stopping on the validation rows).
  const bestParams: DenseOptions = { ...base, ...(best.params as Partial<DenseOptions>), ...(best.budget === undefined ? {} : { epochs: best.budget }) };
  const finalTable = hasSplit ? input : { table: withColumn(table, SPLIT_COLUMN, stringColumn(new Array<string>(table.numRows).fill('train'))), recipe };
  const model = await trainDense(finalTable, bestParams, { ...hooks, progress: (fraction) => hooks.progress(Math.min(0.99, (planned + fraction * foldCount) / (planned + foldCount)), 'training the best params') }, dir);
  hooks.progress(1);
  return { metric, direction, task, trials: [...trials].sort((a, b) => a.trial - b.trial), best, bestParams, model, folds: foldCount, threads, searched };
}

/** The rows of a search: each row's role, the labelled train rows (to fold) and the task, as the trials will see them. */
export function searchRows(input: DataTable, base: Pick<DenseOptions, 'target' | 'task'>) {
  const { table, recipe } = input;
  // Labelled train rows are cross-validated; labelled validation rows early-stop (or are scored, folds 0).
  const target = resolveTarget(table, base.target, recipe, () => {});
  const labels = targetLabels(target, table);
  const hasSplit = table.schema.fields.some((field) => field.name === SPLIT_COLUMN);
  const split = hasSplit ? columnValues(table, SPLIT_COLUMN, SPLIT_COLUMN).map((value) => String(value ?? 'train')) : null;
  const roles = new Uint8Array(table.numRows);
  const trainRows: number[] = [];
  let validationCount = 0;
  for (let row = 0; row < table.numRows; row++) {
    const role = split ? split[row] : 'train';
    const labelled = labels[row] !== null;
    if (role === 'train' && labelled) {
      roles[row] = ROLE.TRAIN;
      trainRows.push(row);
    } else if (role === 'validation' && labelled) {
      roles[row] = ROLE.VALIDATION;
      validationCount++;
    } else roles[row] = ROLE.OTHER;
  }
  if (trainRows.length === 0) throw new NodeError(`no training rows with a '${base.target}' label (of ${table.numRows} rows)`, { field: 'target' });
  const task = chooseTask(base.task, target, labels, trainRows, () => {});
  return { roles, trainRows, validationCount, labels, task, hasSplit };
}

type RunRound = (round: { params: TrialParams; rung?: number; budget?: number }[]) => Promise<TrialSummary[]>;

/** Draws the trials of each strategy, round by round. */
async function search(options: TuneOptions, dimensions: readonly Dimension[], next: () => number, sign: number, runRound: RunRound, log: TrainingHooks['log']): Promise<void> {
  const { trials, strategy } = options;
  switch (strategy) {
    case 'grid': {
      const points = gridPoints(dimensions)!;
      let chosen = points;
      if (points.length > trials) {
        const order = points.map((_, index) => index);
        shuffleInPlace(order, next);
        const keep = new Set(order.slice(0, trials));
        chosen = points.filter((_, index) => keep.has(index));
        log(`the grid has ${points.length} combinations and trials is ${trials}: trying ${trials} of them, drawn at random (raise trials to try all)`, 'warn');
      } else log(`grid: ${points.length} combinations`);
      await runRound(chosen.map((params) => ({ params })));
      return;
    }
    case 'random': {
      await runRound(drawDistinct(dimensions, trials, next, log).map((params) => ({ params })));
      return;
    }
    case 'tpe': {
      // Random trials first, then proposals; a round proposes `parallel` trials from the finished ones
      // (the requested number, not the threads this machine has, so the trials do not depend on it).
      const startup = Math.min(trials, Math.max(3, Math.min(10, Math.ceil(trials / 3))));
      const history: Observation[] = [];
      const observe = (ended: TrialSummary[]) => history.push(...ended.map((trial) => ({ params: trial.params, score: trial.status === 'succeeded' ? sign * trial.score : -Infinity })));
      observe(await runRound(drawDistinct(dimensions, startup, next, log).map((params) => ({ params }))));
      while (history.length < trials) {
        const batch: TrialParams[] = [];
        const size = Math.min(options.parallel, trials - history.length);
        for (let k = 0; k < size; k++) {
          // Proposals still running count as bad ("constant liar"), so a round does not propose one point twice.
          const lies = batch.map((params) => ({ params, score: -Infinity }));
          batch.push(proposeTpe(dimensions, [...history, ...lies], next));
        }
        observe(await runRound(batch.map((params) => ({ params }))));
      }
      return;
    }
    case 'halving': {
      // Successive halving on the epoch budget: every configuration with few epochs, the best third with
      // three times as many, … the last round with the full epochs.
      const configs = drawDistinct(dimensions, trials, next, log);
      const rounds = 1 + Math.floor(Math.log(configs.length) / Math.log(ETA) + 1e-9);
      let alive = configs;
      for (let rung = 0; rung < rounds; rung++) {
        const budget = Math.max(1, Math.round(options.base.epochs / ETA ** (rounds - 1 - rung)));
        const ended = await runRound(alive.map((params) => ({ params, rung, budget })));
        if (rung + 1 === rounds) break;
        const keep = Math.max(1, Math.floor(configs.length / ETA ** (rung + 1)));
        alive = [...ended]
          .sort((a, b) => {
            const sa = a.status === 'succeeded' ? sign * a.score : -Infinity;
            const sb = b.status === 'succeeded' ? sign * b.score : -Infinity;
            return sb - sa || a.trial - b.trial;
          })
          .slice(0, keep)
          .map((trial) => trial.params);
        log(`halving: round ${rung + 1} of ${rounds} (${budget} epochs) done; the best ${keep} go on`);
      }
      return;
    }
  }
}

/** `count` random draws, without repeats while the lists allow (a space of lists only is finite). */
function drawDistinct(dimensions: readonly Dimension[], count: number, next: () => number, log: TrainingHooks['log']): TrialParams[] {
  const size = gridSize(dimensions);
  if (size <= count) {
    log(`the space holds ${size} combinations, no more than the ${count} trials: each is tried once`);
    return gridPoints(dimensions)!;
  }
  const seen = new Set<string>();
  const draws: TrialParams[] = [];
  while (draws.length < count) {
    let params = sampleRandom(dimensions, next);
    for (let attempt = 0; attempt < 100 && seen.has(JSON.stringify(params)); attempt++) params = sampleRandom(dimensions, next);
    seen.add(JSON.stringify(params));
    draws.push(params);
  }
  return draws;
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('cancelled');
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / values.length);
}

function format(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

export function describeParams(params: TrialParams): string {
  return Object.entries(params)
    .map(([name, value]) => `${name} ${typeof value === 'number' ? Number(value.toPrecision(4)) : JSON.stringify(value)}`)
    .join(', ');
}
