import { version_core as tfVersion } from '@tensorflow/tfjs-core';
import type { Table } from 'apache-arrow';
import { seededRandom, shuffleInPlace } from '../data/random.js';
import { SPLIT_COLUMN, type DataTable, type RecipeStep } from '../base/table.js';
import { columnValues } from '../data/table-ops.js';
import { NodeError } from '../base/errors.js';
import { backendForWork, loadBackend } from './backend.js';
import { saveBundle, BUNDLE_FORMAT, type InputColumn, type ModelBundle, type Task } from './bundle.js';
import { recipePacks, type ModelPack } from './bundle-format.js';
import { chooseTrainPath, FUSED_BACKEND } from './fused/fused.js';
import { encodeFeatures, planFeatures, resolveTarget, targetLabels, targetValues, type FeaturePlan, type TargetInfo } from './features.js';
import { stepFlops, type HiddenActivation, type MlpSpec } from './mlp.js';
import { isRecipeError, stepKinds, type StepKindRegistry } from './recipe/index.js';
import { trainMlp, TrainingDiverged, type EpochStats, type Matrix, type OptimizerName } from './train.js';

export interface DenseOptions {
  readonly target: string;
  readonly task: 'auto' | Task;
  readonly hiddenLayers: readonly number[];
  readonly activation: HiddenActivation;
  readonly dropout: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly earlyStopping: number;
  readonly classWeight: 'none' | 'balanced';
  readonly seed: number;
}

/** What a training node reports through; a subset of the node RunContext. */
export interface TrainingHooks {
  readonly signal: AbortSignal;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly nodeVersion: number;
  log(message: string, level?: 'info' | 'warn'): void;
  metric(name: string, value: number, step?: number): void;
  progress(fraction: number, message?: string): void;
  usedBackend(name: string): void;
}

export interface DenseResult {
  readonly bundle: ModelBundle;
  readonly summary: Record<string, number | string | boolean>;
  readonly history: EpochStats[];
  /** The kept weights, layer by layer (what the bundle's weights.bin holds). */
  readonly weights: Float32Array[];
}

/** Classification needs at most this many classes; more usually means a numeric target. */
const MAX_CLASSES = 500;
/** Share of rows held out for early stopping when the table has no split column. */
const HOLDOUT_SHARE = 0.1;

/** Where the validation rows came from, as the log line says it. */
const VALIDATION_FROM = {
  split: 'both as the split marks them',
  'held out': 'validation rows held out at random, as there is no split',
  none: 'no validation rows, so no early stopping',
} as const;

function roleOfRows(table: Table, log: TrainingHooks['log']): string[] {
  if (!table.schema.fields.some((field) => field.name === SPLIT_COLUMN)) {
    log(`no split upstream: training on all ${table.numRows} rows (add data.split to keep test rows for evaluation)`, 'warn');
    return new Array<string>(table.numRows).fill('train');
  }
  return columnValues(table, SPLIT_COLUMN, SPLIT_COLUMN).map((value) => String(value ?? 'train'));
}

function sortLabels(labels: Iterable<string>, info: TargetInfo): string[] {
  const list = [...labels];
  return info.valueType === 'number' ? list.sort((a, b) => Number(a) - Number(b)) : list.sort();
}

/** Whole-number labels with at most this many distinct values are classes under task 'auto'. */
const MAX_AUTO_INTEGER_CLASSES = 20;

/**
 * Auto: text, boolean and encoded labels are classes; so are whole numbers with few
 * distinct values (0/1 flags, codes like 3/4/5, as scikit-learn's classifiers read them);
 * other numbers are values to regress.
 */
export function chooseTask(requested: DenseOptions['task'], info: TargetInfo, labels: readonly (string | null)[], trainRows: readonly number[], log: TrainingHooks['log']): Task {
  if (requested !== 'auto') return requested;
  if (info.valueType !== 'number' || info.source.kind !== 'column') return 'classification';
  const distinct = new Set<string>();
  for (const row of trainRows) {
    const label = labels[row];
    if (label === null || label === undefined) continue;
    if (!Number.isInteger(Number(label))) return 'regression';
    distinct.add(label);
    if (distinct.size > MAX_AUTO_INTEGER_CLASSES) return 'regression';
  }
  log(`task auto: '${info.name}' has ${distinct.size} distinct whole-number values, so it is treated as classes (set task to 'regression' to predict it as a number)`);
  return 'classification';
}

/**
 * Trains a dense network on the table's train rows and writes its bundle into `dir` (null:
 * nothing is written, for a search's trials that only need the weights and their scores).
 */
export async function trainDense(input: DataTable, options: DenseOptions, hooks: TrainingHooks, dir: string | null): Promise<DenseResult> {
  const { table, recipe } = input;
  if (table.numRows === 0) throw new NodeError('the input table has no rows; check the upstream nodes (an empty file, or every row dropped by validation?)');
  checkRecipe(recipe);
  const loaded = await loadBackend();
  for (const skipped of loaded.skipped) hooks.log(`backend ${skipped.name} skipped: ${skipped.reason}`);

  const target = resolveTarget(table, options.target, recipe, hooks.log);
  const roles = roleOfRows(table, hooks.log);
  const labels = targetLabels(target, table);
  let missing = 0;
  const trainPool: number[] = [];
  let validationRows: number[] = [];
  roles.forEach((role, row) => {
    if (role !== 'train' && role !== 'validation') return;
    if (labels[row] === null) {
      missing++;
      return;
    }
    (role === 'train' ? trainPool : validationRows).push(row);
  });
  if (missing > 0) hooks.log(`${missing} training/validation rows have no '${options.target}' label and are left out`, 'warn');
  if (trainPool.length === 0) throw new NodeError(`no training rows with a '${options.target}' label (of ${table.numRows} rows)`, { field: 'target' });

  const task = chooseTask(options.task, target, labels, trainPool, hooks.log);
  let classes: string[] | null = null;
  if (task === 'classification') {
    classes = sortLabels(new Set(trainPool.map((row) => labels[row]!)), target);
    if (classes.length < 2) {
      throw new NodeError(`target '${options.target}' has one class ('${classes[0]}') in the training rows; a classifier needs at least two`, { field: 'target' });
    }
    if (classes.length > MAX_CLASSES) {
      throw new NodeError(`target '${options.target}' has ${classes.length} distinct values; that is too many classes (set task to 'regression' for a numeric target)`, { field: 'task' });
    }
    const known = new Set(classes);
    const unseen = validationRows.filter((row) => !known.has(labels[row]!));
    if (unseen.length > 0) {
      hooks.log(`${unseen.length} validation rows have labels that no training row has; they are left out of validation`, 'warn');
      validationRows = validationRows.filter((row) => known.has(labels[row]!));
    }
  } else if (target.valueType !== 'number' || target.source.kind !== 'column') {
    throw new NodeError(`target '${options.target}' is not numeric, so it cannot be a regression target; set task to 'classification'`, { field: 'task' });
  }

  // Validation rows: exactly the split's. Only a table without a split column gets a seeded
  // (stratified) 10% of its rows held out for early stopping: with a split, the split decides.
  let trainRows = trainPool;
  let validationFrom: 'split' | 'held out' | 'none' = validationRows.length > 0 ? 'split' : 'none';
  if (validationRows.length === 0 && options.earlyStopping > 0) {
    if (table.schema.fields.some((field) => field.name === SPLIT_COLUMN)) {
      hooks.log(`early stopping is off: the split has no validation rows, so all ${trainPool.length} train rows are trained on (give data.split a validation share to stop early)`);
    } else if (trainPool.length < 20) {
      hooks.log(`only ${trainPool.length} training rows: early stopping is off (no rows to spare for validation)`, 'warn');
    } else {
      const held = holdOut(trainPool, task === 'classification' ? labels : null, options.seed);
      trainRows = held.train;
      validationRows = held.validation;
      validationFrom = 'held out';
      hooks.log(`early stopping on ${validationRows.length} training rows held out (there is no split; add data.split with a validation share to choose them)`);
    }
  }

  const exclude = new Set([options.target]);
  if (target.source.kind === 'onehot') for (const category of target.source.categories) exclude.add(`${options.target}=${category}`);
  const trainIndex = Int32Array.from(trainRows);
  const validationIndex = Int32Array.from(validationRows);
  const features = planFeatures(table, exclude, trainIndex, hooks.log);
  hooks.log(`${features.columns.length} feature columns → ${features.width} inputs; ${trainRows.length} training rows, ${validationRows.length} validation rows (${VALIDATION_FROM[validationFrom]})`);

  const outputUnits = task === 'classification' ? classes!.length : 1;
  let targetScaling: ModelBundle['targetScaling'] = null;
  let makeY: (rows: Int32Array) => Float32Array;
  if (task === 'classification') {
    const position = new Map(classes!.map((label, k) => [label, k]));
    makeY = (rows) => {
      const y = new Float32Array(rows.length * outputUnits);
      rows.forEach((row, k) => (y[k * outputUnits + position.get(labels[row]!)!] = 1));
      return y;
    };
  } else {
    const values = targetValues(target, table);
    // targetLabels reads ±Infinity as a missing label, so look at the values themselves.
    const infinite = roles.some((role, row) => (role === 'train' || role === 'validation') && Math.abs(values[row]!) === Infinity);
    const finite = trainRows.map((row) => values[row]!);
    if (infinite) throw new NodeError(`target '${options.target}' has infinite values in the training rows; filter them out first (data.validate with a range rule)`, { field: 'target' });
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const std = Math.sqrt(finite.reduce((sum, value) => sum + (value - mean) ** 2, 0) / finite.length);
    if (!(std > 0) || finite.every((value) => value === finite[0])) throw new NodeError(`target '${options.target}' is constant (${mean}) in the training rows; there is nothing to learn`, { field: 'target' });
    targetScaling = { mean, std };
    makeY = (rows) => Float32Array.from(rows, (row) => (values[row]! - mean) / std);
  }

  const weights = task === 'classification' && options.classWeight === 'balanced' ? balancedWeights(trainIndex, labels, classes!) : undefined;
  const train: Matrix = { x: encodeFeatures(features, table, trainIndex), rows: trainIndex.length, y: makeY(trainIndex), ...(weights ? { weights } : {}) };
  const validation: Matrix | null = validationIndex.length > 0 ? { x: encodeFeatures(features, table, validationIndex), rows: validationIndex.length, y: makeY(validationIndex) } : null;

  const network: MlpSpec = {
    inputDim: features.width,
    hiddenLayers: options.hiddenLayers,
    activation: options.activation,
    dropout: options.dropout,
    outputUnits,
    output: task === 'classification' ? 'softmax' : 'linear',
  };
  const tfBackend = await backendForWork(stepFlops(network, Math.min(options.batchSize, train.rows)));
  // The fused CPU kernel trains where it is faster and supports the network; TF.js otherwise.
  const path = chooseTrainPath(network, tfBackend);
  const backend = path.path === 'fused' ? FUSED_BACKEND : tfBackend;
  hooks.usedBackend(backend);
  hooks.log(
    path.path === 'fused'
      ? `training with the fused WebAssembly kernel (${FUSED_BACKEND}; TENSORLOOM_TRAIN_PATH=tfjs trains with TF.js instead)`
      : `training on the ${backend} backend${backend !== loaded.name ? ` (${loaded.name} is slower for a network this small)` : ''}; TF.js trains: ${path.reason}`,
  );
  const started = performance.now();
  let result;
  try {
    result = await trainMlp(train, validation, {
      spec: network,
      optimizer: options.optimizer,
      learningRate: options.learningRate,
      epochs: options.epochs,
      batchSize: options.batchSize,
      patience: validation ? options.earlyStopping : 0,
      seed: options.seed,
      signal: hooks.signal,
      path: path.path,
      onEpoch(stats) {
        hooks.metric('loss', stats.loss, stats.epoch);
        if (stats.valLoss !== undefined) hooks.metric('val_loss', stats.valLoss, stats.epoch);
        if (stats.valAccuracy !== undefined) hooks.metric('val_accuracy', stats.valAccuracy, stats.epoch);
        hooks.progress(stats.epoch / options.epochs, `epoch ${stats.epoch}: loss ${stats.loss.toFixed(4)}${stats.valLoss === undefined ? '' : `, val_loss ${stats.valLoss.toFixed(4)}`}`);
      },
    });
  } catch (error) {
    if (error instanceof TrainingDiverged) throw new NodeError(error.message, { field: 'learningRate' });
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const best = result.history[result.bestEpoch - 1];
  hooks.log(
    `trained ${result.history.length} epochs in ${seconds.toFixed(1)} s${result.stoppedEarly ? ` (stopped early; kept epoch ${result.bestEpoch})` : ''}`,
  );

  const summary: Record<string, number | string | boolean> = {
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    stoppedEarly: result.stoppedEarly,
    trainRows: trainRows.length,
    validationRows: validationRows.length,
    validationFrom,
    inputs: features.width,
    secondsPerEpoch: seconds / Math.max(1, result.history.length),
    backend,
    task,
    ...(best ? { loss: best.loss } : {}),
    ...(best?.valLoss !== undefined ? { valLoss: best.valLoss } : {}),
    ...(best?.valAccuracy !== undefined ? { valAccuracy: best.valAccuracy } : {}),
  };
  const bundle: ModelBundle = {
    format: BUNDLE_FORMAT,
    task,
    target,
    classes,
    recipe,
    ...packsField(recipe),
    features,
    inputs: requiredInputs(recipe, features, table, options.target),
    targetScaling,
    network,
    training: { options, epochs: result.history.length, bestEpoch: result.bestEpoch, stoppedEarly: result.stoppedEarly, trainRows: trainRows.length, validationRows: validationRows.length },
    lineage: { nodeId: hooks.nodeId, nodeType: hooks.nodeType, nodeVersion: hooks.nodeVersion, backend, tfjs: tfVersion },
  };
  if (dir !== null) await saveBundle(dir, bundle, result.weights);
  return { bundle, summary, history: result.history, weights: result.weights };
}

/** bundle.json's `packs`, only when the recipe uses a pack's step kinds (built-in-only bundles keep their bytes). */
function packsField(recipe: readonly RecipeStep[]): { packs?: ModelPack[] } {
  const packs = recipePacks(recipe);
  return packs.length > 0 ? { packs } : {};
}

/** Every step's kind is installed in this thread and its fitted values read: a user error before any training, not a crash after it. */
function checkRecipe(recipe: readonly RecipeStep[]): void {
  try {
    for (const step of recipe) stepKinds.resolve(step);
  } catch (error) {
    if (isRecipeError(error)) throw new NodeError(error.message, { field: 'table' });
    throw error;
  }
}

function holdOut(rows: readonly number[], labels: readonly (string | null)[] | null, seed: number): { train: number[]; validation: number[] } {
  const next = seededRandom(seed ^ 0xa11ce);
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    const key = labels ? labels[row]! : '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(row);
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (const group of groups.values()) {
    shuffleInPlace(group, next);
    const take = group.length >= 2 ? Math.max(1, Math.round(group.length * HOLDOUT_SHARE)) : 0;
    validation.push(...group.slice(0, take));
    train.push(...group.slice(take));
  }
  // Keep the original row order: the trainer shuffles with its own seed.
  return { train: train.sort((a, b) => a - b), validation: validation.sort((a, b) => a - b) };
}

/** scikit-learn's 'balanced': n / (classes × count of the row's class). */
function balancedWeights(rows: Int32Array, labels: readonly (string | null)[], classes: readonly string[]): Float32Array {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(labels[row]!, (counts.get(labels[row]!) ?? 0) + 1);
  return Float32Array.from(rows, (row) => rows.length / (classes.length * counts.get(labels[row]!)!));
}

/**
 * The raw columns a prediction request must carry: the model's feature columns traced back
 * through the recipe (what each step reads to produce what it writes), with their types.
 */
export function requiredInputs(recipe: readonly RecipeStep[], features: FeaturePlan, table: Table, target: string, steps: StepKindRegistry = stepKinds): InputColumn[] {
  const types = new Map<string, InputColumn['type']>();
  for (const column of features.columns) types.set(column.name, column.kind === 'number' ? 'number' : column.kind === 'boolean' ? 'boolean' : 'string');
  const needed = new Set(types.keys());
  for (let k = recipe.length - 1; k >= 0; k--) {
    const { kind, fitted } = steps.resolve(recipe[k]!);
    for (const flow of kind.flows(fitted)) {
      // An output nothing downstream uses needs no input, unless replay reads it anyway.
      if (!flow.always && !flow.writes.some((name) => needed.has(name))) continue;
      const neededAs = new Map<string, InputColumn['type']>();
      for (const name of flow.writes) {
        const type = types.get(name) ?? 'any';
        if (needed.delete(name)) neededAs.set(name, type);
      }
      for (const { name, type } of flow.reads) {
        needed.add(name);
        types.set(name, type === 'same' ? (neededAs.get(name) ?? 'any') : type);
      }
    }
  }
  needed.delete(target);
  needed.delete(SPLIT_COLUMN);
  const order = new Map(table.schema.fields.map((field, k) => [field.name, k]));
  return [...needed]
    .sort((a, b) => (order.get(a) ?? Infinity) - (order.get(b) ?? Infinity) || (a < b ? -1 : 1))
    .map((name) => ({ name, type: types.get(name) ?? 'any' }));
}
