/**
 * The feature store's own SQLite file (`.tensorloom/features/features.db`): the view
 * registry (schema, TTL, times), the offline partitions of each view, and one online table
 * per view with the latest values per entity. Kept apart from tensorloom.db so that a
 * model server can read the online tables without opening the run database, and so that
 * the run database's migrations and garbage collection never touch it.
 */
import Database from 'better-sqlite3';

export const FEATURES_DB_FILE = 'features.db';

const SCHEMA_VERSION = 1;

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE views (
     id INTEGER PRIMARY KEY,
     name TEXT NOT NULL UNIQUE,
     schema_json TEXT NOT NULL,
     ttl TEXT,
     ttl_ms REAL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     materialized_at INTEGER
   );
   CREATE TABLE partitions (
     view_id INTEGER NOT NULL REFERENCES views(id),
     seq INTEGER NOT NULL,
     hash TEXT NOT NULL,
     rows INTEGER NOT NULL,
     min_ts REAL,
     max_ts REAL,
     written_at INTEGER NOT NULL,
     materialized INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (view_id, seq),
     UNIQUE (view_id, hash)
   );`,
];

export function openFeaturesDatabase(path: string): Database.Database {
  const db = new Database(path, { timeout: 10_000 });
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) throw new Error(`the feature store ${path} was written by a newer Tensorloom (schema ${version}; this one knows ${SCHEMA_VERSION})`);
    if (version < SCHEMA_VERSION) {
      db.transaction(() => {
        for (let step = version; step < SCHEMA_VERSION; step++) db.exec(MIGRATIONS[step]!);
        db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export interface ViewRow {
  id: number;
  name: string;
  schema_json: string;
  ttl: string | null;
  ttl_ms: number | null;
  created_at: number;
  updated_at: number;
  materialized_at: number | null;
}

export interface PartitionRow {
  view_id: number;
  seq: number;
  hash: string;
  rows: number;
  min_ts: number | null;
  max_ts: number | null;
  written_at: number;
  materialized: number;
}

/** A view's online table (SQLite identifiers never come from user text). */
export function onlineTableName(viewId: number): string {
  return `online_${viewId}`;
}
