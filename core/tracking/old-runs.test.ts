/** Runs recorded by the schema before tracking (version 3) survive the migration: listed, filtered and compared like new ones. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, schemaVersion, SCHEMA_VERSION } from '../store/migrations.js';
import { DATABASE_FILE, WorkspaceStore } from '../store/index.js';
import { compareStoredRuns } from './compare.js';
import { queryRuns } from './query-runs.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const SNAPSHOT = (epochs: number) =>
  JSON.stringify({
    format: 'tensorloom/pipeline@1',
    name: 'wine',
    nodes: [
      { id: 'load', type: 'data.csv', params: { path: 'wine.csv' } },
      { id: 'train', type: 'train.dense', params: { target: 'quality', epochs } },
      { id: 'evaluate', type: 'eval.model', params: {} },
    ],
    edges: [],
  });

/** A workspace as Tensorloom left it at schema 3: two runs of one pipeline, differing in train.epochs. */
function schema3Workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-v3-'));
  folders.push(root);
  const dotDir = join(root, '.tensorloom');
  mkdirSync(dotDir);
  const db = new Database(join(dotDir, DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  migrate(db, { target: 3 });
  const insertRun = db.prepare(`
    INSERT INTO runs (id, pipeline_name, pipeline_hash, pipeline_path, pipeline_json, overrides_json, status, backend, started_at, finished_at, pid, host)
    VALUES (?, 'wine', ?, ?, ?, ?, 'succeeded', 'cpu', ?, ?, 1, 'h')`);
  const insertNode = db.prepare('INSERT INTO node_executions (run_id, node_id, node_type, status, cached, params_json, ms) VALUES (?, ?, ?, ?, ?, ?, 5)');
  const insertMetric = db.prepare('INSERT INTO metrics (run_id, node_id, name, step, value, time) VALUES (?, ?, ?, ?, ?, ?)');
  for (const [id, epochs, accuracy, started] of [
    ['20250101-000000-aaaa', 10, 0.9, 1000],
    ['20250102-000000-bbbb', 40, 0.95, 2000],
  ] as const) {
    insertRun.run(id, `sha256:${epochs}`, join(root, 'wine.pipeline.json'), SNAPSHOT(epochs), epochs === 40 ? '{"train.epochs":40}' : '{}', started, started + 500);
    // Schema 3 recorded params only for nodes that executed: load came from the cache the second time.
    insertNode.run(id, 'load', 'data.csv', epochs === 40 ? 'cached' : 'succeeded', epochs === 40 ? 1 : 0, epochs === 40 ? null : '{"path":"wine.csv","delimiter":","}');
    insertNode.run(id, 'train', 'train.dense', 'succeeded', 0, JSON.stringify({ target: 'quality', epochs, seed: 0 }));
    insertNode.run(id, 'evaluate', 'eval.model', 'succeeded', 0, '{"split":"test"}');
    insertMetric.run(id, 'train', 'loss', 1, 0.5, started + 10);
    insertMetric.run(id, 'train', 'loss', 2, 0.4, started + 20);
    insertMetric.run(id, 'evaluate', 'accuracy', null, accuracy, started + 30);
  }
  db.close();
  return root;
}

describe('runs recorded before tracking', () => {
  it('migrate to the current schema and are listed, filtered, sorted and compared', () => {
    const root = schema3Workspace();
    const store = WorkspaceStore.open(join(root, '.tensorloom'));
    try {
      const listed = queryRuns(store, {});
      expect(listed.runs.map((run) => [run.id, run.experiment, run.trigger, run.environment])).toEqual([
        ['20250102-000000-bbbb', 'wine', null, null],
        ['20250101-000000-aaaa', 'wine', null, null],
      ]);
      // Without a registry the snapshot's params are as written, so the default the old run recorded shows as a difference.
      expect(listed.columns).toEqual({ metrics: ['accuracy'], params: ['train.epochs', 'load.delimiter'] });

      const filtered = queryRuns(store, { experiment: 'wine', where: 'metrics.accuracy > 0.92 and params.train.epochs = 40' });
      expect(filtered.runs.map((run) => run.id)).toEqual(['20250102-000000-bbbb']);
      expect(queryRuns(store, { sort: 'metrics.accuracy', limit: 1 }).runs.map((run) => run.id)).toEqual(['20250101-000000-aaaa']);

      // The cached node recorded no params: the snapshot's stand in (as written: no registry here).
      const comparison = compareStoredRuns(store, ['20250101-000000-aaaa', '20250102-000000-bbbb']);
      expect(comparison.params).toEqual({ load: { delimiter: [',', null] }, train: { epochs: [10, 40] } });
      expect(comparison.metrics).toEqual({ train: { loss: [0.4, 0.4] }, evaluate: { accuracy: [0.9, 0.95] } });
      expect(comparison.best).toEqual({ evaluate: { accuracy: ['20250102-000000-bbbb'] } });

      // Old runs take tags and notes like new ones.
      expect(store.setRunTags('20250101-000000-aaaa', { baseline: 'yes' })).toEqual({ baseline: 'yes' });
      expect(queryRuns(store, { where: 'tags.baseline = yes' }).runs.map((run) => run.id)).toEqual(['20250101-000000-aaaa']);
    } finally {
      store.close();
    }
    const db = new Database(join(root, '.tensorloom', DATABASE_FILE), { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });
});
