/**
 * The bridge between the sandboxed page and the main process: one function per native need,
 * as `window.tensorloom` (absent in a plain browser, so the UI checks for it). Never exposes
 * ipcRenderer itself. CommonJS (.cts → .cjs) because sandboxed preloads cannot be ES modules.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS by necessity (see above)
import electron = require('electron');

const { contextBridge, ipcRenderer, webUtils } = electron;

contextBridge.exposeInMainWorld('tensorloom', {
  /** A workspace path ('/'-separated) for GET /api/pipelines/file, or null when cancelled. */
  openPipelineDialog: (): Promise<string | null> => ipcRenderer.invoke('tensorloom:open-pipeline-dialog') as Promise<string | null>,
  /** A workspace path ending in .pipeline.json for PUT /api/pipelines/file, or null when cancelled. */
  savePipelineDialog: (suggestedName: string): Promise<string | null> =>
    ipcRenderer.invoke('tensorloom:save-pipeline-dialog', String(suggestedName)) as Promise<string | null>,
  /** A dropped file's workspace path, or null when it is outside the workspace (the page then offers to copy it in). */
  workspacePathOf: (file: File): Promise<string | null> =>
    ipcRenderer.invoke('tensorloom:workspace-path', webUtils.getPathForFile(file)) as Promise<string | null>,
  /** The native open dialog for a data file: its workspace path (a file from elsewhere is copied in once the user agrees), or null. */
  openDataFileDialog: (extensions: string[]): Promise<string | null> =>
    ipcRenderer.invoke('tensorloom:open-data-file-dialog', Array.isArray(extensions) ? extensions.map(String) : []) as Promise<string | null>,
  /** Shows a workspace file in the system's file manager. */
  revealInFolder: (path: string): Promise<boolean> => ipcRenderer.invoke('tensorloom:reveal-in-folder', String(path)) as Promise<boolean>,
});
