/** `tensorloom ui` as a real child process: the printed link, the token, a clean stop on SIGTERM. */
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { copyExamples, startTensorloom, tensorloom } from './test-support/run-cli.js';

/** Resolves with the URL line once the child prints it. */
function printedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no URL printed; stdout: ${out} stderr: ${err}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^Tensorloom UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing a URL; stderr: ${err}`)));
  });
}

describe('tensorloom ui', () => {
  it('serves on a free port with --port 0, needs the token, and stops cleanly on SIGTERM', async () => {
    const dir = copyExamples();
    const child = startTensorloom(['ui', '--no-open', '--port', '0', '--workspace', dir]);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    try {
      const launch = new URL(await printedUrl(child));
      const token = launch.searchParams.get('token')!;
      const health = `${launch.origin}/api/health`;
      const without = await fetch(health);
      expect(without.status).toBe(401);
      expect(await without.json()).toEqual({ error: expect.any(String) });
      const withToken = await fetch(health, { headers: { authorization: `Bearer ${token}` } });
      expect(withToken.status).toBe(200);
      expect(await withToken.json()).toMatchObject({ ok: true, workspace: expect.stringContaining('tensorloom-cli-') });
      const pipelines = (await (await fetch(`${launch.origin}/api/pipelines`, { headers: { authorization: `Bearer ${token}` } })).json()) as { path: string }[];
      expect(pipelines.map((entry) => entry.path)).toContain('penguins.pipeline.json');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('opens a named pipeline first: the link carries it, and a missing one is exit 2', async () => {
    const dir = copyExamples();
    const child = startTensorloom(['ui', 'penguins.pipeline.json', '--no-open', '--port', '0', '--workspace', dir]);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await expect.poll(() => out, { timeout: 30_000 }).toMatch(/&pipeline=penguins\.pipeline\.json$/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const missing = tensorloom(['ui', 'nope.pipeline.json', '--no-open', '--port', '0', '--workspace', dir]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.pipeline\.json: no such pipeline file in the workspace/);
  });

  it('rejects a bad --port and unknown arguments with exit 2', () => {
    expect(tensorloom(['ui', '--port', 'abc', '--no-open']).status).toBe(2);
    expect(tensorloom(['ui', '--port', '70000', '--no-open']).stderr).toMatch(/--port must be a whole number from 0 to 65535/);
    expect(tensorloom(['ui', 'extra', '--no-open']).status).toBe(2);
    expect(tensorloom(['ui', '--json']).stderr).toMatch(/has no --json option/);
  });
});
