import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(REPO, 'cli', 'entry.ts');
// tsx's loader by absolute URL: `--import tsx` would resolve against the child's cwd. Its ES
// module hooks only (tsx/esm): the sources, packs and test plugins are all ES modules, and leaving
// out the CommonJS hooks saves about 0.15 s of CPU per start (the engine's worker threads load tsx the same way).
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;

/**
 * How to start the CLI: compiled (cli/test-support/compiled-cli.ts, built once per test run by
 * the global setup), or from the sources through tsx when there is no build (outside vitest,
 * TENSORLOOM_TEST_CLI=sources) or when TENSORLOOM_PLUGINS names a TypeScript file, which only
 * tsx can load.
 */
function nodeArgs(args: string[], env: Record<string, string> | undefined): string[] {
  const compiled = process.env.TENSORLOOM_TEST_CLI_ENTRY;
  const plugins = env?.TENSORLOOM_PLUGINS ?? process.env.TENSORLOOM_PLUGINS ?? '';
  const typescriptPlugin = plugins.split(/[:;]/).some((path) => /\.[cm]?ts$/.test(path));
  return compiled && !typescriptPlugin ? [compiled, ...args] : ['--import', TSX, ENTRY, ...args];
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tensorloom …` in a real child process (this run's build of the sources, or tsx: see nodeArgs). */
export function tensorloom(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, nodeArgs(args, options.env), {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `tensorloom …` without waiting, for signal tests. */
export function startTensorloom(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawn(process.execPath, nodeArgs(args, options.env), {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A temp copy of examples/ so tests never write into the repo. */
export function copyExamples(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-cli-'));
  cpSync(join(REPO, 'examples'), dir, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
  return dir;
}

/** Starts `tensorloom serve … --port 0` and resolves once it prints its URL; rejects if it exits first. */
export function startModelServer(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ child: ReturnType<typeof startTensorloom>; url: string; stderr: () => string }> {
  const child = startTensorloom(['serve', ...args, '--port', '0'], options);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const found = /Model server: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (found) resolve({ child, url: found[1]!, stderr: () => stderr });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}
