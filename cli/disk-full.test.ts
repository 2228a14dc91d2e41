import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSmallDisk, smallDiskSupport, type SmallDisk } from '../core/store/test-fixtures/small-disk.js';
import { REPO, tensorloom } from './test-support/run-cli.js';

// A real 2 MB file system. Mounting a tmpfs needs root; elsewhere the test is skipped, saying why.
const support = smallDiskSupport();

interface RunSummaryJson {
  id: string;
  status: string;
}

describe.skipIf(!support.ok)(`tensorloom on a full disk${support.ok ? '' : ` (skipped: ${support.skip})`}`, () => {
  let small: SmallDisk;
  beforeAll(() => {
    const mounted = mountSmallDisk('2m');
    if ('skip' in mounted) throw new Error(mounted.skip);
    small = mounted;
  });
  afterAll(() => small?.unmount());

  it('says the disk is full in one line, keeps runs and show working, and runs again once there is room', () => {
    const cwd = small.dir;
    mkdirSync(join(cwd, 'data'));
    copyFileSync(join(REPO, 'examples', 'data', 'penguins.csv'), join(cwd, 'data', 'penguins.csv'));
    copyFileSync(join(REPO, 'examples', 'penguins.pipeline.json'), join(cwd, 'penguins.pipeline.json'));
    // Without a budget, as when another program fills the disk: the run itself must cope.
    const env = { TENSORLOOM_DISK_BUDGET: 'off' };
    const args = ['run', 'penguins.pipeline.json', '--set', 'train.epochs=10'];
    // Room to create the store (its five migrations and their WAL need more than 200 KB) and start the run, not to finish it.
    const filler = small.fill(400 * 1024);

    const failed = tensorloom(args, { cwd, env });
    const output = failed.stdout + failed.stderr;
    expect(failed.status, output).toBe(1);
    expect(output).toMatch(/the disk holding the workspace is full: [^\n]+; free space and run again/);
    expect(output).not.toMatch(/\n\s+at |internal error|SqliteError|ENOSPC|SQLITE_/);

    // Read-only commands work on the full disk.
    const listed = tensorloom(['runs', '--json'], { cwd });
    expect(listed.status, listed.stderr).toBe(0);
    const [run] = JSON.parse(listed.stdout) as RunSummaryJson[];
    expect(['failed', 'interrupted']).toContain(run!.status);
    expect(tensorloom(['runs'], { cwd })).toMatchObject({ status: 0, stdout: expect.stringContaining(run!.id) });
    const shown = tensorloom(['show', run!.id], { cwd });
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`run ${run!.id}`);

    rmSync(filler);
    const again = tensorloom([...args, '--json'], { cwd, env });
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { status: string }).status).toBe('succeeded');
    const after = JSON.parse(tensorloom(['runs', '--json'], { cwd }).stdout) as RunSummaryJson[];
    expect(['failed', 'interrupted']).toContain(after.find((entry) => entry.id === run!.id)!.status);

    const db = new Database(join(cwd, '.tensorloom', 'tensorloom.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});
