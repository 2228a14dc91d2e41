/**
 * Real data and the real nodes for the ML node tests: penguins (NA cells), cars (from
 * vega-datasets, through a CSV file and data.csv), data.split, the feature nodes,
 * train.dense, eval.model and predict.batch, each called through its `run`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv, type DataTable, type ModelValue, type RunContext } from '../../../core/sdk/index.js';
import csvNode from '../../data/csv.js';
import splitNode from '../../data/split.js';
import predictNode from '../../deploy/predict.js';
import evalNode from '../../eval/model.js';
import encodeNode from '../../feature/encode.js';
import imputeNode from '../../feature/impute.js';
import scaleNode from '../../feature/scale.js';
import denseNode from '../dense.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const PENGUINS = join(REPO, 'examples', 'data', 'penguins.csv');
export const WEATHER = join(REPO, 'examples', 'data', 'seattle-weather.csv');
export const CARS_JSON = join(REPO, 'node_modules', 'vega-datasets', 'data', 'cars.json');

/** The node tests pass a TestContext (core/sdk/testing), which this folder may not import. */
type Ctx = RunContext;

export async function load(path: string): Promise<DataTable> {
  return { table: (await readCsv({ path })).table, recipe: [] };
}

export async function csvText(text: string): Promise<DataTable> {
  return { table: (await readCsv({ bytes: new TextEncoder().encode(text), name: 't.csv' })).table, recipe: [] };
}

/** penguins.csv as text lines (header first), for tests that plant bad cells. */
export function penguinLines(): string[] {
  return readFileSync(PENGUINS, 'utf8').trimEnd().split('\n');
}

/** Sets column `name` of the data lines picked by `pick` to `value` (penguins has no quoted cells). */
export function plant(lines: readonly string[], name: string, value: string, pick: (line: number) => boolean): string {
  const column = lines[0]!.split(',').indexOf(name);
  if (column < 0) throw new Error(`no column ${name}`);
  return (
    lines
      .map((line, k) => {
        if (k === 0 || !pick(k)) return line;
        const cells = line.split(',');
        cells[column] = value;
        return cells.join(',');
      })
      .join('\n') + '\n'
  );
}

/** cars.json written as a CSV file into the context's workspace and read back with the data.csv node. */
export async function cars(ctx: Ctx): Promise<DataTable> {
  const rows = JSON.parse(readFileSync(CARS_JSON, 'utf8')) as Record<string, string | number | null>[];
  const names = Object.keys(rows[0]!);
  const cell = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : typeof value === 'number' ? String(value) : `"${value.replaceAll('"', '""')}"`);
  const text = [names.join(','), ...rows.map((row) => names.map((name) => cell(row[name])).join(','))].join('\n') + '\n';
  writeFileSync(join(ctx.workspace.root, 'cars.csv'), text);
  return (await csvNode.run({ inputs: {}, params: csvNode.params.parse({ path: 'cars.csv' }) }, ctx)).table;
}

export async function split(input: DataTable, ctx: Ctx, params: Record<string, unknown> = {}): Promise<DataTable> {
  return (await splitNode.run({ inputs: { table: input }, params: splitNode.params.parse({ seed: 1, ...params }) }, ctx)).table;
}

/** impute → encode → scale, each fitted on the train rows, the target left alone. */
export async function featurize(input: DataTable, target: string, ctx: Ctx): Promise<DataTable> {
  const step = (nodeId: string, nodeType: string): Ctx => ({ ...ctx, nodeId, nodeType });
  const imputed = (await imputeNode.run({ inputs: { table: input }, params: imputeNode.params.parse({ target }) }, step('impute', 'feature.impute'))).table;
  const encoded = (await encodeNode.run({ inputs: { table: imputed }, params: encodeNode.params.parse({ target }) }, step('encode', 'feature.encode'))).table;
  return (await scaleNode.run({ inputs: { table: encoded }, params: scaleNode.params.parse({ target }) }, step('scale', 'feature.scale'))).table;
}

export async function train(input: DataTable, params: Record<string, unknown>, ctx: Ctx) {
  return denseNode.run({ inputs: { table: input }, params: denseNode.params.parse(params) }, ctx);
}

export async function evaluate(model: ModelValue, input: DataTable, ctx: Ctx, params: Record<string, unknown> = {}) {
  return evalNode.run({ inputs: { model, table: input }, params: evalNode.params.parse(params) }, ctx);
}

export async function predict(model: ModelValue, input: DataTable, ctx: Ctx) {
  return (await predictNode.run({ inputs: { model, table: input }, params: predictNode.params.parse({}) }, ctx)).predictions;
}
