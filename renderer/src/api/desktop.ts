/**
 * The desktop shell's preload bridge (core/server/API.md, "Desktop bridge"): native file
 * dialogs that answer workspace paths. Absent in a browser, so every use checks for it.
 */
export interface DesktopBridge {
  openPipelineDialog(): Promise<string | null>;
  savePipelineDialog(suggestedName: string): Promise<string | null>;
  revealInFolder(path: string): Promise<boolean>;
}

export function desktopBridge(): DesktopBridge | undefined {
  const candidate = (window as unknown as { tensorloom?: Partial<DesktopBridge> }).tensorloom;
  return candidate && typeof candidate.openPipelineDialog === 'function' && typeof candidate.savePipelineDialog === 'function'
    ? (candidate as DesktopBridge)
    : undefined;
}
