import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion, type Migration } from './migrations.js';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { DATABASE_FILE, WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const tables = (db: Database.Database) =>
  (db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((row) => row.name);

describe('migrations', () => {
  it('brings a new database to the latest version with every table', () => {
    const store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
    store.close();
    const db = new Database(store.dbPath, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).toEqual(
      ['artifacts', 'attachments', 'cache', 'file_hashes', 'logs', 'metrics', 'model_aliases', 'model_versions', 'models', 'node_executions', 'node_state', 'registry_events', 'run_outputs', 'run_sources', 'run_tags', 'runs', 'stream_dead_letters', 'stream_files', 'stream_messages', 'stream_state'].sort(),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('migrates a database created at version 1 and keeps its runs', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    mkdirSync(dotDir);
    const old = new Database(join(dotDir, DATABASE_FILE));
    old.pragma('journal_mode = WAL');
    expect(migrate(old, { target: 1 })).toEqual({ from: 0, to: 1 });
    old
      .prepare(
        `INSERT INTO runs (id, pipeline_name, pipeline_hash, pipeline_json, overrides_json, status, started_at, finished_at, pid, host)
         VALUES ('20250101-000000-abcd', 'old', 'sha256:00', '{}', '{"epochs":3}', 'succeeded', 1000, 2000, 1, 'h')`,
      )
      .run();
    old.prepare(`INSERT INTO node_executions (run_id, node_id, node_type, status, ms) VALUES ('20250101-000000-abcd', 'load', 'data.csv', 'succeeded', 12)`).run();
    old.prepare(`INSERT INTO metrics (run_id, node_id, name, step, value, time) VALUES ('20250101-000000-abcd', 'load', 'rows', NULL, 150, 1500)`).run();
    expect(tables(old)).not.toContain('cache');
    old.close();

    const store = WorkspaceStore.open(dotDir);
    const run = store.getRun('20250101-000000-abcd');
    expect(run).toMatchObject({ pipelineName: 'old', status: 'succeeded', overrides: { epochs: 3 }, metrics: { load: { rows: 150 } } });
    expect(run?.nodes.load).toMatchObject({ type: 'data.csv', status: 'succeeded', ms: 12, outputs: {} });
    expect(store.lookupCache('anything')).toBeUndefined(); // the table added by step 2 is there
    store.close();

    const db = new Database(store.dbPath, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('brings data.validate schema files written before ctx.state into the node state', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    mkdirSync(join(dotDir, 'schemas'), { recursive: true });
    const old = new Database(join(dotDir, DATABASE_FILE));
    old.pragma('journal_mode = WAL');
    migrate(old, { target: 2 });
    old.close();
    const columns = [{ name: 'species', kind: 'string', type: 'Utf8' }];
    writeFileSync(join(dotDir, 'schemas', 'check.json'), JSON.stringify({ format: 'tensorloom/schema@1', node: 'check', columns }));
    writeFileSync(join(dotDir, 'schemas', 'broken.json'), '{');

    const store = WorkspaceStore.open(dotDir);
    expect(store.getNodeState('data.validate', 'schema/check')).toEqual({ format: 'tensorloom/schema@1', node: 'check', columns });
    expect(store.getNodeState('data.validate', 'schema/broken')).toBeUndefined();
    expect(store.listNodeState().map((entry) => entry.key)).toEqual(['schema/check']);
    store.close();
  });

  it('rolls a failing step back whole and leaves the version where it was', () => {
    const db = new Database(':memory:');
    const steps: Migration[] = [
      MIGRATIONS[0]!,
      {
        version: 2,
        description: 'half done',
        up(target) {
          target.exec('CREATE TABLE half (x INTEGER)');
          throw new Error('disk on fire');
        },
      },
    ];
    expect(() => migrate(db, { steps })).toThrow('disk on fire');
    expect(schemaVersion(db)).toBe(1);
    expect(tables(db)).not.toContain('half');
    expect(tables(db)).toContain('runs');
    db.close();
  });

  it('is a no-op when the database is current, and refuses misnumbered steps', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toEqual({ from: 0, to: SCHEMA_VERSION });
    expect(migrate(db)).toEqual({ from: SCHEMA_VERSION, to: SCHEMA_VERSION });
    expect(() => migrate(new Database(':memory:'), { steps: [{ ...MIGRATIONS[0]!, version: 2 }] })).toThrow(/numbered/);
    db.close();
  });
});
