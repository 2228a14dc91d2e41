import { DiskBudgetError, resolveDiskBudget } from '../../core/engine/index.js';
import { openBrowser } from '../open-browser.js';
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { bold, dim, UsageError, yellow } from '../output.js';
import { startUiServer } from '../ui-server.js';
import { untilStopSignal, whileStopping } from '../stop-signal.js';

export interface UiOptions {
  workspace: string;
  port?: number;
  open: boolean;
  /** A pipeline file in the workspace to open first (relative to it, or to this folder). */
  pipeline?: string;
}

/**
 * `tensorloom ui`: serves the visual builder on 127.0.0.1 until Ctrl-C or SIGTERM, which
 * cancel active runs and close the store. Exit 0 after a clean stop.
 */
export async function uiCommand(options: UiOptions): Promise<number> {
  try {
    resolveDiskBudget(undefined); // a bad TENSORLOOM_DISK_BUDGET: one line now, not an error at the first run
  } catch (error) {
    if (error instanceof DiskBudgetError) throw new UsageError(error.message);
    throw error;
  }
  const { server, note } = await startUiServer({ workspace: options.workspace, ...(options.port === undefined ? {} : { port: options.port }) });
  const err = process.stderr;
  let url = server.launchUrl;
  if (options.pipeline !== undefined) {
    const inWorkspace = pipelineInWorkspace(options.pipeline, server.workspaceRoot);
    if (inWorkspace === null) {
      await server.close();
      throw new UsageError(`${options.pipeline}: no such pipeline file in the workspace ${server.workspaceRoot}`);
    }
    url += `&pipeline=${encodeURIComponent(inWorkspace)}`;
  }
  // Listen for Ctrl-C / SIGTERM before the link is out: whoever reads it may stop us at once.
  const stopped = untilStopSignal();
  if (note) err.write(yellow(`tensorloom: ${note}`, err) + '\n');
  // stdout carries only the URL line, so scripts (and tests) can read it.
  process.stdout.write(`Tensorloom UI: ${url}\n`);
  err.write(dim(`workspace ${server.workspaceRoot} · the link holds a secret for this launch only · Ctrl-C to stop`, err) + '\n');
  if (options.open) {
    const note = (reason: string) => err.write(dim(`could not open a browser (${reason}); open the link above yourself`, err) + '\n');
    const failed = await openBrowser(url, note);
    if (failed) note(failed);
  }

  const signal = await stopped;
  // A second signal while closing: stop waiting for runs to wind down.
  err.write(`\n${bold(`tensorloom: ${signal === 'SIGINT' ? 'stopping' : 'stopping (SIGTERM)'}…`, err)}\n`);
  await whileStopping(() => server.close());
  return 0;
}

/** The pipeline's path relative to the workspace ('/'-separated), or null when it is not a file there. */
function pipelineInWorkspace(path: string, root: string): string | null {
  const candidates = isAbsolute(path) ? [path] : [resolve(root, path), resolve(path)];
  for (const candidate of candidates) {
    const inside = relative(root, candidate);
    if (inside.startsWith('..') || isAbsolute(inside) || !existsSync(candidate)) continue;
    return inside.split(sep).join('/');
  }
  return null;
}
