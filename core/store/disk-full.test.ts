import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeBytes, mountSmallDisk, smallDiskSupport, type SmallDisk } from './test-fixtures/small-disk.js';
import { deadPid, sampleRun } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

// A real full disk: a 2 MB tmpfs. Mounting needs root; elsewhere these tests are skipped, saying why.
const support = smallDiskSupport();
const FULL = /^the disk holding the workspace is full: .+; free space and run again$/;

function integrity(dotDir: string): string {
  const db = new Database(join(dotDir, 'tensorloom.db'), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

describe.skipIf(!support.ok)(`a full disk under the store${support.ok ? '' : ` (skipped: ${support.skip})`}`, () => {
  let small: SmallDisk;
  beforeAll(() => {
    const mounted = mountSmallDisk('2m');
    if ('skip' in mounted) throw new Error(mounted.skip);
    small = mounted;
  });
  const fillers: string[] = [];
  const dotDir = () => join(small.dir, '.tensorloom');
  afterEach(() => {
    for (const filler of fillers.splice(0)) rmSync(filler, { force: true });
    rmSync(dotDir(), { recursive: true, force: true });
  });
  afterAll(() => small?.unmount());

  it('refuses writes with one clear message, keeps reads working, and takes writes again once there is room', () => {
    const store = WorkspaceStore.open(dotDir());
    const runId = store.createRun(sampleRun);
    store.upsertNodeExecution(runId, 'train', { status: 'running' });
    store.recordMetric(runId, 'train', 'loss', 1, 1);
    fillers.push(small.fill());

    let failure: unknown;
    for (let step = 2; step < 10_000 && failure === undefined; step += 1) {
      try {
        store.recordMetric(runId, 'train', 'loss', 1 / step, step);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toMatchObject({ name: 'StoreError', code: 'disk-full' });
    expect((failure as Error).message).toMatch(FULL);
    expect((failure as Error).message).toContain("could not record the metric 'loss' of node 'train'");
    expect(store.writeProblem).toMatch(FULL);
    // Reads go on.
    expect(store.getRun(runId)!.series.train!.loss![0]).toEqual({ step: 1, value: 1 });

    // The end of the run cannot be recorded either; the store keeps it and records it once there is room.
    expect(() => store.finishRun(runId, 'failed', 'the disk is full')).toThrow(FULL);
    rmSync(fillers.pop()!);
    store.close();
    const reopened = WorkspaceStore.open(dotDir());
    expect(reopened.getRun(runId)).toMatchObject({ status: 'failed', error: 'the disk is full' });
    // Its node, whose end was never recorded, is not left running.
    expect(reopened.getRun(runId)!.nodes.train!.status).toBe('interrupted');
    reopened.close();
    expect(integrity(dotDir())).toBe('ok');
  });

  it('opens a full workspace read-only: runs of ended processes show as interrupted, and are marked when there is room', () => {
    const store = WorkspaceStore.open(dotDir());
    const runId = store.createRun(sampleRun);
    store.upsertNodeExecution(runId, 'load', { status: 'succeeded' });
    store.upsertNodeExecution(runId, 'train', { status: 'running' });
    store.close();
    const db = new Database(join(dotDir(), 'tensorloom.db'));
    db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), runId);
    db.close();
    fillers.push(small.fill());

    // Marking the dead run interrupted is a write: it fails, and opening carries on.
    const full = WorkspaceStore.open(dotDir());
    expect(full.interruptedOnOpen).toBe(0);
    expect(full.writeProblem).toMatch(FULL);
    const [listed] = full.listRuns();
    expect(listed).toMatchObject({ id: runId, status: 'interrupted' });
    expect(listed!.nodeCounts).toMatchObject({ running: 0, interrupted: 1, succeeded: 1 });
    expect(full.getRun(runId)!.nodes.train!.status).toBe('interrupted');
    expect(() => full.createRun(sampleRun)).toThrow(FULL);
    full.close();

    rmSync(fillers.pop()!);
    const roomy = WorkspaceStore.open(dotDir());
    expect(roomy.interruptedOnOpen).toBe(1);
    expect(roomy.writeProblem).toBeUndefined();
    expect(roomy.getRun(runId)).toMatchObject({ status: 'interrupted' });
    roomy.close();
    // Read by a plain SQLite connection: the mark is in the file, not only shown.
    const check = new Database(join(dotDir(), 'tensorloom.db'), { readonly: true });
    expect(check.prepare('SELECT status FROM runs WHERE id = ?').get(runId)).toEqual({ status: 'interrupted' });
    check.close();
    expect(integrity(dotDir())).toBe('ok');
  });

  it('gc frees space on a full disk', async () => {
    const store = WorkspaceStore.open(dotDir());
    const orphan = await store.artifacts.putBytes(new Uint8Array(256 * 1024).fill(3));
    store.close();
    fillers.push(small.fill());
    const before = freeBytes(small.dir);
    const full = WorkspaceStore.open(dotDir());
    expect(full.collectGarbage()).toMatchObject({ artifacts: { removed: 1, bytes: 256 * 1024 } });
    expect(full.artifacts.has(orphan.hash)).toBe(false);
    full.close();
    expect(freeBytes(small.dir)).toBeGreaterThanOrEqual(before + 256 * 1024);
    expect(integrity(dotDir())).toBe('ok');
  });

  it('an artifact that does not fit fails with the same message and leaves no temp file', async () => {
    const store = WorkspaceStore.open(dotDir());
    fillers.push(small.fill(64 * 1024));
    const error = await store.artifacts.putBytes(new Uint8Array(512 * 1024).fill(7)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StoreError', code: 'disk-full' });
    expect((error as Error).message).toMatch(FULL);
    expect(store.artifacts.tempEntries()).toEqual([]);
    store.close();
  });
});
