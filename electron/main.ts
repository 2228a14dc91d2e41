/**
 * The desktop shell's main process. Thin on purpose: it starts the same local server as
 * `tensorloom ui` (in this process, on a free 127.0.0.1 port, with a fresh token), opens one
 * locked-down window on it, and answers the three native requests of the preload.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron';
import type { TensorloomServer } from '../core/server/index.js';
import { defaultWorkspace, seedWorkspace, startUiServer } from '../cli/ui-server.js';
import { copyWithFreeName, isExternalWebLink, originOf, suggestedPipelineName, trustedSender, workspaceFile, workspacePathOf } from './guards.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));

let server: TensorloomServer | undefined;
let window: BrowserWindow | undefined;

if (!app.requestSingleInstanceLock()) {
  // One app per workspace: a second launch focuses the first window instead.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (window && !window.isDestroyed()) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  lockDown();
  void app.whenReady().then(start);
}

/**
 * `npm start` in a checkout runs the server in plain Node (its native modules are built for
 * Node, not Electron) and hands the launch link over in TENSORLOOM_SERVER; a packaged app,
 * whose modules electron-builder rebuilt, starts the server in this process.
 */
function externalServer(): { launchUrl: string; url: string; workspaceRoot: string } | undefined {
  const link = process.env.TENSORLOOM_SERVER;
  if (!link) return undefined;
  const parsed = new URL(link);
  if (parsed.protocol !== 'http:' || parsed.hostname !== '127.0.0.1') throw new Error(`TENSORLOOM_SERVER must be a http://127.0.0.1 link (got ${parsed.origin})`);
  return { launchUrl: link, url: parsed.origin, workspaceRoot: defaultWorkspace() };
}

async function start(): Promise<void> {
  const workspace = defaultWorkspace();
  let target: { launchUrl: string; url: string; workspaceRoot: string };
  try {
    const external = externalServer();
    if (external) target = external;
    else {
      seedWorkspace(workspace);
      ({ server } = await startUiServer({ workspace, port: 0 }));
      target = server;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The usual cause in a development checkout: native modules built for Node, not for Electron.
    const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
      ? '\n\nNative modules (better-sqlite3) were built for Node, not for Electron. Rebuild them for Electron with: npx @electron/rebuild'
      : '';
    dialog.showErrorBox('Tensorloom could not start', `${message}${hint}`);
    app.exit(1);
    return;
  }
  const origin = new URL(target.url).origin;
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  registerIpc(origin, target.workspaceRoot);

  window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Tensorloom',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    },
  });
  const shown = window;
  shown.once('ready-to-show', () => shown.show());
  // Only the server's own pages; links elsewhere open in the system browser.
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (originOf(url) === origin) return;
    event.preventDefault();
    openExternally(url);
  };
  shown.webContents.on('will-navigate', stayHome);
  shown.webContents.on('will-redirect', stayHome);
  // npm start names the example pipeline to open first (a workspace path).
  const first = process.env.TENSORLOOM_OPEN;
  await shown.loadURL(first ? `${target.launchUrl}&pipeline=${encodeURIComponent(first)}` : target.launchUrl);
}

/** Rules for every web contents the app ever creates: no <webview>, no new windows (https links go to the system browser). */
function lockDown(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: 'deny' };
    });
  });
  app.on('window-all-closed', () => app.quit());
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || !server) return;
    // Cancel runs and close the store before the process goes.
    event.preventDefault();
    void server.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

function openExternally(url: string): void {
  if (isExternalWebLink(url)) void shell.openExternal(url);
}

function registerIpc(origin: string, workspace: string): void {
  const handle = (channel: string, listener: (...args: unknown[]) => unknown) =>
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!trustedSender(event.senderFrame?.url, origin)) throw new Error(`refused IPC '${channel}' from ${event.senderFrame?.url ?? 'an unknown frame'}`);
      return listener(...args);
    });

  handle('tensorloom:open-pipeline-dialog', async () => {
    const answer = await dialog.showOpenDialog(window!, {
      title: 'Open pipeline',
      defaultPath: workspace,
      filters: [{ name: 'Pipelines', extensions: ['json'] }],
      properties: ['openFile'],
    });
    const file = answer.canceled ? undefined : answer.filePaths[0];
    return file === undefined ? null : await inWorkspace(workspace, file);
  });

  handle('tensorloom:save-pipeline-dialog', async (suggestedName) => {
    const answer = await dialog.showSaveDialog(window!, {
      title: 'Save pipeline',
      defaultPath: join(workspace, suggestedPipelineName(suggestedName)),
      filters: [{ name: 'Pipelines', extensions: ['json'] }],
    });
    if (answer.canceled || !answer.filePath) return null;
    return await inWorkspace(workspace, join(dirname(answer.filePath), suggestedPipelineName(answer.filePath.split(/[\\/]/).pop())));
  });

  handle('tensorloom:workspace-path', (absolute) => (typeof absolute === 'string' && absolute !== '' ? workspacePathOf(workspace, absolute) : null));

  handle('tensorloom:open-data-file-dialog', async (extensions) => {
    const wanted = Array.isArray(extensions) ? extensions.filter((item): item is string => typeof item === 'string').map((item) => item.replace(/^\./, '')) : [];
    const answer = await dialog.showOpenDialog(window!, {
      title: 'Choose a data file',
      defaultPath: workspace,
      filters: wanted.length > 0 ? [{ name: 'Data files', extensions: wanted }] : [],
      properties: ['openFile'],
    });
    const file = answer.canceled ? undefined : answer.filePaths[0];
    if (file === undefined) return null;
    return workspacePathOf(workspace, file) ?? (await copyIntoWorkspace(workspace, file));
  });

  handle('tensorloom:reveal-in-folder', (path) => {
    const file = workspaceFile(workspace, path);
    if (file === null) return false;
    shell.showItemInFolder(file);
    return true;
  });
}

/** Pipelines read only inside the workspace: a data file from elsewhere is copied to data/ (never over another file) once the user agrees. */
async function copyIntoWorkspace(workspace: string, file: string): Promise<string | null> {
  const choice = await dialog.showMessageBox(window!, {
    type: 'question',
    buttons: ['Copy in', 'Cancel'],
    defaultId: 0,
    cancelId: 1,
    message: 'Copy the file into the workspace?',
    detail: `${file} is outside the workspace ${workspace}, and pipelines only read files inside it. Tensorloom can copy it to the workspace's data folder.`,
  });
  if (choice.response !== 0) return null;
  const target = await copyWithFreeName(file, join(workspace, 'data'));
  return workspacePathOf(workspace, target);
}

/** The workspace path of a picked file, or null after telling the user why a file outside it cannot be used. */
async function inWorkspace(workspace: string, file: string): Promise<string | null> {
  const path = workspacePathOf(workspace, file);
  if (path !== null) return path;
  await dialog.showMessageBox(window!, {
    type: 'warning',
    message: 'Pipelines live inside the workspace',
    detail: `${file} is outside the workspace ${workspace}. Copy it into the workspace (with its data), or start Tensorloom with TENSORLOOM_WORKSPACE set to its folder.`,
  });
  return null;
}
