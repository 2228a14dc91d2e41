import { openBrowser } from '../open-browser.js';
import { bold, dim, yellow } from '../output.js';
import { startUiServer } from '../ui-server.js';

export interface UiOptions {
  workspace: string;
  port?: number;
  open: boolean;
}

/**
 * `tensorloom ui`: serves the visual builder on 127.0.0.1 until Ctrl-C or SIGTERM, which
 * cancel active runs and close the store. Exit 0 after a clean stop.
 */
export async function uiCommand(options: UiOptions): Promise<number> {
  const { server, note } = await startUiServer({ workspace: options.workspace, ...(options.port === undefined ? {} : { port: options.port }) });
  const err = process.stderr;
  if (note) err.write(yellow(`tensorloom: ${note}`, err) + '\n');
  // stdout carries only the URL line, so scripts (and tests) can read it.
  process.stdout.write(`Tensorloom UI: ${server.launchUrl}\n`);
  err.write(dim(`workspace ${server.workspaceRoot} · the link holds a secret for this launch only · Ctrl-C to stop`, err) + '\n');
  if (options.open) {
    const note = (reason: string) => err.write(dim(`could not open a browser (${reason}); open the link above yourself`, err) + '\n');
    const failed = await openBrowser(server.launchUrl, note);
    if (failed) note(failed);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // A second signal while closing: stop waiting for runs to wind down.
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  err.write(`\n${bold(`tensorloom: ${signal === 'SIGINT' ? 'stopping' : 'stopping (SIGTERM)'}…`, err)}\n`);
  try {
    await server.close();
  } finally {
    process.off('SIGINT', force);
    process.off('SIGTERM', force);
  }
  return 0;
}
