import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';

/**
 * The database schema as an ordered list of steps. `PRAGMA user_version` says how many have
 * run; opening a workspace runs the rest, each in its own transaction together with the
 * version bump, so a crash mid-migration leaves the previous version intact.
 *
 * A step that has shipped is never edited: change the schema by appending a step.
 *
 * Conventions: times are milliseconds since the epoch (INTEGER); JSON lives in `*_json`
 * TEXT columns checked with json_valid; statuses are validated by the TypeScript types
 * rather than CHECK constraints, because SQLite can only change a CHECK by rebuilding the
 * table. Artifacts are keyed by `hash` so later tables (the model registry's versions,
 * aliases and audit log; deployments) can reference `artifacts(hash)` and `runs(id)`.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, node executions, metrics and logs',
    up(db) {
      db.exec(`
        CREATE TABLE runs (
          id             TEXT PRIMARY KEY,
          pipeline_name  TEXT NOT NULL,
          pipeline_hash  TEXT NOT NULL,
          pipeline_path  TEXT,
          pipeline_json  TEXT NOT NULL,
          until_node     TEXT,
          overrides_json TEXT NOT NULL CHECK (json_valid(overrides_json)),
          status         TEXT NOT NULL,
          backend        TEXT,
          error          TEXT,
          started_at     INTEGER NOT NULL,
          finished_at    INTEGER,
          pid            INTEGER NOT NULL,
          host           TEXT NOT NULL,
          boot_id        TEXT,
          process_start  TEXT
        ) STRICT;
        CREATE INDEX runs_by_start ON runs (started_at DESC, id DESC);
        CREATE INDEX runs_running ON runs (status) WHERE status = 'running';

        CREATE TABLE node_executions (
          seq         INTEGER PRIMARY KEY,
          run_id      TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          node_id     TEXT NOT NULL,
          node_type   TEXT,
          status      TEXT NOT NULL,
          cached      INTEGER NOT NULL DEFAULT 0,
          cache_key   TEXT,
          params_json TEXT CHECK (params_json IS NULL OR json_valid(params_json)),
          started_at  INTEGER,
          finished_at INTEGER,
          ms          REAL,
          error       TEXT,
          UNIQUE (run_id, node_id)
        ) STRICT;
        CREATE INDEX node_executions_by_cache_key ON node_executions (cache_key) WHERE cache_key IS NOT NULL;

        CREATE TABLE metrics (
          id      INTEGER PRIMARY KEY,
          run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          node_id TEXT NOT NULL,
          name    TEXT NOT NULL,
          step    INTEGER,
          value   REAL, -- NULL stands for NaN, which SQLite cannot store
          time    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX metrics_by_run ON metrics (run_id, node_id, name, step);

        CREATE TABLE logs (
          id      INTEGER PRIMARY KEY,
          run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          node_id TEXT,
          level   TEXT NOT NULL,
          message TEXT NOT NULL,
          time    INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX logs_by_run ON logs (run_id, id);
      `);
    },
  },
  {
    version: 2,
    description: 'artifact index, run outputs, attachments, output cache and file hash memo',
    up(db) {
      db.exec(`
        CREATE TABLE artifacts (
          hash       TEXT PRIMARY KEY CHECK (hash GLOB 'sha256:*'),
          kind       TEXT NOT NULL CHECK (kind IN ('file', 'dir')),
          type       TEXT, -- the port type; NULL for attachments
          size       INTEGER NOT NULL,
          created_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE run_outputs (
          run_id  TEXT NOT NULL,
          node_id TEXT NOT NULL,
          port    TEXT NOT NULL,
          hash    TEXT NOT NULL REFERENCES artifacts (hash),
          type    TEXT NOT NULL,
          PRIMARY KEY (run_id, node_id, port),
          FOREIGN KEY (run_id, node_id) REFERENCES node_executions (run_id, node_id) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX run_outputs_by_hash ON run_outputs (hash);

        CREATE TABLE attachments (
          run_id  TEXT NOT NULL,
          node_id TEXT NOT NULL,
          name    TEXT NOT NULL,
          hash    TEXT NOT NULL REFERENCES artifacts (hash),
          PRIMARY KEY (run_id, node_id, name),
          FOREIGN KEY (run_id, node_id) REFERENCES node_executions (run_id, node_id) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX attachments_by_hash ON attachments (hash);

        CREATE TABLE cache (
          cache_key    TEXT PRIMARY KEY,
          node_type    TEXT NOT NULL,
          outputs_json TEXT NOT NULL CHECK (json_valid(outputs_json)),
          created_at   INTEGER NOT NULL,
          last_used_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE file_hashes (
          path      TEXT PRIMARY KEY,
          size      INTEGER NOT NULL,
          mtime_ns  TEXT NOT NULL, -- TEXT: nanosecond times and inode numbers may not fit a float
          ino       TEXT NOT NULL,
          ctime_ns  TEXT NOT NULL,
          hash      TEXT NOT NULL,
          hashed_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    description: 'durable per-node state (ctx.state)',
    up(db) {
      // One row per node type and key: a node's own small memory across runs (data.validate's
      // schema baseline). Scoped by type so one node type never reads another's state.
      db.exec(`
        CREATE TABLE node_state (
          node_type  TEXT NOT NULL,
          key        TEXT NOT NULL,
          value_json TEXT NOT NULL CHECK (json_valid(value_json)),
          run_id     TEXT,
          node_id    TEXT,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (node_type, key)
        ) STRICT, WITHOUT ROWID;
      `);
      importLegacySchemas(db);
    },
  },
  {
    version: 4,
    description: 'experiment tracking: experiments, environment, trigger, tags, notes, source files, child runs',
    up(db) {
      // Runs recorded before this step keep NULL here: readers fall back to the pipeline name
      // for the experiment and show the environment as unknown.
      db.exec(`
        ALTER TABLE runs ADD COLUMN experiment TEXT;
        ALTER TABLE runs ADD COLUMN trigger TEXT;
        ALTER TABLE runs ADD COLUMN environment_json TEXT CHECK (environment_json IS NULL OR json_valid(environment_json));
        ALTER TABLE runs ADD COLUMN note TEXT;
        ALTER TABLE runs ADD COLUMN parent_run_id TEXT REFERENCES runs (id) ON DELETE CASCADE;
        ALTER TABLE runs ADD COLUMN parent_node_id TEXT;
        CREATE INDEX runs_by_experiment ON runs (experiment, started_at DESC);
        CREATE INDEX runs_by_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

        CREATE TABLE run_tags (
          run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          key    TEXT NOT NULL,
          value  TEXT NOT NULL,
          time   INTEGER NOT NULL,
          PRIMARY KEY (run_id, key)
        ) STRICT, WITHOUT ROWID;

        -- The content hash of every source file a node read (data.csv's path, …).
        CREATE TABLE run_sources (
          run_id  TEXT NOT NULL,
          node_id TEXT NOT NULL,
          path    TEXT NOT NULL, -- relative to the workspace
          hash    TEXT NOT NULL,
          size    INTEGER NOT NULL,
          PRIMARY KEY (run_id, node_id, path),
          FOREIGN KEY (run_id, node_id) REFERENCES node_executions (run_id, node_id) ON DELETE CASCADE
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 5,
    description: 'model registry: models, immutable versions, aliases and their audit trail',
    up(db) {
      // Run ids are kept without a foreign key: a version outlives the run records behind it.
      db.exec(`
        CREATE TABLE models (
          name       TEXT PRIMARY KEY,
          created_at INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;

        -- Immutable once written, but for archived_at.
        CREATE TABLE model_versions (
          name             TEXT NOT NULL REFERENCES models (name),
          version          INTEGER NOT NULL,
          artifact_hash    TEXT NOT NULL REFERENCES artifacts (hash),
          run_id           TEXT,    -- the run and node that registered it
          node_id          TEXT,
          trained_run_id   TEXT,    -- lineage: the run and node that trained it
          trained_node_id  TEXT,
          pipeline_hash    TEXT,
          data_hashes_json TEXT NOT NULL CHECK (json_valid(data_hashes_json)),
          metrics_json     TEXT NOT NULL CHECK (json_valid(metrics_json)),
          schema_json      TEXT NOT NULL CHECK (json_valid(schema_json)),
          backend          TEXT,
          description      TEXT,
          tags_json        TEXT NOT NULL CHECK (json_valid(tags_json)),
          created_at       INTEGER NOT NULL,
          archived_at      INTEGER,
          PRIMARY KEY (name, version)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX model_versions_by_hash ON model_versions (artifact_hash);

        CREATE TABLE model_aliases (
          name       TEXT NOT NULL REFERENCES models (name),
          alias      TEXT NOT NULL,
          version    INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (name, alias),
          FOREIGN KEY (name, version) REFERENCES model_versions (name, version)
        ) STRICT, WITHOUT ROWID;

        -- Append-only: registrations, gate decisions, schema changes, alias moves, archiving.
        CREATE TABLE registry_events (
          id           INTEGER PRIMARY KEY,
          name         TEXT NOT NULL,
          kind         TEXT NOT NULL, -- 'register' | 'gate-failed' | 'schema-changed' | 'alias' | 'archive'
          version      INTEGER,
          alias        TEXT,
          from_version INTEGER,       -- alias moves: where it pointed before (NULL: nowhere)
          to_version   INTEGER,       -- and where it points now (NULL: removed)
          run_id       TEXT,          -- by a run's node …
          node_id      TEXT,
          command      TEXT,          -- … or by a command (the CLI, the local API)
          detail_json  TEXT CHECK (detail_json IS NULL OR json_valid(detail_json)),
          time         INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX registry_events_by_name ON registry_events (name, id);
      `);
    },
  },
  {
    version: 6,
    description: 'streams: received messages, dead letters, offsets and fixed schemas, handled files',
    up(db) {
      // Kept by core/stream (inbox.ts). A stream is one data.stream node of one pipeline file
      // ('<pipeline path>#<node id>'). seq orders every stored message; a stream's offset says
      // which it has processed. msg_id (the idField's value) is unique per stream: dedup.
      db.exec(`
        CREATE TABLE stream_messages (
          seq         INTEGER PRIMARY KEY,
          stream      TEXT NOT NULL,
          msg_id      TEXT,
          payload     TEXT NOT NULL CHECK (json_valid(payload)),
          received_at INTEGER NOT NULL,
          UNIQUE (stream, msg_id)
        ) STRICT;
        CREATE INDEX stream_messages_by_stream ON stream_messages (stream, seq);

        CREATE TABLE stream_dead_letters (
          id          INTEGER PRIMARY KEY,
          stream      TEXT NOT NULL,
          seq         INTEGER,       -- the stored message it came from (NULL: refused on arrival)
          msg_id      TEXT,
          payload     TEXT NOT NULL, -- as received (text)
          reason      TEXT NOT NULL,
          received_at INTEGER NOT NULL,
          UNIQUE (stream, seq)
        ) STRICT;
        CREATE INDEX stream_dead_letters_by_stream ON stream_dead_letters (stream, id);

        CREATE TABLE stream_state (
          stream        TEXT PRIMARY KEY,
          committed_seq INTEGER NOT NULL DEFAULT 0, -- every message up to here is processed
          batches       INTEGER NOT NULL DEFAULT 0, -- batches committed
          pending_json  TEXT CHECK (pending_json IS NULL OR json_valid(pending_json)), -- the claimed batch, replayed after a crash
          schema_json   TEXT CHECK (schema_json IS NULL OR json_valid(schema_json)),   -- fixed at the first batch
          received      INTEGER NOT NULL DEFAULT 0,
          duplicates    INTEGER NOT NULL DEFAULT 0,
          dead_letters  INTEGER NOT NULL DEFAULT 0,
          updated_at    INTEGER NOT NULL
        ) STRICT, WITHOUT ROWID;

        -- A folder source's files whose rows are stored (name → size:mtime), written with them.
        CREATE TABLE stream_files (
          stream    TEXT NOT NULL,
          name      TEXT NOT NULL,
          signature TEXT NOT NULL,
          PRIMARY KEY (stream, name)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
];

/**
 * data.validate kept its schema baselines as `.tensorloom/schemas/<name>.json` before
 * ctx.state existed: bring them over, so an upgrade keeps comparing with the old baseline
 * instead of silently saving a new one. Unreadable files are left where they are.
 */
function importLegacySchemas(db: Database.Database): void {
  if (db.name === ':memory:' || db.name === '') return;
  const dir = join(dirname(db.name), 'schemas');
  if (!existsSync(dir)) return;
  const insert = db.prepare("INSERT OR IGNORE INTO node_state (node_type, key, value_json, updated_at) VALUES ('data.validate', ?, ?, ?)");
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    try {
      const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { columns?: unknown };
      if (Array.isArray(parsed.columns)) insert.run(`schema/${file.slice(0, -'.json'.length)}`, JSON.stringify(parsed), Date.now());
    } catch {
      // Not a baseline we can read: the node saves a fresh one, as it did for a broken file.
    }
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the database up to `target` (default: the latest step). Safe when several
 * processes open the same new workspace at once: each step takes the write lock first
 * and re-reads the version, so it runs exactly once.
 */
export function migrate(
  db: Database.Database,
  options: { steps?: readonly Migration[]; target?: number } = {},
): { from: number; to: number } {
  const steps = options.steps ?? MIGRATIONS;
  const target = options.target ?? steps.length;
  steps.forEach((step, index) => {
    if (step.version !== index + 1) throw new Error(`migration ${index + 1} is numbered ${step.version}: steps must be numbered 1, 2, 3, …`);
  });
  const from = schemaVersion(db);
  if (from > steps.length) {
    throw new StoreError(
      'newer-schema',
      `${db.name} was written by a newer version of Tensorloom (schema version ${from}; this version knows up to ${steps.length}); update Tensorloom to open this workspace`,
      { path: db.name },
    );
  }
  for (const step of steps.slice(from, target)) {
    db.transaction(() => {
      if (schemaVersion(db) >= step.version) return; // another process ran it meanwhile
      step.up(db);
      db.pragma(`user_version = ${step.version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, schemaVersion(db)) };
}
