import {
  columnValues,
  defineNode,
  NodeError,
  port,
  seededRandom,
  shuffleInPlace,
  SPLIT_COLUMN,
  stringColumn,
  withColumn,
  z,
  type SplitRole,
} from '../../core/sdk/index.js';

/** test + validation must stay below this, so there is something left to train on. */
const MAX_HELD_OUT = 0.95;

/**
 * How many of `size` rows go to test and validation. With `atLeastOne`, a part that was
 * asked for gets a row whenever that still leaves one to train on (test first).
 */
function partSizes(size: number, test: number, validation: number, atLeastOne: boolean): { test: number; validation: number } {
  let nTest = Math.round(size * test);
  let nValidation = Math.round(size * validation);
  if (atLeastOne) {
    if (test > 0 && nTest === 0 && size - nValidation >= 2) nTest = 1;
    if (validation > 0 && nValidation === 0 && size - nTest >= 2) nValidation = 1;
  }
  // Never take the last training row.
  while (nTest + nValidation >= size && nTest + nValidation > 0) {
    if (nValidation >= nTest && nValidation > 0) nValidation--;
    else nTest--;
  }
  return { test: Math.max(0, nTest), validation: Math.max(0, nValidation) };
}

export default defineNode({
  type: 'data.split',
  version: 1,
  category: 'data',
  title: 'Train/test split',
  description: `Marks each row as train, validation or test in a '${SPLIT_COLUMN}' column; later nodes fit on train rows only.`,
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: `The same rows, with the '${SPLIT_COLUMN}' column.` }) },
  params: z.object({
    test: z.number().min(0).max(0.9).default(0.2).describe('Share of rows for testing (0 to 0.9)'),
    validation: z.number().min(0).max(0.5).default(0).describe('Share of rows for validation: train.dense stops early on them; 0 = no early stopping (0 to 0.5)'),
    stratifyBy: z.string().min(1).optional().describe('Column whose class proportions each part keeps (usually the target)'),
    seed: z.number().int().default(0).describe('Random seed: the same seed and data give the same split'),
  }),
  async run({ inputs, params }, ctx) {
    const { table, recipe } = inputs.table;
    const rows = table.numRows;
    if (params.test + params.validation >= MAX_HELD_OUT) {
      throw new NodeError(
        `test (${params.test}) + validation (${params.validation}) is ${+(params.test + params.validation).toFixed(4)}; keep it below ${MAX_HELD_OUT} so rows are left for training`,
        { field: 'test' },
      );
    }
    if (rows === 0) throw new NodeError('the input table has no rows to split; check the upstream node (an empty file, or every row skipped?)');

    // Strata: one per class of stratifyBy (null is a class of its own), or all rows.
    const strata: number[][] = [];
    if (params.stratifyBy !== undefined) {
      const values = columnValues(table, params.stratifyBy, 'stratifyBy');
      const byClass = new Map<string, number[]>();
      values.forEach((value, row) => {
        const key = value === null ? '\u0000null' : `${typeof value}:${String(value)}`;
        let members = byClass.get(key);
        if (!members) byClass.set(key, (members = []));
        members.push(row);
      });
      strata.push(...byClass.values());
    } else {
      strata.push(Array.from({ length: rows }, (_, row) => row));
    }

    const next = seededRandom(params.seed);
    const roles = new Array<SplitRole>(rows).fill('train');
    const stratified = params.stratifyBy !== undefined;
    for (const members of strata) {
      shuffleInPlace(members, next);
      // Every class with two rows or more gets a test (and validation) row when asked.
      const sizes = partSizes(members.length, params.test, params.validation, stratified || members.length >= 2);
      members.forEach((row, k) => {
        roles[row] = k < sizes.test ? 'test' : k < sizes.test + sizes.validation ? 'validation' : 'train';
      });
      ctx.signal.throwIfAborted();
    }

    const counts = { train: 0, validation: 0, test: 0 };
    for (const role of roles) counts[role]++;
    const missing = (['test', 'validation'] as const).filter((part) => params[part] > 0 && counts[part] === 0);
    if (missing.length > 0 || counts.train === 0) {
      throw new NodeError(
        `${rows === 1 ? '1 row is' : `${rows} rows are`} too few for this split: ${missing.length > 0 ? `no row left for ${missing.join(' and ')}` : 'no row left for training'}; lower test/validation or use more data`,
        { field: missing[0] ?? 'test' },
      );
    }

    if (table.schema.fields.some((field) => field.name === SPLIT_COLUMN)) {
      ctx.log(`the input already has a '${SPLIT_COLUMN}' column; replacing it with this split`, 'warn');
    }
    ctx.metric('train_rows', counts.train);
    ctx.metric('validation_rows', counts.validation);
    ctx.metric('test_rows', counts.test);
    ctx.log(`split ${rows} rows: ${counts.train} train, ${counts.validation} validation, ${counts.test} test${stratified ? ` (stratified by '${params.stratifyBy}', ${strata.length} classes)` : ''}`);
    return { table: { table: withColumn(table, SPLIT_COLUMN, stringColumn(roles)), recipe } };
  },
});
