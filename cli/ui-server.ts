/**
 * Starts the UI server for a workspace with the composition root's registry: shared by
 * `tensorloom ui`, `npm start` and the desktop shell (electron/main.ts).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type TensorloomServer } from '../core/server/index.js';
import { createRegistry } from './catalog.js';
import { UsageError } from './output.js';

/** The port `tensorloom ui` tries first, so a bookmark of the UI usually keeps working. */
export const DEFAULT_UI_PORT = 4317;

export interface UiServerOptions {
  workspace: string;
  /** A port to use (0: any free one). Left out: DEFAULT_UI_PORT, or a free port when it is taken. */
  port?: number;
  token?: string;
  log?: (message: string) => void;
}

export interface StartedUi {
  server: TensorloomServer;
  /** Set when the default port was taken and another one was picked. */
  note?: string;
}

export async function startUiServer(options: UiServerOptions): Promise<StartedUi> {
  const workspaceRoot = resolve(options.workspace);
  if (!existsSync(workspaceRoot)) mkdirSync(workspaceRoot, { recursive: true });
  else if (!statSync(workspaceRoot).isDirectory()) throw new UsageError(`--workspace ${options.workspace}: not a folder`);
  const registry = await createRegistry({ workspace: workspaceRoot });
  const start = (port: number) => createServer({ workspaceRoot, registry, port, ...(options.token ? { token: options.token } : {}), ...(options.log ? { log: options.log } : {}) });
  try {
    return { server: await start(options.port ?? DEFAULT_UI_PORT) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    if (options.port !== undefined) throw new UsageError(`--port ${options.port}: that port is in use; pick another, or --port 0 for any free one`);
    const server = await start(0);
    return { server, note: `port ${DEFAULT_UI_PORT} is in use; using ${server.port} instead` };
  }
}

/** The desktop app's workspace: TENSORLOOM_WORKSPACE, else ~/Tensorloom (what `npm start` seeds too). */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.TENSORLOOM_WORKSPACE ?? join(homedir(), 'Tensorloom'));
}

/**
 * Fills a missing or empty workspace with the bundled example pipelines and their data, so a
 * first start has something to open. Returns whether it did.
 */
export function seedWorkspace(workspace: string): boolean {
  if (existsSync(workspace) && readdirSync(workspace).length > 0) return false;
  // cli/ in the sources, dist/cli/ when compiled (and inside the desktop app).
  const examples = [new URL('../examples/', import.meta.url), new URL('../../examples/', import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, 'README.md')));
  if (examples === undefined) return false;
  mkdirSync(workspace, { recursive: true });
  cpSync(examples, workspace, { recursive: true, filter: (path) => !path.split(/[\\/]/).includes('.tensorloom') });
  return true;
}
