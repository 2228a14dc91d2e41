/** Real data for the feature node tests: penguins (NA cells) and Seattle weather, split or not. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCsv, type DataTable, type RunContext } from '../../../core/sdk/index.js';
import splitNode from '../../data/split.js';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', 'data');
export const PENGUINS = join(EXAMPLES, 'penguins.csv');
export const WEATHER = join(EXAMPLES, 'seattle-weather.csv');

export async function load(path: string): Promise<DataTable> {
  return { table: (await readCsv({ path })).table, recipe: [] };
}

/** The table through the real data.split node (20% test, seeded). */
export async function split(input: DataTable, ctx: RunContext, params: Record<string, unknown> = {}): Promise<DataTable> {
  return (await splitNode.run({ inputs: { table: input }, params: splitNode.params.parse({ seed: 1, ...params }) }, ctx)).table;
}

export async function csvText(text: string): Promise<DataTable> {
  return { table: (await readCsv({ bytes: new TextEncoder().encode(text), name: 't.csv' })).table, recipe: [] };
}
