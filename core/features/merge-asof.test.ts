/**
 * The point-in-time join against pandas' merge_asof (by= key, direction backward,
 * tolerance for the TTL) on a real data set: the stock prices of vega-datasets, joined onto
 * random events of the same symbols (and one no store has).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readCsv } from '../data/csv.js';
import { seededRandom } from '../data/random.js';
import { columnValues, stringColumn, tableFromColumns } from '../data/table-ops.js';
import { tempDirs } from '../store/test-fixtures/temp-dirs.js';
import { FeatureStore } from './feature-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const STOCKS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'vega-datasets', 'data', 'stocks.csv');
const PYTHON = '/usr/bin/python3';

const MERGE_ASOF = `
import json, sys
import pandas as pd
features = pd.read_csv(sys.argv[1])
entities = pd.read_csv(sys.argv[2])
tolerance = None if sys.argv[3] == 'none' else int(sys.argv[3])
joined = pd.merge_asof(entities.sort_values('ms'), features.sort_values('ms'), on='ms', by='symbol', direction='backward', allow_exact_matches=True, tolerance=tolerance)
joined = joined.sort_values('row')
print(json.dumps([None if pd.isna(p) else float(p) for p in joined['price']]))
`;

function mergeAsof(folder: string, features: string, entities: string, toleranceMs: number | null): (number | null)[] {
  const script = join(folder, 'merge_asof.py');
  writeFileSync(script, MERGE_ASOF);
  const ran = spawnSync(PYTHON, [script, features, entities, toleranceMs === null ? 'none' : String(toleranceMs)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (ran.status !== 0) throw new Error(`python3 failed: ${ran.stderr}`);
  return JSON.parse(ran.stdout) as (number | null)[];
}

describe('point-in-time join against pandas merge_asof', () => {
  for (const ttl of [null, '45d'] as const) {
    it(`gives merge_asof's answers on the stocks data set (ttl ${ttl ?? 'none'})`, async () => {
      const folder = dirs.make('tensorloom-asof-');
      const { table: stocks } = await readCsv({ path: STOCKS });
      const store = FeatureStore.open(join(folder, '.tensorloom'));
      try {
        store.write(stocks, { name: 'stocks', entity: ['symbol'], timestamp: 'date', ...(ttl ? { ttl } : {}) });
        const symbols = columnValues(stocks, 'symbol', 'symbol') as string[];
        const dates = (columnValues(stocks, 'date', 'date') as string[]).map((text) => Date.parse(text));
        const prices = columnValues(stocks, 'price', 'price') as number[];
        writeFileSync(join(folder, 'features.csv'), ['symbol,ms,price', ...symbols.map((symbol, k) => `${symbol},${dates[k]},${prices[k]}`)].join('\n'));

        // Events between half a year before the first price and after the last, some of them exactly on a price's date.
        const random = seededRandom(ttl === null ? 7 : 8);
        const names = [...new Set(symbols), 'NONE'];
        const first = Math.min(...dates) - 180 * 86_400_000;
        const last = Math.max(...dates) + 180 * 86_400_000;
        const rows = 3000;
        const eventSymbols: string[] = [];
        const eventMs: number[] = [];
        for (let row = 0; row < rows; row++) {
          if (row % 10 === 0) {
            const k = Math.floor(random() * symbols.length);
            eventSymbols.push(symbols[k]!);
            eventMs.push(dates[k]!);
          } else {
            eventSymbols.push(names[Math.floor(random() * names.length)]!);
            eventMs.push(Math.floor(first + random() * (last - first)));
          }
        }
        writeFileSync(join(folder, 'entities.csv'), ['row,symbol,ms', ...eventSymbols.map((symbol, row) => `${row},${symbol},${eventMs[row]}`)].join('\n'));
        const entities = tableFromColumns({ symbol: stringColumn(eventSymbols), at: stringColumn(eventMs.map((ms) => new Date(ms).toISOString())) });

        const joined = store.read(entities, { views: ['stocks'], timestamp: 'at' });
        const ours = columnValues(joined, 'price', 'price');
        const theirs = mergeAsof(folder, join(folder, 'features.csv'), join(folder, 'entities.csv'), ttl === null ? null : 45 * 86_400_000);
        expect(ours).toEqual(theirs);
        const found = ours.filter((value) => value !== null).length;
        // The comparison means something: most rows have a price, and some do not.
        expect(found).toBeGreaterThan(rows / 2);
        expect(found).toBeLessThan(rows);
      } finally {
        store.close();
      }
    }, 120_000);
  }
});
