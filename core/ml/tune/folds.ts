/**
 * How a search scores a trial: k-fold cross-validation on the train rows (stratified by
 * label for classification), or, with folds 0, the split's validation rows. A plan is plain
 * typed arrays, so it travels to worker threads as is.
 */
import { seededRandom, shuffleInPlace } from '../../data/random.js';

/** Row roles as a fold table marks them (SPLIT_COLUMN values). */
export const ROLE_NAMES = ['train', 'validation', 'test'] as const;
const TRAIN = 0;
const VALIDATION = 1;
const OTHER = 2;

export interface FoldPlan {
  /** 0: k-fold; the split's validation rows are scored instead. */
  readonly k: number;
  /** Each row's role in the input: 0 train, 1 validation, 2 anything else (test, no label). */
  readonly roles: Uint8Array;
  /** k-fold: the fold a train row is held out in (0…k-1); -1 for rows outside the folds. */
  readonly fold: Int8Array;
}

/**
 * `trainRows`: the labelled train rows to fold; `labels` (classification) stratifies them.
 * Rows are dealt in a seeded order, class by class, so every fold gets its share of each
 * class (as scikit-learn's StratifiedKFold) and the folds differ in size by at most one row.
 */
export function kFoldPlan(rowCount: number, roles: Uint8Array, trainRows: readonly number[], labels: readonly (string | null)[] | null, k: number, seed: number): FoldPlan {
  const fold = new Int8Array(rowCount).fill(-1);
  const next = seededRandom(seed ^ 0xf01d);
  const groups = new Map<string, number[]>();
  for (const row of trainRows) {
    const key = labels ? labels[row]! : '';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(row);
  }
  let position = 0;
  for (const key of [...groups.keys()].sort()) {
    const group = groups.get(key)!;
    shuffleInPlace(group, next);
    for (const row of group) fold[row] = position++ % k;
  }
  return { k, roles, fold };
}

export function validationPlan(roles: Uint8Array): FoldPlan {
  return { k: 0, roles, fold: new Int8Array(roles.length).fill(-1) };
}

/** The rows a fold scores: its held-out train rows, or (k 0) the validation rows. */
export function scoringRows(plan: FoldPlan, fold: number): Int32Array {
  const rows: number[] = [];
  for (let row = 0; row < plan.roles.length; row++) {
    if (plan.k === 0 ? plan.roles[row] === VALIDATION : plan.fold[row] === fold) rows.push(row);
  }
  return Int32Array.from(rows);
}

/**
 * The split role of every row while fold `fold` trains: its held-out rows become test rows
 * (never trained on), the other train rows train, and the split's validation rows stay the
 * early-stopping rows, as train.dense uses them. k 0: the input's roles as they are.
 */
export function foldRoles(plan: FoldPlan, fold: number): string[] {
  const names: string[] = new Array<string>(plan.roles.length);
  for (let row = 0; row < plan.roles.length; row++) {
    const role = plan.roles[row]!;
    names[row] = plan.k > 0 && plan.fold[row] === fold ? 'test' : ROLE_NAMES[role === TRAIN ? 0 : role === VALIDATION ? 1 : 2];
  }
  return names;
}

export const ROLE = { TRAIN, VALIDATION, OTHER } as const;
