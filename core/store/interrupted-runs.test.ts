import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { deadPid, sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

/** A run as another process would have left it: created, some nodes done, some in flight. */
function leaveRun(dotDir: string, owner: { pid?: number; host?: string; bootId?: string }): string {
  const store = WorkspaceStore.open(dotDir);
  const runId = store.createRun(sampleRun);
  store.upsertNodeExecution(runId, 'load', { status: 'succeeded', finishedAt: 5, ms: 5 });
  store.upsertNodeExecution(runId, 'split', { status: 'running', startedAt: 6 });
  store.upsertNodeExecution(runId, 'train', { status: 'queued' });
  store.close();
  const db = new Database(join(dotDir, 'tensorloom.db'));
  db.prepare('UPDATE runs SET pid = coalesce(?, pid), host = coalesce(?, host), boot_id = coalesce(?, boot_id) WHERE id = ?').run(
    owner.pid ?? null,
    owner.host ?? null,
    owner.bootId ?? null,
    runId,
  );
  db.close();
  return runId;
}

describe('runs abandoned by dead processes', () => {
  it('are marked interrupted on open, with their running and queued nodes', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    const runId = leaveRun(dotDir, { pid: deadPid() });
    const store = WorkspaceStore.open(dotDir);
    expect(store.interruptedOnOpen).toBe(1);
    const run = store.getRun(runId)!;
    expect(run.status).toBe('interrupted');
    expect(run.error).toMatch(/process that ran it \(pid \d+ on .+\) ended before the run finished/);
    expect(run.finishedAt).not.toBeNull();
    expect(Object.fromEntries(Object.entries(run.nodes).map(([id, node]) => [id, node.status]))).toEqual({
      load: 'succeeded',
      split: 'interrupted',
      train: 'interrupted',
    });
    expect(store.listRuns()[0]!.nodeCounts).toMatchObject({ succeeded: 1, interrupted: 2, running: 0, queued: 0 });
    store.close();
  });

  it('include runs from before a reboot', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    const runId = leaveRun(dotDir, { bootId: 'a-previous-boot' });
    const store = WorkspaceStore.open(dotDir);
    expect(store.getRun(runId)!.status).toBe('interrupted');
    store.close();
  });

  it('exclude runs of a live process and of another machine', () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    const owner = WorkspaceStore.open(dotDir);
    const live = owner.createRun(sampleRun);
    const remote = leaveRun(dotDir, { pid: deadPid(), host: 'some-other-machine' });

    const second = WorkspaceStore.open(dotDir);
    expect(second.interruptedOnOpen).toBe(0);
    expect(second.getRun(live)!.status).toBe('running');
    expect(second.getRun(remote)!.status).toBe('running');
    owner.finishRun(live, 'succeeded');
    expect(second.getRun(live)!.status).toBe('succeeded');
    second.close();
    owner.close();
  });
});
