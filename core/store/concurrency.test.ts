import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const writer = fileURLToPath(new URL('./test-fixtures/concurrent-writer.ts', import.meta.url));
const RUNS_EACH = 20;

function runWriter(dotDir: string, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dotDir, name, String(RUNS_EACH)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} failed (code ${code}):\n${stderr}`))));
  });
}

describe('concurrency', () => {
  it('two processes writing one new workspace at once (while a third reads) corrupt nothing', { timeout: 60_000 }, async () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    // Both start on a folder that does not exist yet, so they also race to create and migrate it.
    const writers = Promise.all([runWriter(dotDir, 'alpha'), runWriter(dotDir, 'beta')]);
    let reads = 0;
    let done = false;
    void writers.finally(() => (done = true)).catch(() => {});
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const reader = WorkspaceStore.open(dotDir);
      for (const run of reader.listRuns()) reader.getRun(run.id);
      reader.close();
      reads += 1;
    }
    await writers;
    expect(reads).toBeGreaterThan(0);

    const store = WorkspaceStore.open(dotDir);
    const db = new Database(store.dbPath, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const runs = store.listRuns();
      expect(runs).toHaveLength(2 * RUNS_EACH);
      expect(new Set(runs.map((run) => run.id)).size).toBe(2 * RUNS_EACH);
      for (const summary of runs) {
        expect(summary.status).toBe('succeeded');
        expect(summary.nodeCounts.succeeded).toBe(3);
        const run = store.getRun(summary.id)!;
        expect(run.series.n0!.loss).toHaveLength(40);
        expect(run.series.n2!.acc).toHaveLength(40);
        expect(run.logs).toHaveLength(3);
      }
      for (let r = 0; r < RUNS_EACH; r += 1) {
        for (let n = 0; n < 3; n += 1) {
          const hit = store.lookupCache(`shared-key-${r}-${n}`);
          expect(hit).toBeDefined();
          expect(await store.artifacts.verify(hit!.shared!.hash)).toBe(true);
        }
      }
      expect(db.prepare(`SELECT count(*) FROM cache`).pluck().get()).toBe(3 * RUNS_EACH);
    } finally {
      db.close();
      store.close();
    }
  });
});
