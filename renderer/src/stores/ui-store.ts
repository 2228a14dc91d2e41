/** View state that is neither document nor run: toasts, dialogs, validation results, connection. */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiIssue, BackendInfo } from '../api/protocol';
import type { SocketStatus } from '../api/events';
import { indexIssues, type IssueIndex } from '../model/issues';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  message: string;
}

export type Dialog =
  | { kind: 'open' }
  | { kind: 'save' }
  | { kind: 'commands' }
  | { kind: 'files'; extensions: readonly string[]; onPick: (workspacePath: string) => void }
  | { kind: 'confirm'; title: string; message: string; confirmLabel: string; resolve: (ok: boolean) => void };

/** The page the window shows: the builder, the runs table, a comparison of runs, the model registry, served models' monitoring, or the feature store's views. */
export type View = { kind: 'builder' } | { kind: 'runs' } | { kind: 'compare'; runIds: readonly string[] } | { kind: 'models'; name?: string } | { kind: 'monitoring'; name?: string; range?: '1h' | '24h' | '7d' } | { kind: 'features'; name?: string };

export interface UiState {
  view: View;
  toasts: Toast[];
  dialog: Dialog | null;
  issues: ApiIssue[];
  issueIndex: IssueIndex;
  backend: BackendInfo | null;
  socket: SocketStatus;
  /** Bumped to ask the canvas to fit the view (it owns the React Flow instance). */
  fitRequest: number;
  /** Nodes whose shown result is out of date: changed, or downstream of a change, since the run shown. */
  outdated: Readonly<Record<string, true>>;
  toast(kind: Toast['kind'], message: string): void;
  dismissToast(id: number): void;
  setIssues(issues: ApiIssue[]): void;
  setDialog(dialog: Dialog | null): void;
  requestFit(): void;
  setOutdated(nodeIds: readonly string[]): void;
  setView(view: View): void;
}

export type UiStore = StoreApi<UiState>;

const TOAST_MS = 5000;

export function createUiStore(): UiStore {
  let nextToast = 1;
  return createStore<UiState>()((set, get) => ({
    view: { kind: 'builder' },
    toasts: [],
    dialog: null,
    issues: [],
    issueIndex: indexIssues([]),
    backend: null,
    socket: 'connecting',
    fitRequest: 0,
    outdated: {},
    toast(kind, message) {
      const id = nextToast++;
      // The same message twice in a row shows once.
      const toasts = get().toasts.filter((toast) => toast.message !== message);
      set({ toasts: [...toasts.slice(-3), { id, kind, message }] });
      setTimeout(() => get().dismissToast(id), kind === 'error' ? TOAST_MS * 2 : TOAST_MS);
    },
    dismissToast(id) {
      set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
    },
    setIssues(issues) {
      set({ issues, issueIndex: indexIssues(issues) });
    },
    setDialog(dialog) {
      set({ dialog });
    },
    requestFit() {
      set({ fitRequest: get().fitRequest + 1 });
    },
    setOutdated(nodeIds) {
      const current = get().outdated;
      const same = nodeIds.length === Object.keys(current).length && nodeIds.every((id) => current[id]);
      if (!same) set({ outdated: Object.fromEntries(nodeIds.map((id) => [id, true as const])) });
    },
    setView(view) {
      set({ view });
    },
  }));
}
