/**
 * The desktop shell's preload bridge (core/server/API.md, "Desktop bridge"): native file
 * dialogs that answer workspace paths. Absent in a browser, so every use checks for it.
 */
export interface DesktopBridge {
  openPipelineDialog(): Promise<string | null>;
  savePipelineDialog(suggestedName: string): Promise<string | null>;
  revealInFolder(path: string): Promise<boolean>;
  /** A dropped file's workspace path, or null when outside the workspace. */
  workspacePathOf?(file: File): Promise<string | null>;
  /** The native open dialog for a data file; a file from elsewhere is copied in once the user agrees. */
  openDataFileDialog?(extensions: string[]): Promise<string | null>;
}

export function desktopBridge(): DesktopBridge | undefined {
  const candidate = (window as unknown as { tensorloom?: Partial<DesktopBridge> }).tensorloom;
  return candidate && typeof candidate.openPipelineDialog === 'function' && typeof candidate.savePipelineDialog === 'function'
    ? (candidate as DesktopBridge)
    : undefined;
}
