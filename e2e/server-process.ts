/** Spawns e2e/serve.ts (via tsx) and waits for its JSON line; shared by the e2e setup and bench/ui. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServerInfo {
  url: string;
  launchUrl: string;
  token: string;
  workspace: string;
}

export interface RunningServer {
  info: ServerInfo;
  child: ChildProcess;
  stop(): Promise<void>;
}

const repo = fileURLToPath(new URL('../', import.meta.url));

export async function startServerProcess(env: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunningServer> {
  const tsx = fileURLToPath(new URL('../node_modules/tsx/dist/cli.mjs', import.meta.url));
  const child = spawn(process.execPath, [tsx, 'e2e/serve.ts'], { cwd: repo, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (process.env.E2E_SERVER_LOG === '1') process.stderr.write(chunk);
  });
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the e2e server did not start within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as ServerInfo);
      } catch {
        reject(new Error(`unexpected output from the e2e server: ${line}\n${stderr}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the e2e server exited (${code}) before it started\n${stderr}`));
    });
  });
  return {
    info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
