import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GC_CLOCK_MARGIN_MS } from './gc.js';
import { deadPid, sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import type { ArtifactRef } from './types.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let store: WorkspaceStore;
let dotDir: string;
beforeEach(() => {
  dotDir = join(dirs.make(), '.tensorloom');
  store = WorkspaceStore.open(dotDir);
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

const put = (text: string) => store.artifacts.putBytes(new TextEncoder().encode(text));
/** Makes a stored artifact look written `ms` ago. */
const age = (ref: ArtifactRef, ms: number) => utimesSync(ref.path, new Date(Date.now() - ms), new Date(Date.now() - ms));
const indexRow = (hash: string) => {
  const db = new Database(join(dotDir, 'tensorloom.db'), { readonly: true });
  try {
    return db.prepare('SELECT hash FROM artifacts WHERE hash = ?').get(hash);
  } finally {
    db.close();
  }
};

describe('garbage collection', () => {
  it('removes what no run, attachment or cache entry references, and leftovers of dead processes in tmp/', async () => {
    const runId = store.createRun(sampleRun);
    const output = await put('a run output');
    const attached = await put('an attachment');
    const cached = await put('a cache entry only');
    const orphan = await put('published, never recorded (a node over its budget)');
    const dropped = await put('was cached; the entry is gone');
    store.recordOutputs(runId, 'load', { table: { hash: output.hash, type: 'table', size: output.size } });
    store.attachArtifact(runId, 'load', 'plot.png', attached);
    store.saveCache('k-cached', 'data.csv', { table: { hash: cached.hash, type: 'table', size: cached.size } });
    store.saveCache('k-dropped', 'data.csv', { table: { hash: dropped.hash, type: 'table', size: dropped.size } });
    const db = new Database(join(dotDir, 'tensorloom.db'));
    db.prepare(`DELETE FROM cache WHERE cache_key = 'k-dropped'`).run();
    db.close();
    store.finishRun(runId, 'succeeded');
    const dead = deadPid();
    mkdirSync(join(store.artifacts.tempDir, `${dead}.0a1b.job-train`));
    writeFileSync(join(store.artifacts.tempDir, `${dead}.0a1b.job-train`, 'model.bin'), 'x'.repeat(100));
    const mine = store.artifacts.tempPath('in-progress');
    writeFileSync(mine, 'this process is writing it');
    writeFileSync(join(store.artifacts.tempDir, 'notes.txt'), 'not the store’s');

    const dry = store.collectGarbage({ dryRun: true });
    expect(dry).toMatchObject({
      dryRun: true,
      artifacts: { removed: 2, bytes: orphan.size + dropped.size },
      temp: { removed: 1, bytes: 100 },
      kept: { referenced: 3, recent: 0 },
      liveRuns: [],
    });
    for (const ref of [output, attached, cached, orphan, dropped]) expect(store.artifacts.has(ref.hash)).toBe(true);
    expect(readdirSync(store.artifacts.tempDir)).toHaveLength(3);

    const done = store.collectGarbage();
    expect(done).toMatchObject({ ...dry, dryRun: false });
    expect(store.artifacts.has(orphan.hash)).toBe(false);
    expect(store.artifacts.has(dropped.hash)).toBe(false);
    expect(indexRow(dropped.hash)).toBeUndefined();
    for (const ref of [output, attached, cached]) expect(await store.artifacts.verify(ref.hash)).toBe(true);
    expect(store.lookupCache('k-cached')).toBeDefined();
    expect(store.getRun(runId)!.nodes.load!.attachments['plot.png']!.hash).toBe(attached.hash);
    expect(readdirSync(store.artifacts.tempDir).sort()).toEqual(['notes.txt', mine.slice(store.artifacts.tempDir.length + 1)].sort());
    expect(store.collectGarbage()).toMatchObject({ artifacts: { removed: 0, bytes: 0 }, temp: { removed: 0 } });
  });

  it('while a run is live, keeps unreferenced artifacts written after it started (it may be about to record them)', async () => {
    const old = await put('orphaned long ago');
    age(old, GC_CLOCK_MARGIN_MS + 60 * 60 * 1000);
    const live = store.createRun(sampleRun); // owned by this process: live
    const fresh = await put('just published by the live run, not recorded yet');

    const report = store.collectGarbage();
    expect(report.liveRuns).toEqual([live]);
    expect(report).toMatchObject({ artifacts: { removed: 1, bytes: old.size }, kept: { recent: 1 } });
    expect(store.artifacts.has(old.hash)).toBe(false);
    expect(store.artifacts.has(fresh.hash)).toBe(true);

    store.finishRun(live, 'failed');
    expect(store.collectGarbage()).toMatchObject({ liveRuns: [], artifacts: { removed: 1 } });
    expect(store.artifacts.has(fresh.hash)).toBe(false);
  });

  it('keeps an old artifact that a live run has just found already stored (publishing touches it)', async () => {
    const text = 'the same bytes, computed again';
    const before = await put(text);
    age(before, GC_CLOCK_MARGIN_MS + 60 * 60 * 1000);
    const agedAt = statSync(before.path).mtimeMs;
    const live = store.createRun(sampleRun);
    const again = await put(text); // content already there: nothing new written, the file is touched
    expect(again).toMatchObject({ hash: before.hash, fresh: false });
    expect(statSync(before.path).mtimeMs).toBeGreaterThan(agedAt);

    expect(store.collectGarbage()).toMatchObject({ artifacts: { removed: 0 }, kept: { recent: 1 } });
    // So the run can record what it found.
    store.recordOutputs(live, 'load', { table: { hash: again.hash, type: 'table', size: again.size } });
    expect(existsSync(again.path)).toBe(true);
  });
});
