import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExamples, REPO, startTensorloom, tensorloom } from './test-support/run-cli.js';

const PLUGIN = join(REPO, 'cli', 'test-support', 'slow-plugin.ts');
const env = { TENSORLOOM_PLUGINS: PLUGIN };

function smallPipeline(dir: string): string {
  const path = join(dir, 'watched.pipeline.json');
  writeFileSync(path, JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'watched', nodes: [{ id: 'one', type: 'test.source', params: { value: 1 } }], edges: [] }));
  return path;
}

/** Collects the child's stdout; `waitFor` resolves once it matches (generous timeout). */
function output(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (pattern.test(stdout)) {
          clearInterval(timer);
          resolve();
        } else if (Date.now() - started > 60_000) {
          clearInterval(timer);
          reject(new Error(`no ${pattern} in stdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      }, 100);
    });
  return { waitFor, exited, text: () => stdout };
}

describe('tensorloom watch', () => {
  it('--on-files: a dropped file starts a run recorded with trigger files; SIGTERM stops it with exit 0', async () => {
    const dir = copyExamples();
    mkdirSync(join(dir, 'incoming'));
    const child = startTensorloom(['watch', smallPipeline(dir), '--on-files', 'incoming'], { cwd: dir, env });
    const out = output(child);
    await out.waitFor(/watching .*new files in incoming/);
    writeFileSync(join(dir, 'incoming', 'batch-1.csv'), 'a,b\n1,2\n');
    await out.waitFor(/run \S+ succeeded \(trigger files\)/);
    expect(out.text()).toMatch(/files: new file incoming\/batch-1\.csv → starting a run/);
    child.kill('SIGTERM');
    expect(await out.exited).toBe(0);
    expect(out.text()).toMatch(/stopped/);

    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { status: string; trigger: string }[];
    expect(runs.map((run) => [run.trigger, run.status])).toEqual([['files', 'succeeded']]);
  }, 120_000);

  it('SIGTERM during a run cancels it: exit 0, the run recorded as cancelled, none left running', async () => {
    const dir = copyExamples();
    mkdirSync(join(dir, 'incoming'));
    const path = join(dir, 'slow.pipeline.json');
    writeFileSync(path, JSON.stringify({ format: 'tensorloom/pipeline@1', name: 'slow', nodes: [{ id: 'nap', type: 'test.sleep', params: { ms: 60_000 } }], edges: [] }));
    const child = startTensorloom(['watch', path, '--on-files', 'incoming', '--schedule', '0 0 1 1 *'], { cwd: dir, env });
    const out = output(child);
    await out.waitFor(/watching .*schedule '0 0 1 1 \*' \(UTC; next \d{4}-01-01T00:00:00.000Z\)/);
    writeFileSync(join(dir, 'incoming', 'batch-1.csv'), 'a\n1\n');
    await out.waitFor(/files: new file incoming\/batch-1\.csv → starting a run/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill('SIGTERM');
    expect(await out.exited).toBe(0);
    expect(out.text()).toMatch(/run \S+ cancelled \(trigger files\)/);
    const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { status: string; trigger: string }[];
    expect(runs.map((run) => [run.trigger, run.status])).toEqual([['files', 'cancelled']]);
  }, 120_000);

  it('names a cron mistake at its field, and needs a trigger and a folder inside the workspace', () => {
    const dir = copyExamples();
    const path = smallPipeline(dir);
    const bad = tensorloom(['watch', path, '--schedule', '0 25 * * *'], { cwd: dir, env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--schedule: field 2 (hour) '25' is out of range 0-23");
    const none = tensorloom(['watch', path], { cwd: dir, env });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('needs a trigger');
    const outside = tensorloom(['watch', path, '--on-files', '/tmp'], { cwd: dir, env });
    expect(outside.status).toBe(2);
    expect(outside.stderr).toContain('must be inside the workspace');
  }, 120_000);
});
