/**
 * The document store: the pipeline being edited, its selection and its undo history.
 * Separate from the run store, so engine events never touch what gets saved. Every change
 * goes through `dispatch(action, payload)`; one user action is one undo step.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Action, ActionEnv, ActionResult } from '../model/actions';
import { EMPTY_SELECTION, emptyContent, type DocContent, type Selection } from '../model/document';

/** Typing into one field within this window is one undo step. */
export const COALESCE_MS = 1500;
export const HISTORY_LIMIT = 200;

export interface DocumentState {
  content: DocContent;
  /** Workspace-relative path of the file, or null for a new pipeline. */
  path: string | null;
  selection: Selection;
  past: DocContent[];
  future: DocContent[];
  /** The content as last saved or opened: the document is dirty when it is another object. */
  saved: DocContent;
  /** The content when a drag began; the drag enters history once, when it ends. */
  gesture: DocContent | null;
  lastCoalesce: { key: string; at: number } | null;
  /** Counts loads, so views can tell "another document" from "an edit" (fit view on open). */
  generation: number;

  dispatch<P>(action: Action<P>, payload: P): ActionResult | null;
  undo(): boolean;
  redo(): boolean;
  beginGesture(): void;
  endGesture(): void;
  load(content: DocContent, path: string | null, options?: { dirty?: boolean; saved?: DocContent }): void;
  markSaved(path: string, content?: DocContent): void;
}

export type DocumentStore = StoreApi<DocumentState>;

export interface DocumentStoreOptions {
  env: () => ActionEnv;
  now?: () => number;
}

export function isDirty(state: Pick<DocumentState, 'content' | 'saved'>): boolean {
  return state.content !== state.saved;
}

export function createDocumentStore(options: DocumentStoreOptions): DocumentStore {
  const now = options.now ?? (() => Date.now());
  return createStore<DocumentState>()((set, get) => {
    const initial = emptyContent();
    return {
      content: initial,
      path: null,
      selection: EMPTY_SELECTION,
      past: [],
      future: [],
      saved: initial,
      gesture: null,
      lastCoalesce: null,
      generation: 0,

      dispatch(action, payload) {
        const state = get();
        const result = action.perform({ content: state.content, selection: state.selection }, payload, options.env());
        if (!result) return null;
        const patch: Partial<DocumentState> = {};
        if (result.selection) patch.selection = result.selection;
        if (result.content && result.content !== state.content) {
          patch.content = result.content;
          const mode = result.history;
          if (state.gesture) {
            // Inside a drag everything joins the gesture's single step.
          } else if (mode.kind === 'record') {
            Object.assign(patch, pushPast(state, state.content), { lastCoalesce: null });
          } else if (mode.kind === 'coalesce') {
            const at = now();
            const joins = state.lastCoalesce?.key === mode.key && at - state.lastCoalesce.at < COALESCE_MS && state.future.length === 0;
            if (!joins) Object.assign(patch, pushPast(state, state.content));
            patch.lastCoalesce = { key: mode.key, at };
          }
        }
        if (Object.keys(patch).length > 0) set(patch);
        return result;
      },

      undo() {
        const state = get();
        const previous = state.past[state.past.length - 1];
        if (!previous || state.gesture) return false;
        set({
          content: previous,
          past: state.past.slice(0, -1),
          future: [state.content, ...state.future],
          selection: keepExisting(state.selection, previous),
          lastCoalesce: null,
        });
        return true;
      },

      redo() {
        const state = get();
        const next = state.future[0];
        if (!next || state.gesture) return false;
        set({
          content: next,
          past: [...state.past, state.content],
          future: state.future.slice(1),
          selection: keepExisting(state.selection, next),
          lastCoalesce: null,
        });
        return true;
      },

      beginGesture() {
        const state = get();
        if (!state.gesture) set({ gesture: state.content });
      },

      endGesture() {
        const state = get();
        if (!state.gesture) return;
        if (state.gesture === state.content) {
          set({ gesture: null });
          return;
        }
        set({ ...pushPast(state, state.gesture), gesture: null, lastCoalesce: null });
      },

      load(content, path, loadOptions = {}) {
        set({
          content,
          path,
          selection: EMPTY_SELECTION,
          past: [],
          future: [],
          saved: loadOptions.dirty ? (loadOptions.saved ?? emptyContent(content.name)) : content,
          gesture: null,
          lastCoalesce: null,
          generation: get().generation + 1,
        });
      },

      markSaved(path, content) {
        // Saving what was sent: edits made while the request was in flight stay dirty.
        set({ path, saved: content ?? get().content });
      },
    };
  });
}

function pushPast(state: DocumentState, entry: DocContent): Pick<DocumentState, 'past' | 'future'> {
  const past = [...state.past, entry];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, future: [] };
}

function keepExisting(selection: Selection, content: DocContent): Selection {
  const ids = new Set(content.nodes.map((node) => node.id));
  const nodes = selection.nodes.filter((id) => ids.has(id));
  return nodes.length === selection.nodes.length && selection.edges.length === 0 ? selection : { nodes, edges: [] };
}
