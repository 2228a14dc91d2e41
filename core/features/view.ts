/**
 * Feature views: what a view is (name, entity key columns, timestamp column, TTL, feature
 * columns) and its schema, the thing a later write must match. Plain data, no I/O.
 */
import { NodeError } from '../base/errors.js';

/** What a write declares about a view (feature.store.write's params). */
export interface FeatureViewSpec {
  readonly name: string;
  /** Entity key columns, e.g. ['customer_id']. */
  readonly entity: readonly string[];
  /** The event-time column. */
  readonly timestamp: string;
  /** How long a feature value stays valid after its timestamp, e.g. '30d'; absent: forever. */
  readonly ttl?: string | undefined;
  /** Feature columns; absent or empty: every column other than the keys and the timestamp. */
  readonly features?: readonly string[] | undefined;
}

/** How the store keeps a column: numbers as float64, text as UTF-8, booleans as bits. */
export type StoredKind = 'number' | 'string' | 'boolean';

export interface StoredColumn {
  readonly name: string;
  readonly kind: StoredKind;
}

/** A view's schema as the registry keeps it: a later write with another schema is refused. */
export interface ViewSchema {
  readonly entity: readonly StoredColumn[];
  readonly timestamp: string;
  readonly features: readonly StoredColumn[];
}

/** A registered view: its schema plus what the registry knows about it. */
export interface FeatureView {
  readonly name: string;
  readonly schema: ViewSchema;
  /** The TTL as written ('30d'), and in milliseconds; null: no TTL. */
  readonly ttl: string | null;
  readonly ttlMs: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When the online table last took new rows; null before the first materialization. */
  readonly materializedAt: number | null;
  /** Offline rows and files (partitions). */
  readonly rows: number;
  readonly partitions: number;
  /** Partitions not yet in the online table. */
  readonly pendingPartitions: number;
  /** Entities in the online table. */
  readonly onlineRows: number;
  /** Latest and earliest feature timestamp offline (epoch ms); null when empty. */
  readonly latestTimestamp: number | null;
  readonly earliestTimestamp: number | null;
}

const VIEW_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function viewNameProblem(name: string): string | undefined {
  if (VIEW_NAME.test(name)) return undefined;
  return `feature view name '${name}' must be 1–64 letters, digits, '_', '.' or '-', starting with a letter`;
}

const TTL_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** '30d', '12h', '90m', '45s', '2w', '500ms' → milliseconds; a NodeError naming `field` otherwise. */
export function parseTtl(text: string, field = 'ttl'): number {
  const found = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  const value = found ? Number(found[1]) * TTL_UNITS[found[2]!]! : NaN;
  if (!found || !(value > 0)) throw new NodeError(`ttl '${text}' is not a duration; write a positive number and a unit: ms, s, m, h, d or w (e.g. '30d', '12h')`, { field });
  return value;
}

/**
 * How `next` differs from the registered `previous` schema, one phrase per difference,
 * each naming the columns; empty when they match.
 */
export function schemaDifferences(previous: ViewSchema, next: ViewSchema): string[] {
  const problems: string[] = [];
  const names = (columns: readonly StoredColumn[]) => columns.map((column) => column.name);
  if (names(previous.entity).join('\u0000') !== names(next.entity).join('\u0000')) {
    problems.push(`entity columns were ${names(previous.entity).join(', ')}, now ${names(next.entity).join(', ')}`);
  }
  if (previous.timestamp !== next.timestamp) problems.push(`timestamp column was '${previous.timestamp}', now '${next.timestamp}'`);
  const before = new Map(previous.features.map((column) => [column.name, column.kind]));
  const after = new Map(next.features.map((column) => [column.name, column.kind]));
  const added = [...after.keys()].filter((name) => !before.has(name));
  const removed = [...before.keys()].filter((name) => !after.has(name));
  if (added.length > 0) problems.push(`new feature column${added.length > 1 ? 's' : ''} ${added.map((name) => `'${name}'`).join(', ')}`);
  if (removed.length > 0) problems.push(`missing feature column${removed.length > 1 ? 's' : ''} ${removed.map((name) => `'${name}'`).join(', ')}`);
  for (const [list, label] of [
    [next.entity, 'entity column'],
    [next.features, 'feature column'],
  ] as const) {
    const earlier = new Map([...previous.entity, ...previous.features].map((column) => [column.name, column.kind]));
    for (const column of list) {
      const was = earlier.get(column.name);
      if (was !== undefined && was !== column.kind) problems.push(`${label} '${column.name}' was ${was}, now ${column.kind}`);
    }
  }
  return problems;
}
