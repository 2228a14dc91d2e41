import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const writer = fileURLToPath(new URL('./test-fixtures/crash-writer.ts', import.meta.url));

/** Starts the writer, lets it get going, then kills it with SIGKILL at a random moment. */
function runAndKill(dotDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dotDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) setTimeout(() => child.kill('SIGKILL'), Math.random() * 150);
    });
    child.on('exit', (code, signal) => {
      const runId = /^run (\S+)$/m.exec(stdout)?.[1];
      if (signal === 'SIGKILL' && runId !== undefined) resolve(runId);
      else reject(new Error(`the writer ended on its own (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

/** Every path under artifacts/sha256 as a hash. */
function storedHashes(dotDir: string): string[] {
  const cas = join(dotDir, 'artifacts', 'sha256');
  return readdirSync(cas).flatMap((shard) => readdirSync(join(cas, shard)).map((rest) => `sha256:${shard}${rest}`));
}

describe('crash safety', () => {
  it('a writer killed with SIGKILL mid-run leaves a consistent store', { timeout: 60_000 }, async () => {
    const dotDir = join(dirs.make(), '.tensorloom');
    for (let round = 0; round < 3; round += 1) {
      const runId = await runAndKill(dotDir);

      const store = WorkspaceStore.open(dotDir);
      const db = new Database(store.dbPath, { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('foreign_key_check')).toEqual([]);

        const run = store.getRun(runId)!;
        expect(run.status).toBe('interrupted');
        expect(Object.values(run.nodes).filter((node) => node.status === 'running' || node.status === 'queued')).toEqual([]);
        expect(Object.keys(run.nodes).length).toBeGreaterThan(10);

        // Every artifact the database names is in place and whole.
        const named = db
          .prepare(`SELECT hash FROM artifacts UNION SELECT value ->> '$.hash' FROM cache, json_each(cache.outputs_json)`)
          .pluck()
          .all() as string[];
        for (const hash of named) expect(store.artifacts.has(hash), `${hash} is missing`).toBe(true);
        const keys = db.prepare('SELECT cache_key FROM cache').pluck().all() as string[];
        for (const key of keys) expect(store.lookupCache(key), `cache entry ${key}`).toBeDefined();

        // Nothing half-written was published: each stored file or folder matches its name.
        for (const hash of storedHashes(dotDir)) expect(await store.artifacts.verify(hash), `${hash} content`).toBe(true);

        expect(store.artifacts.cleanTemp()).toBeGreaterThanOrEqual(1);
        expect(readdirSync(join(dotDir, 'tmp'))).toEqual([]);
      } finally {
        db.close();
        store.close();
      }
    }
  });
});
