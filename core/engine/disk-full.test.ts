import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { mountSmallDisk, smallDiskSupport, type SmallDisk } from '../store/test-fixtures/small-disk.js';
import { WorkspaceStore } from '../store/index.js';
import { Harness, pipeline } from './test-support/harness.js';

// Real full disks (small tmpfs mounts) need root; elsewhere these tests are skipped, saying why.
const support = smallDiskSupport();
const canMount = support.ok;
const why = support.ok ? '' : ` (skipped: ${support.skip})`;
const FULL = /^the disk holding the workspace is full: .+; free space and run again$/;

function integrity(root: string): string {
  const db = new Database(join(root, '.tensorloom', 'tensorloom.db'), { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

const waitFor = (check: () => boolean) =>
  new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });

describe.skipIf(!canMount)(`the engine on a full disk${why}`, () => {
  let harness: Harness | undefined;
  let disk: SmallDisk | undefined;
  afterEach(async () => {
    await harness?.close();
    disk?.unmount();
    harness = undefined;
    disk = undefined;
  });

  it('an artifact write that hits ENOSPC fails its node with one clear message and stops the run; the database stays consistent', async () => {
    harness = new Harness();
    // Only tmp/, where artifacts are written, is on the full disk: the database has room to record the failure.
    const mounted = mountSmallDisk('1m', join(harness.root, '.tensorloom', 'tmp'));
    if ('skip' in mounted) throw new Error(mounted.skip);
    disk = mounted;
    disk.fill();
    const doc = pipeline([{ id: 'src', type: 'test.source' }, { id: 'next', type: 'test.add' }, { id: 'other', type: 'test.source', params: { value: 2 } }], [['src.out', 'next.a']]);
    const result = await harness.run(doc);

    expect(result.status).toBe('failed');
    const failed = Object.entries(result.nodes).filter(([, node]) => node.status === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    for (const [id, node] of failed) {
      expect(node.error).toMatch(FULL);
      expect(node.error).toContain(`could not store the output 'out' of node '${id}'`);
    }
    expect(result.error).toMatch(FULL);
    expect(result.nodes.next).toMatchObject({ status: 'skipped', error: 'skipped: the run stopped (the disk is full)' });
    const stored = harness.store.getRun(result.runId)!;
    expect(stored).toMatchObject({ status: 'failed' });
    expect(stored.error).toMatch(FULL);
    expect(stored.logs.filter((log) => log.level === 'error')).toEqual([]); // no stack: nothing to report but the message
    // Nothing half-written is left in tmp/: only the filler.
    expect(readdirSync(join(harness.root, '.tensorloom', 'tmp'))).toEqual(['filler-1']);

    // Room again: the same run succeeds.
    disk.unmount();
    disk = undefined;
    expect((await harness.run(doc)).status).toBe('succeeded');
    expect(integrity(harness.root)).toBe('ok');
  });

  it('a metric that cannot be recorded inside a worker message handler stops the run instead of crashing the process', async () => {
    const mounted = mountSmallDisk('4m');
    if ('skip' in mounted) throw new Error(mounted.skip);
    disk = mounted;
    harness = new Harness({}, undefined, disk.dir);
    const doc = pipeline([{ id: 'emit', type: 'test.metricStream', params: { count: 100_000, everyMs: 2 } }, { id: 'after', type: 'test.add' }], [['emit.out', 'after.a']]);
    const running = harness.run(doc);
    await waitFor(() => harness!.events.some((event) => event.type === 'node.metric' && event.nodeId === 'emit'));
    const filler = disk.fill();
    const result = await running;

    expect(result.status).toBe('failed');
    expect(result.nodes.emit!.status).toBe('failed');
    expect(result.nodes.emit!.error).toMatch(FULL);
    expect(result.nodes.emit!.error).toContain("could not record the metric 'm' of node 'emit'");
    expect(result.nodes.after).toMatchObject({ status: 'skipped', error: 'skipped: the run stopped (the disk is full)' });
    // Reads work on the full disk.
    expect(harness.store.listRuns()[0]!.id).toBe(result.runId);

    rmSync(filler);
    await harness.close();
    const store = WorkspaceStore.open(join(disk.dir, '.tensorloom'));
    try {
      // The end of the run, which did not fit, was recorded at close once there was room.
      const stored = store.getRun(result.runId)!;
      expect(stored.status).toBe('failed');
      expect(stored.error).toMatch(FULL);
      expect(['failed', 'interrupted']).toContain(stored.nodes.emit!.status);
    } finally {
      store.close();
    }
    expect(integrity(disk.dir)).toBe('ok');
    await harness.restart();
    const again = await harness.run(pipeline([{ id: 'emit', type: 'test.metricStream', params: { count: 5, everyMs: 0 } }], []));
    expect(again.status).toBe('succeeded');
  });

  it('a run that cannot even be recorded is refused with the clear message', async () => {
    const mounted = mountSmallDisk('2m');
    if ('skip' in mounted) throw new Error(mounted.skip);
    disk = mounted;
    harness = new Harness({}, undefined, disk.dir);
    disk.fill();
    const error = await harness.run(pipeline([{ id: 'src', type: 'test.source' }], [])).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StoreError', code: 'disk-full' });
    expect((error as Error).message).toBe(
      `the disk holding the workspace is full: could not start a run of 'test'; free space and run again`,
    );
  });
});
