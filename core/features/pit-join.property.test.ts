import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { columnValues, float64Column, stringColumn, tableFromColumns } from '../data/table-ops.js';
import { tempDirs } from '../store/test-fixtures/temp-dirs.js';
import { FeatureStore } from './feature-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

interface FeatureRow {
  key: number | string;
  ts: number;
  value: number;
}

interface EntityRow {
  key: number | string;
  ts: number;
}

/**
 * The reference: every feature row of the key at or before the row's time and within the
 * TTL; the latest one, on a tie the one written last (later batch, later row).
 */
function bruteForce(batches: FeatureRow[][], entity: EntityRow, ttlMs: number | null): { value: number; ts: number; batch: number } | null {
  let best: { value: number; ts: number; batch: number } | null = null;
  batches.forEach((rows, batch) => {
    for (const row of rows) {
      if (row.key !== entity.key || row.ts > entity.ts) continue;
      if (ttlMs !== null && row.ts < entity.ts - ttlMs) continue;
      if (best === null || row.ts >= best.ts) best = { value: row.value, ts: row.ts, batch };
    }
  });
  return best;
}

const keyOf = (kind: 'number' | 'string') => (kind === 'number' ? fc.integer({ min: 0, max: 6 }) : fc.constantFrom('a', 'b', 'c', 'dd', 'é', ''));

describe('point-in-time join (property)', () => {
  for (const kind of ['number', 'string'] as const) {
    it(`matches a brute-force reference on random data (${kind} keys): never later than the row, TTL respected, missing when nothing qualifies`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(fc.record({ key: keyOf(kind), ts: fc.integer({ min: 0, max: 60 }), value: fc.double({ noNaN: true, min: -1e6, max: 1e6 }) }), { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 4 }),
          fc.array(fc.record({ key: kind === 'number' ? fc.integer({ min: 0, max: 9 }) : fc.constantFrom('a', 'b', 'c', 'dd', 'é', '', 'zz'), ts: fc.integer({ min: -5, max: 70 }) }), { minLength: 1, maxLength: 40 }),
          fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
          (batches, entities, ttlSeconds) => {
            const store = FeatureStore.open(dirs.make('tensorloom-features-'));
            try {
              const ttlMs = ttlSeconds === null ? null : ttlSeconds * 1000;
              batches.forEach((rows, batch) => {
                const keys = rows.map((row) => row.key);
                const table = tableFromColumns({
                  id: kind === 'number' ? float64Column(keys as number[]) : stringColumn(keys as string[]),
                  at: float64Column(rows.map((row) => row.ts * 1000)),
                  value: float64Column(rows.map((row) => row.value)),
                  feature_ts: float64Column(rows.map((row) => row.ts * 1000)),
                  batch: float64Column(rows.map(() => batch)),
                });
                store.write(table, { name: 'v', entity: ['id'], timestamp: 'at', ...(ttlSeconds === null ? {} : { ttl: `${ttlSeconds}s` }) });
              });
              const entityKeys = entities.map((row) => row.key);
              const joined = store.read(
                tableFromColumns({
                  id: kind === 'number' ? float64Column(entityKeys as number[]) : stringColumn(entityKeys as string[]),
                  event: float64Column(entities.map((row) => row.ts * 1000)),
                }),
                { views: ['v'], timestamp: 'event' },
              );
              const values = columnValues(joined, 'value', 'value');
              const featureTimes = columnValues(joined, 'feature_ts', 'feature_ts');
              const batchOf = columnValues(joined, 'batch', 'batch');
              entities.forEach((entity, row) => {
                const expected = bruteForce(batches, entity, ttlMs === null ? null : ttlMs / 1000);
                const t = entity.ts * 1000;
                if (expected === null) {
                  expect(values[row]).toBeNull();
                  return;
                }
                expect([values[row], featureTimes[row], batchOf[row]]).toEqual([expected.value, expected.ts * 1000, expected.batch]);
                expect(featureTimes[row] as number).toBeLessThanOrEqual(t);
                if (ttlMs !== null) expect(featureTimes[row] as number).toBeGreaterThanOrEqual(t - ttlMs);
              });
            } finally {
              store.close();
            }
          },
        ),
        { numRuns: 60 },
      );
    }, 120_000);
  }
});
