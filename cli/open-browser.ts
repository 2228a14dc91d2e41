import { spawn } from 'node:child_process';

/**
 * Opens `url` in the default browser without waiting for the browser. Resolves to undefined
 * when the opener started, or to the reason it could not (no desktop, no xdg-open); an opener
 * that starts and then fails reports through `onLateFailure`. Either way the caller has
 * printed the URL, so this is only ever a note.
 */
export function openBrowser(url: string, onLateFailure: (reason: string) => void = () => {}): Promise<string | undefined> {
  const windows = process.platform === 'win32';
  // cmd's `start` takes the first quoted word as a window title, hence the empty one.
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : windows ? ['cmd', ['/c', 'start', '""', `"${url}"`]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsHide: true, windowsVerbatimArguments: windows });
    child.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT' ? `${command} is not installed` : `${command}: ${error.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
    child.once('exit', (code) => {
      if (code !== null && code !== 0) onLateFailure(`${command} exited with code ${code}`);
    });
  });
}
