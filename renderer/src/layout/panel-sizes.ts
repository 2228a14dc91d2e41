/**
 * The sizes of the resizable panels, remembered across launches in the browser's storage.
 * Pure apart from the Storage it is given, so tests pass their own.
 */
export type PanelName = 'sidebar' | 'inspector' | 'outputs' | 'palette';

export interface PanelLimits {
  /** Pixels, before clamping to the window. */
  readonly initial: (window: { width: number; height: number }) => number;
  readonly min: number;
  /** The largest share of the window's width (sidebar, inspector) or height (outputs, palette). */
  readonly maxShare: number;
}

export const PANEL_LIMITS: Readonly<Record<PanelName, PanelLimits>> = {
  sidebar: { initial: () => 248, min: 180, maxShare: 0.35 },
  inspector: { initial: () => 320, min: 240, maxShare: 0.4 },
  // Tall enough for a confusion matrix and a curve without scrolling on a 900 px window.
  outputs: { initial: (w) => Math.max(240, Math.round(w.height * 0.45)), min: 120, maxShare: 0.66 },
  // The palette's share of the sidebar's height; the runs list gets the rest.
  palette: { initial: (w) => Math.round((w.height - 48) * 0.62), min: 160, maxShare: 0.85 },
};

const STORAGE_KEY = 'tensorloom.panels';

export function clampPanel(name: PanelName, size: number, window: { width: number; height: number }): number {
  const limits = PANEL_LIMITS[name];
  const extent = name === 'outputs' || name === 'palette' ? window.height : window.width;
  return Math.round(Math.max(limits.min, Math.min(extent * limits.maxShare, size)));
}

export function loadPanelSizes(storage: Pick<Storage, 'getItem'>): Partial<Record<PanelName, number>> {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(STORAGE_KEY) ?? '{}');
    if (typeof parsed !== 'object' || parsed === null) return {};
    const sizes: Partial<Record<PanelName, number>> = {};
    for (const name of Object.keys(PANEL_LIMITS) as PanelName[]) {
      const value = (parsed as Record<string, unknown>)[name];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) sizes[name] = value;
    }
    return sizes;
  } catch {
    return {}; // unreadable or blocked storage: start from the defaults
  }
}

export function savePanelSizes(storage: Pick<Storage, 'setItem'>, sizes: Partial<Record<PanelName, number>>): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(sizes));
  } catch {
    // Storage full or blocked: sizes are a convenience, the session goes on without them.
  }
}

const GROUPS_KEY = 'tensorloom.palette.collapsed';

/** The palette groups the user folded, by group key. */
export function loadCollapsedGroups(storage: Pick<Storage, 'getItem'>): ReadonlySet<string> {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(GROUPS_KEY) ?? '[]');
    return new Set(Array.isArray(parsed) ? parsed.filter((key): key is string => typeof key === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveCollapsedGroups(storage: Pick<Storage, 'setItem'>, keys: ReadonlySet<string>): void {
  try {
    storage.setItem(GROUPS_KEY, JSON.stringify([...keys].sort()));
  } catch {
    // as above
  }
}
