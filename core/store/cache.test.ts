import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import type { OutputRecords } from './types.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let dotDir: string;
let store: WorkspaceStore;
beforeEach(() => {
  dotDir = join(dirs.make(), '.tensorloom');
  store = WorkspaceStore.open(dotDir);
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

async function storedOutputs(text: string): Promise<OutputRecords> {
  const ref = await store.artifacts.putBytes(new TextEncoder().encode(text));
  return { table: { hash: ref.hash, type: 'table', size: ref.size } };
}

describe('output cache', () => {
  it('misses, then returns what was saved, across reopening the workspace', async () => {
    expect(store.lookupCache('key-1')).toBeUndefined();
    const outputs = await storedOutputs('rows');
    store.saveCache('key-1', 'data.csv', outputs);
    expect(store.lookupCache('key-1')).toEqual(outputs);
    store.close();
    store = WorkspaceStore.open(dotDir);
    expect(store.lookupCache('key-1')).toEqual(outputs);
  });

  it('refuses to save an entry whose artifact is not in place', () => {
    const outputs: OutputRecords = { table: { hash: `sha256:${'ef'.repeat(32)}`, type: 'table', size: 3 } };
    expect(() => store.saveCache('key-2', 'data.csv', outputs)).toThrow(expect.objectContaining({ code: 'missing-artifact' }));
    expect(store.lookupCache('key-2')).toBeUndefined();
  });

  it('misses (and forgets the entry) when an artifact file was deleted by hand', async () => {
    const outputs = await storedOutputs('soon gone');
    store.saveCache('key-3', 'data.csv', outputs);
    rmSync(store.artifacts.pathOf(outputs.table!.hash));
    expect(store.lookupCache('key-3')).toBeUndefined();
    const db = new Database(store.dbPath, { readonly: true });
    expect(db.prepare(`SELECT count(*) AS n FROM cache WHERE cache_key = 'key-3'`).get()).toEqual({ n: 0 });
    db.close();
  });

  it('replays the metrics of the execution that computed an entry', async () => {
    const first = store.createRun(sampleRun);
    store.upsertNodeExecution(first, 'train', { status: 'running', cacheKey: 'key-4' });
    store.recordMetric(first, 'train', 'loss', 0.5, 0);
    store.recordMetric(first, 'train', 'loss', 0.25, 1);
    store.recordMetric(first, 'train', 'accuracy', 0.9, null);
    const outputs = await storedOutputs('model-ish');
    store.saveCache('key-4', 'train.dense', outputs);
    store.recordOutputs(first, 'train', outputs);
    store.upsertNodeExecution(first, 'train', { status: 'succeeded' });

    // A later run hits the cache: its own execution (queued, then cached) has no metrics.
    const second = store.createRun(sampleRun);
    store.upsertNodeExecution(second, 'train', { status: 'queued' });
    store.upsertNodeExecution(second, 'train', { cacheKey: 'key-4' });
    const replay = [
      { name: 'loss', value: 0.5, step: 0 },
      { name: 'loss', value: 0.25, step: 1 },
      { name: 'accuracy', value: 0.9, step: null },
    ];
    expect(store.metricsForCacheKey('key-4')).toEqual(replay);
    store.upsertNodeExecution(second, 'train', { status: 'cached', cached: true });
    expect(store.metricsForCacheKey('key-4')).toEqual(replay);
    expect(store.metricsForCacheKey('unknown')).toEqual([]);
  });
});
