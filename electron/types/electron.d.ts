/**
 * The few Electron APIs the shell uses, typed here so the shell type-checks where the
 * `electron` package is not installed (its binary download fails on many machines and in CI).
 * electron/tsconfig.json maps the module name `electron` to this file; at run time Electron
 * provides the real module. Signatures are a compatible subset of Electron's own.
 */

export interface Event {
  preventDefault(): void;
}

export interface WebFrameMain {
  readonly url: string;
}

export interface WebContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: Event, url: string) => void): this;
  on(event: 'will-attach-webview', listener: (event: Event) => void): this;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface IpcMainInvokeEvent {
  readonly senderFrame: WebFrameMain | null;
  readonly sender: WebContents;
}

export interface WebPreferences {
  preload?: string;
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  nodeIntegrationInSubFrames?: boolean;
  webSecurity?: boolean;
  allowRunningInsecureContent?: boolean;
  webviewTag?: boolean;
  spellcheck?: boolean;
}

export interface BrowserWindowConstructorOptions {
  width?: number;
  height?: number;
  minWidth?: number;
  minHeight?: number;
  show?: boolean;
  title?: string;
  backgroundColor?: string;
  webPreferences?: WebPreferences;
}

export declare class BrowserWindow {
  constructor(options?: BrowserWindowConstructorOptions);
  readonly webContents: WebContents;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): this;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  static getAllWindows(): BrowserWindow[];
}

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface OpenDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
  properties?: ('openFile' | 'openDirectory' | 'multiSelections' | 'showHiddenFiles')[];
}

export interface SaveDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
}

export interface MessageBoxOptions {
  type?: 'none' | 'info' | 'error' | 'question' | 'warning';
  message: string;
  detail?: string;
  buttons?: string[];
  defaultId?: number;
  cancelId?: number;
}

export interface App {
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): this;
  on(event: 'will-quit', listener: (event: Event) => void): this;
  on(event: 'web-contents-created', listener: (event: Event, contents: WebContents) => void): this;
  getAppPath(): string;
  readonly isPackaged: boolean;
}

export interface Session {
  setPermissionRequestHandler(handler: ((webContents: WebContents, permission: string, callback: (granted: boolean) => void) => void) | null): void;
  setPermissionCheckHandler(handler: ((webContents: WebContents | null, permission: string) => boolean) | null): void;
}

export declare const app: App;
export declare const session: { readonly defaultSession: Session };
export declare const dialog: {
  showOpenDialog(window: BrowserWindow, options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(window: BrowserWindow, options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  showMessageBox(window: BrowserWindow, options: MessageBoxOptions): Promise<{ response: number }>;
  showErrorBox(title: string, content: string): void;
};
export declare const ipcMain: {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
};
export declare const shell: {
  openExternal(url: string): Promise<void>;
  showItemInFolder(fullPath: string): void;
};
export declare const contextBridge: {
  exposeInMainWorld(apiKey: string, api: Record<string, unknown>): void;
};
export declare const ipcRenderer: {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
};
/** Preload only: the file-system path of a File the page holds (a drop from the desktop); '' when it has none. */
export declare const webUtils: {
  getPathForFile(file: File): string;
};
