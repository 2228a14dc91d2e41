import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { copyExamples, REPO, startTensorloom, tensorloom } from './test-support/run-cli.js';

const PLUGIN = join(REPO, 'cli', 'test-support', 'slow-plugin.ts');

function slowPipeline(dir: string): string {
  const path = join(dir, 'slow.pipeline.json');
  writeFileSync(
    path,
    JSON.stringify({
      format: 'tensorloom/pipeline@1',
      name: 'slow',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        { id: 'nap', type: 'test.sleep', params: { ms: 60_000 } },
        { id: 'after', type: 'test.add' },
      ],
      edges: [{ from: 'nap.out', to: 'after.a' }],
    }),
  );
  return path;
}

/** Resolves once the child's stderr shows that `nodeId` is running (its log line 'start'). */
function waitForRunning(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`node never started; stderr: ${seen}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (/running: .*nap|✓ load/.test(seen)) {
        clearTimeout(timer);
        // give 'nap' a moment to be scheduled after 'load'
        setTimeout(() => resolve(seen), 300);
      }
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>((resolve) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });

describe('signals', () => {
  it('Ctrl-C cancels the run cleanly: exit 130, the run recorded as cancelled', async () => {
    const dir = copyExamples();
    const child = startTensorloom(['run', slowPipeline(dir)], { cwd: dir, env: { TENSORLOOM_PLUGINS: PLUGIN } });
    const done = exited(child);
    await waitForRunning(child);
    const sentAt = Date.now();
    child.kill('SIGINT');
    const { code, stdout } = await done;
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(code).toBe(130);
    expect(stdout).toMatch(/run \S+ cancelled/);
    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { status: string; nodeCounts: Record<string, number> }[];
    expect(runs[0]).toMatchObject({ status: 'cancelled' });
    expect(runs[0]!.nodeCounts).toMatchObject({ succeeded: 1, cancelled: 2 });
  });

  it('a process killed mid-run leaves a consistent database and the run shows as interrupted', async () => {
    const dir = copyExamples();
    const path = slowPipeline(dir);
    const child = startTensorloom(['run', path], { cwd: dir, env: { TENSORLOOM_PLUGINS: PLUGIN } });
    const done = exited(child);
    await waitForRunning(child);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');

    const db = new Database(join(dir, '.tensorloom', 'tensorloom.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { id: string; status: string }[];
    expect(runs[0]!.status).toBe('interrupted');
    const shown = JSON.parse(tensorloom(['show', runs[0]!.id, '--json'], { cwd: dir }).stdout) as { nodes: Record<string, { status: string }> };
    expect(shown.nodes.load!.status).toBe('succeeded');
    expect(shown.nodes.nap!.status).toBe('interrupted');
    // The workspace keeps working: what finished before the kill is reused.
    const rerun = tensorloom(['run', path, '--json', '--until', 'load'], { cwd: dir, env: { TENSORLOOM_PLUGINS: PLUGIN } });
    expect(JSON.parse(rerun.stdout).nodes.load).toMatchObject({ status: 'cached' });
  });
});
