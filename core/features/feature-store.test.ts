import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNodeError } from '../base/errors.js';
import { seededRandom } from '../data/random.js';
import { float64Column, stringColumn, tableFromColumns } from '../data/table-ops.js';
import { tempDirs } from '../store/test-fixtures/temp-dirs.js';
import { FeatureStore } from './feature-store.js';
import { parseTtl } from './view.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function open(): FeatureStore {
  return FeatureStore.open(join(dirs.make('tensorloom-features-'), '.tensorloom'));
}

function errorOf(work: () => unknown): { message: string; field: string | undefined } {
  try {
    work();
  } catch (error) {
    if (isNodeError(error)) return { message: error.message, field: error.field };
    throw error;
  }
  throw new Error('expected a NodeError');
}

const rows = (ids: (number | null)[], times: string[], spend: number[], tier: (string | null)[]) =>
  tableFromColumns({ customer: float64Column(ids.map((id) => id ?? NaN)), at: stringColumn(times), spend: float64Column(spend), tier: stringColumn(tier) });

describe('feature store', () => {
  it('keeps views offline as content-addressed partitions and online as the latest value per entity', () => {
    const store = open();
    try {
      const first = store.write(rows([1, 2, 1, null], ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-01'], [10, 20, 30, 40], ['a', 'b', 'c', 'd']), { name: 'customers', entity: ['customer'], timestamp: 'at', ttl: '30d' });
      expect(first).toMatchObject({ view: 'customers', rows: 3, dropped: 1, fresh: true, created: true, materialized: 2 });
      expect(first.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(readdirSync(join(store.offlineDir, 'customers'))).toEqual([`${first.hash.slice(7)}.arrow`]);
      // The same rows again add nothing.
      expect(store.write(rows([1, 2, 1, null], ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-01'], [10, 20, 30, 40], ['a', 'b', 'c', 'd']), { name: 'customers', entity: ['customer'], timestamp: 'at', ttl: '30d' })).toMatchObject({
        fresh: false,
        created: false,
        materialized: 0,
      });
      // A later batch with an older value for customer 1 (out of order) and a newer one for 2.
      store.write(rows([1, 2, 3], ['2023-12-31', '2024-02-01', '2024-01-15'], [99, 21, 5], ['old', 'b2', null]), { name: 'customers', entity: ['customer'], timestamp: 'at', ttl: '30d' });

      const lookup = store.onlineLookup('customers');
      expect(lookup.get([1])).toEqual({ found: true, timestamp: Date.parse('2024-01-03'), values: { spend: 30, tier: 'c' } });
      expect(lookup.get([2])).toEqual({ found: true, timestamp: Date.parse('2024-02-01'), values: { spend: 21, tier: 'b2' } });
      expect(lookup.get(['3'])).toEqual({ found: true, timestamp: Date.parse('2024-01-15'), values: { spend: 5, tier: null } });
      // An unknown entity is missing values, not an error.
      expect(lookup.get([42])).toEqual({ found: false, timestamp: null, values: { spend: null, tier: null } });
      expect(lookup.get([null])).toMatchObject({ found: false });

      const [view] = store.list();
      expect(view).toMatchObject({ name: 'customers', rows: 6, partitions: 2, pendingPartitions: 0, onlineRows: 3, ttl: '30d', ttlMs: 30 * 86_400_000, latestTimestamp: Date.parse('2024-02-01'), earliestTimestamp: Date.parse('2023-12-31') });
      expect(view!.schema).toEqual({ entity: [{ name: 'customer', kind: 'number' }], timestamp: 'at', features: [{ name: 'spend', kind: 'number' }, { name: 'tier', kind: 'string' }] });
      expect(view!.materializedAt).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  });

  it('online values are exactly the latest materialized ones, batch after batch (random data)', () => {
    const store = open();
    const random = seededRandom(3);
    const latest = new Map<number, { ts: number; value: number }>();
    try {
      for (let batch = 0; batch < 6; batch++) {
        const ids: number[] = [];
        const times: string[] = [];
        const values: number[] = [];
        for (let k = 0; k < 200; k++) {
          const id = Math.floor(random() * 50);
          const ts = Date.UTC(2024, 0, 1) + Math.floor(random() * 1000) * 60_000;
          const value = Math.round(random() * 1e6) / 100;
          ids.push(id);
          times.push(new Date(ts).toISOString());
          values.push(value);
          const known = latest.get(id);
          if (!known || ts >= known.ts) latest.set(id, { ts, value });
        }
        store.write(tableFromColumns({ id: float64Column(ids), at: stringColumn(times), value: float64Column(values) }), { name: 'v', entity: ['id'], timestamp: 'at' });
        const lookup = store.onlineLookup('v');
        for (let id = 0; id < 55; id++) {
          const expected = latest.get(id);
          expect(lookup.get([id])).toEqual(expected ? { found: true, timestamp: expected.ts, values: { value: expected.value } } : { found: false, timestamp: null, values: { value: null } });
        }
      }
    } finally {
      store.close();
    }
  });

  it('refuses a write whose schema differs from the view, naming the columns', () => {
    const store = open();
    try {
      store.write(rows([1], ['2024-01-01'], [1], ['a']), { name: 'c', entity: ['customer'], timestamp: 'at' });
      const extra = tableFromColumns({ customer: float64Column([1]), at: stringColumn(['2024-01-02']), spend: float64Column([2]), tier: stringColumn(['b']), age: float64Column([3]) });
      expect(errorOf(() => store.write(extra, { name: 'c', entity: ['customer'], timestamp: 'at' }))).toEqual({
        message: "feature view 'c' has another schema than this table: new feature column 'age'. A view keeps its schema; write these rows under a new name",
        field: 'features',
      });
      const retyped = tableFromColumns({ customer: float64Column([1]), at: stringColumn(['2024-01-02']), spend: stringColumn(['lots']), tier: stringColumn(['b']) });
      expect(errorOf(() => store.write(retyped, { name: 'c', entity: ['customer'], timestamp: 'at' })).message).toContain("feature column 'spend' was number, now string");
      expect(errorOf(() => store.write(rows([1], ['2024-01-02'], [1], ['a']), { name: 'c', entity: ['customer'], timestamp: 'at', features: ['spend'] })).message).toContain("missing feature column 'tier'");
      const rekeyed = tableFromColumns({ customer: stringColumn(['x']), at: stringColumn(['2024-01-02']), spend: float64Column([2]), tier: stringColumn(['b']) });
      expect(errorOf(() => store.write(rekeyed, { name: 'c', entity: ['customer'], timestamp: 'at' })).message).toContain("entity column 'customer' was number, now string");
      // Nothing of the refused writes was registered.
      expect(store.view('c')).toMatchObject({ rows: 1, partitions: 1 });
    } finally {
      store.close();
    }
  });

  it('says what is wrong with bad input, naming the column or view', () => {
    const store = open();
    try {
      const table = rows([1], ['2024-01-01'], [1], ['a']);
      expect(errorOf(() => store.write(table, { name: 'bad name', entity: ['customer'], timestamp: 'at' })).field).toBe('name');
      expect(errorOf(() => store.write(table, { name: 'v', entity: ['custmer'], timestamp: 'at' }))).toMatchObject({ field: 'entity', message: expect.stringContaining("column 'custmer' not found") });
      expect(errorOf(() => store.write(table, { name: 'v', entity: ['customer'], timestamp: 'when' }))).toMatchObject({ field: 'timestamp' });
      expect(errorOf(() => store.write(table, { name: 'v', entity: ['customer'], timestamp: 'at', ttl: '30 days' }))).toMatchObject({ field: 'ttl' });
      expect(errorOf(() => store.write(tableFromColumns({ customer: float64Column([1]), at: stringColumn(['soon']), x: float64Column([1]) }), { name: 'v', entity: ['customer'], timestamp: 'at' }))).toEqual({
        field: 'timestamp',
        message: "timestamp column 'at', row 1: 'soon' is not a date; write ISO 8601 ('2024-05-01' or '2024-05-01T10:00:00Z') or epoch milliseconds",
      });
      store.write(table, { name: 'v', entity: ['customer'], timestamp: 'at' });
      const entities = tableFromColumns({ customer: float64Column([1]), event: stringColumn(['2024-02-01']) });
      expect(errorOf(() => store.read(entities, { views: ['v'], timestamp: 'time' }))).toEqual({ field: 'timestamp', message: "the entity table has no timestamp column 'time'; its columns are: customer, event" });
      expect(errorOf(() => store.read(entities, { views: ['w'], timestamp: 'event' }))).toEqual({ field: 'views', message: "feature view 'w' not found; views are: v" });
      expect(errorOf(() => store.read(tableFromColumns({ id: float64Column([1]), event: stringColumn(['2024-02-01']) }), { views: ['v'], timestamp: 'event' }))).toEqual({
        field: 'views',
        message: "feature view 'v' is keyed by 'customer', but the entity table has no column 'customer'; its columns are: id, event",
      });
      expect(errorOf(() => store.read(tableFromColumns({ customer: float64Column([1]), event: stringColumn(['2024-02-01']), spend: float64Column([0]) }), { views: ['v'], timestamp: 'event' })).message).toBe(
        "feature 'spend' of view 'v' clashes with a column of the entity table; rename one of them before the join",
      );
      expect(store.read(entities, { views: ['v'], timestamp: 'event' }).numCols).toBe(4);
    } finally {
      store.close();
    }
  });

  it('parses TTLs', () => {
    expect(parseTtl('30d')).toBe(30 * 86_400_000);
    expect(parseTtl('12h')).toBe(12 * 3_600_000);
    expect(parseTtl('1.5s')).toBe(1500);
    expect(() => parseTtl('0d')).toThrow(/not a duration/);
  });
});
