/**
 * The app's commands: each one talks to the API and updates the stores. Components call
 * these and read stores; they never fetch on their own.
 */
import type { ELK } from 'elkjs/lib/elk-api';
import { ApiError, type ApiClient } from '../api/client';
import { EventSocket } from '../api/events';
import type { EngineEvent, PipelineDoc } from '../api/protocol';
import {
  addNode,
  connect,
  copySelection,
  deleteSelection,
  isCopy,
  isRedo,
  isUndo,
  nudgeSelection,
  paste,
  PASTE_OFFSET,
  primary,
  selectAll,
  setSelection,
  setPipelineName,
  arrangeNodes,
  type ClipboardData,
  type KeyStroke,
} from '../model/actions';
import type { CommandIntent } from '../model/commands';
import { copyInPath, formatBytes, READABLE_KINDS, readerFor, relativeToPipeline } from '../model/data-files';
import { contentFromDoc, emptyContent, toPipelineDoc, EMPTY_SELECTION, type DocContent, type XY } from '../model/document';
import { layeredPositions, needsLayout, type Size } from '../model/layout';
import { catalogDefaults, nameAfterSave, outdatedNodes } from '../model/run-state';
import type { CatalogStore } from '../stores/catalog-store';
import { isDirty, type DocumentStore } from '../stores/document-store';
import { isRunActive, mergeRecord, type RunStore } from '../stores/run-store';
import type { UiStore } from '../stores/ui-store';
import type { SessionMemory } from './session';

/** What the controller asks of the server: the API client, or a fake in tests. */
export type ControllerApi = Pick<
  ApiClient,
  'nodes' | 'packs' | 'backend' | 'eventsUrl' | 'readPipeline' | 'savePipeline' | 'validate' | 'startRun' | 'cancelRun' | 'runs' | 'run' | 'copyFileIn'
>;

export interface ControllerDeps {
  api: ControllerApi;
  doc: DocumentStore;
  run: RunStore;
  ui: UiStore;
  catalog: CatalogStore;
  session: SessionMemory;
  loadElk: () => Promise<ELK>;
  /** Node sizes as measured on the canvas, for layout. */
  measuredSizes: () => Readonly<Record<string, Size>>;
  /** The canvas's size on screen, so layouts wrap to stay readable there (undefined: not shown). */
  canvasSize?: () => Size | undefined;
  /** The workspace path of a dropped file, when the desktop shell can tell and it is inside the workspace; null otherwise. */
  workspacePathOf?: (file: File) => Promise<string | null>;
  /** Where a node added without a pointer goes (the canvas's centre); the placement rules keep it clear of others. */
  freeSpot?: () => XY;
  /** A pipeline to open at start (`?pipeline=` in the URL), before any draft. */
  initialPath?: string | null;
}

const VALIDATE_DELAY_MS = 350;
const DRAFT_DELAY_MS = 300;
const RECORD_DELAY_MS = 250;

export type Controller = ReturnType<typeof createController>;

export function createController(deps: ControllerDeps) {
  const { api, doc, run, ui, catalog, session } = deps;
  let clipboard: ClipboardData | null = null;
  let pasteCount = 0;
  let validateTimer: ReturnType<typeof setTimeout> | null = null;
  let validateAbort: AbortController | null = null;
  let draftTimer: ReturnType<typeof setTimeout> | null = null;
  let recordTimer: ReturnType<typeof setTimeout> | null = null;
  let socket: EventSocket | null = null;
  let runsVersion = 0;
  const runsListeners = new Set<() => void>();
  /** Runs made while the document has no file: its first save makes them the file's runs. */
  let unsavedRuns: string[] = [];
  let defaults = { byType: catalog.getState().byType, of: catalogDefaults(catalog.getState().byType) };

  const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
  const fail = (what: string) => (error: unknown) => ui.getState().toast('error', `${what}: ${errorText(error)}`);

  function currentDocument(): PipelineDoc {
    return toPipelineDoc(doc.getState().content);
  }

  // --- validation, drafts -----------------------------------------------------------------

  function scheduleValidate() {
    if (validateTimer) clearTimeout(validateTimer);
    validateTimer = setTimeout(validateNow, VALIDATE_DELAY_MS);
  }

  async function validateNow() {
    validateAbort?.abort();
    const controller = new AbortController();
    validateAbort = controller;
    const content = doc.getState().content;
    if (content.nodes.length === 0) {
      ui.getState().setIssues([]);
      return;
    }
    try {
      const answer = await api.validate(toPipelineDoc(content), doc.getState().path, controller.signal);
      if (!controller.signal.aborted && doc.getState().content === content) ui.getState().setIssues(answer.issues ?? []);
    } catch (error) {
      if ((error as Error).name !== 'AbortError') console.warn('validate failed', error);
    }
  }

  function scheduleDraft() {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = setTimeout(flushDraft, DRAFT_DELAY_MS);
  }

  /** Writes the draft now (also called when the page goes away, so the last keystroke is kept). */
  function flushDraft() {
    if (draftTimer) clearTimeout(draftTimer);
    draftTimer = null;
    const state = doc.getState();
    const dirty = isDirty(state);
    session.writeDraft({
      path: state.path,
      document: toPipelineDoc(state.content),
      dirty,
      ...(dirty ? { saved: toPipelineDoc(state.saved) } : {}),
      ...(unsavedRuns.length > 0 ? { unsavedRuns } : {}),
    });
  }

  /** Marks the nodes whose shown result no longer matches the document (see model/run-state). */
  function refreshOutdated() {
    const byType = catalog.getState().byType;
    if (defaults.byType !== byType) defaults = { byType, of: catalogDefaults(byType) };
    const runState = run.getState();
    ui.getState().setOutdated(outdatedNodes(doc.getState().content, runState.ranWith, runState.nodes, defaults.of));
  }

  // --- events -------------------------------------------------------------------------------

  function onEvent(event: EngineEvent) {
    run.getState().applyEvent(event);
    const state = run.getState();
    if (state.runId !== event.runId || state.source !== 'live') return;
    if (event.type === 'node.state' && (event.status === 'succeeded' || event.status === 'cached')) scheduleRecordMerge();
    if (event.type === 'run.finished') runFinished(event.status);
  }

  function runFinished(status: string) {
    scheduleRecordMerge();
    notifyRuns();
    // The engine picks its TensorFlow.js backend on first use: the badge may have news.
    refreshBackend();
    if (status === 'failed') ui.getState().toast('error', 'The run failed; the red node says why.');
    else if (status === 'cancelled') ui.getState().toast('info', 'Run cancelled.');
  }

  function scheduleRecordMerge() {
    if (recordTimer) clearTimeout(recordTimer);
    recordTimer = setTimeout(() => {
      const runId = run.getState().runId;
      if (!runId) return;
      api
        .run(runId)
        .then((record) => {
          const state = run.getState();
          if (state.runId === record.runId) run.setState(mergeRecord(state, record));
        })
        .catch(() => undefined);
    }, RECORD_DELAY_MS);
  }

  async function resyncLiveRun() {
    const state = run.getState();
    if (!state.runId || state.source !== 'live' || !isRunActive(state.phase)) return;
    try {
      const record = await api.run(state.runId);
      run.getState().loadRecord(record, 'live');
    } catch {
      // The next event or reconnect tries again.
    }
  }

  function notifyRuns() {
    runsVersion++;
    for (const listener of runsListeners) listener();
  }

  function refreshBackend() {
    api
      .backend()
      .then((backend) => ui.setState({ backend }))
      .catch(() => ui.getState().backend ?? ui.setState({ backend: { backend: 'unknown', hint: 'The server did not say which TensorFlow.js backend it uses.' } }));
  }

  // --- guards ---------------------------------------------------------------------------------

  function confirm(title: string, message: string, confirmLabel: string): Promise<boolean> {
    return new Promise((resolve) => {
      ui.getState().setDialog({
        kind: 'confirm',
        title,
        message,
        confirmLabel,
        resolve: (ok) => {
          ui.getState().setDialog(null);
          resolve(ok);
        },
      });
    });
  }

  async function confirmDiscard(): Promise<boolean> {
    if (!isDirty(doc.getState())) return true;
    return confirm('Discard unsaved changes?', `“${doc.getState().content.name}” has changes that are not saved.`, 'Discard changes');
  }

  // --- documents --------------------------------------------------------------------------------

  async function laidOut(content: DocContent): Promise<DocContent> {
    if (!needsLayout(content)) return content;
    try {
      const positions = await layeredPositions(await deps.loadElk(), content, catalog.getState().byType, deps.measuredSizes(), deps.canvasSize?.());
      return { ...content, nodes: content.nodes.map((node) => (node.position ? node : { ...node, position: positions[node.id] ?? { x: 0, y: 0 } })) };
    } catch {
      return content;
    }
  }

  async function newPipeline() {
    if (!(await confirmDiscard())) return;
    doc.getState().load(emptyContent(), null);
    unsavedRuns = [];
    run.getState().clear();
    ui.getState().setIssues([]);
    session.writeRunId(null);
  }

  async function openPipeline(path: string, options: { skipConfirm?: boolean } = {}) {
    if (!options.skipConfirm && !(await confirmDiscard())) return false;
    try {
      const file = await api.readPipeline(path);
      const content = await laidOut(contentFromDoc(file.document, path.split('/').pop()?.replace(/\.pipeline\.json$/, '')));
      // Nodes saved by an older version of their type arrive migrated: unsaved until the user saves.
      const migrated = file.migrated ?? [];
      doc.getState().load(content, file.path ?? path, migrated.length > 0 ? { dirty: true } : {});
      unsavedRuns = [];
      ui.getState().setIssues(file.issues ?? []);
      if (migrated.length > 0) {
        const list = migrated.map((note) => `${note.nodeId} (${note.type} ${note.from} → ${note.to})`).join(', ');
        ui.getState().toast('info', `Updated ${migrated.length === 1 ? '1 node' : `${migrated.length} nodes`} saved by an older version: ${list}. Save to keep the change.`);
      }
      ui.getState().setDialog(null);
      ui.getState().requestFit();
      run.getState().clear();
      session.writeRunId(null);
      await showLatestRun(file.path ?? path);
      return true;
    } catch (error) {
      fail(`Cannot open ${path}`)(error);
      return false;
    }
  }

  async function showLatestRun(path: string) {
    try {
      const [latest] = await api.runs({ path, limit: 1 });
      if (latest) await showRun(latest.runId);
    } catch {
      // No runs yet, or the list is unavailable: the canvas simply shows no states.
    }
  }

  async function save(): Promise<boolean> {
    const path = doc.getState().path;
    if (!path) {
      ui.getState().setDialog({ kind: 'save' });
      return false;
    }
    return saveAs(path);
  }

  async function saveAs(path: string): Promise<boolean> {
    const previousPath = doc.getState().path;
    // The name follows the file (a chosen name stays): later runs are recorded under it.
    const name = nameAfterSave(doc.getState().content.name, previousPath, path);
    if (name !== doc.getState().content.name) doc.getState().dispatch(setPipelineName, { name });
    const content = doc.getState().content;
    const linking = previousPath === null ? unsavedRuns : [];
    try {
      const answer = await api.savePipeline(path, toPipelineDoc(content), linking);
      if (linking.length > 0) unsavedRuns = unsavedRuns.filter((runId) => !linking.includes(runId));
      doc.getState().markSaved(answer.path ?? path, content);
      ui.getState().setDialog(null);
      const problems = (answer.issues ?? []).filter((issue) => issue.severity !== 'warning').length;
      ui.getState().toast(problems ? 'info' : 'success', problems ? `Saved ${answer.path ?? path} (with ${problems} problem${problems === 1 ? '' : 's'} to fix)` : `Saved ${answer.path ?? path}`);
      notifyRuns();
      return true;
    } catch (error) {
      fail('Save failed')(error);
      return false;
    }
  }

  // --- runs ------------------------------------------------------------------------------------

  async function startRun(until?: string) {
    if (isRunActive(run.getState().phase) && run.getState().source === 'live') return;
    const path = doc.getState().path;
    const document = currentDocument();
    run.getState().expect(document);
    try {
      const { runId } = await api.startRun({ document, ...(path ? { path } : {}), ...(until ? { until } : {}) });
      run.getState().follow(runId);
      session.writeRunId(runId);
      if (!path && doc.getState().path === null) {
        unsavedRuns = [...unsavedRuns, runId];
        scheduleDraft();
      }
      // A short run can be over before its id came back: its events were replayed just now.
      const phase = run.getState().phase;
      if (phase === 'succeeded' || phase === 'failed' || phase === 'cancelled') runFinished(phase);
      else {
        scheduleRecordMerge();
        notifyRuns();
      }
    } catch (error) {
      run.getState().clear();
      if (error instanceof ApiError && error.issues.length > 0) {
        ui.getState().setIssues(error.issues);
        const count = error.issues.filter((issue) => issue.severity !== 'warning').length;
        ui.getState().toast('error', `Cannot run: ${count} problem${count === 1 ? '' : 's'} in the pipeline (marked on the nodes).`);
      } else {
        fail('Cannot start the run')(error);
      }
    }
  }

  async function cancelRun() {
    const { runId, phase } = run.getState();
    if (!runId || !isRunActive(phase)) return;
    run.getState().setPhase('cancelling');
    try {
      await api.cancelRun(runId);
    } catch (error) {
      fail('Cancel failed')(error);
    }
  }

  async function showRun(runId: string) {
    try {
      const record = await api.run(runId);
      const active = record.status === 'running' || record.status === 'queued';
      run.getState().loadRecord(record, active ? 'live' : 'history');
      session.writeRunId(runId);
    } catch (error) {
      fail('Cannot load the run')(error);
    }
  }

  // --- canvas commands --------------------------------------------------------------------------

  async function autoLayout() {
    const content = doc.getState().content;
    if (content.nodes.length === 0) return;
    try {
      const positions = await layeredPositions(await deps.loadElk(), content, catalog.getState().byType, deps.measuredSizes(), deps.canvasSize?.());
      doc.getState().dispatch(arrangeNodes, { positions });
      ui.getState().requestFit();
    } catch (error) {
      fail('Layout failed')(error);
    }
  }

  function copy() {
    const data = copySelection(doc.getState());
    if (data) {
      clipboard = data;
      pasteCount = 0;
    }
    return data !== null;
  }

  function pasteClipboard() {
    if (!clipboard) return false;
    pasteCount++;
    const offset = PASTE_OFFSET * pasteCount;
    return doc.getState().dispatch(paste, { data: clipboard, offset: { x: offset, y: offset } }) !== null;
  }

  /** Global shortcuts; returns true when the key was ours. */
  /**
   * Files dropped from the desktop become data nodes. Pipelines read only inside the
   * workspace, so a file from elsewhere is copied in (data/<name>) once the user agrees; the
   * desktop shell says when a file is in the workspace already.
   */
  async function addFiles(files: readonly File[], at: XY): Promise<void> {
    const readable = files.filter((file) => readerFor(file.name) !== undefined);
    for (const file of files) {
      if (!readable.includes(file)) ui.getState().toast('error', `${file.name}: Tensorloom reads ${READABLE_KINDS} files; this is none of these`);
    }
    if (readable.length === 0) return;
    const placed: { type: string; path: string }[] = [];
    const outside: File[] = [];
    for (const file of readable) {
      const inside = (await deps.workspacePathOf?.(file)) ?? null;
      if (inside !== null) placed.push({ type: readerFor(file.name)!, path: inside });
      else outside.push(file);
    }
    if (outside.length > 0) {
      const names = outside.map((file) => `${file.name} (${formatBytes(file.size)})`).join(', ');
      const what = outside.length === 1 ? `it to ${copyInPath(outside[0]!.name)}` : 'them to the data/ folder';
      const ok = await confirm('Copy into the workspace?', `${names}: pipelines only read files inside the workspace. Copy ${what}?`, outside.length === 1 ? 'Copy in' : `Copy ${outside.length} files in`);
      if (ok) {
        for (const file of outside) {
          try {
            const answer = await api.copyFileIn(copyInPath(file.name), file);
            placed.push({ type: readerFor(file.name)!, path: answer.path });
            ui.getState().toast('success', answer.reused ? `${file.name} is in the workspace already as ${answer.path}` : `Copied ${file.name} to ${answer.path}`);
          } catch (error) {
            fail(`Cannot copy ${file.name}`)(error);
          }
        }
      }
    }
    placed.forEach(({ type, path }, index) => {
      doc.getState().dispatch(addNode, { type, position: { x: at.x + index * 40, y: at.y + index * 40 }, params: { path: relativeToPipeline(doc.getState().path, path) } });
    });
  }

  /** Carries out what the command palette chose. Adding a node from it selects the node, like a drop. */
  function perform(intent: CommandIntent): void {
    const state = doc.getState();
    switch (intent.kind) {
      case 'add': {
        const position = deps.freeSpot?.() ?? { x: 0, y: 0 };
        state.dispatch(addNode, { type: intent.type, position });
        return;
      }
      case 'connect': {
        const result = state.dispatch(connect, { from: intent.from, to: intent.to });
        if (result?.refused) ui.getState().toast('error', result.refused);
        return;
      }
      case 'select':
        state.dispatch(setSelection, { nodes: [intent.nodeId], edges: [] });
        return;
      case 'run':
        return void startRun();
      case 'run-to-here':
        return void startRun(intent.nodeId);
      case 'save':
        return void save();
      case 'save-as':
        return ui.getState().setDialog({ kind: 'save' });
      case 'open':
        return ui.getState().setDialog({ kind: 'open' });
      case 'new':
        return void newPipeline();
      case 'layout':
        return void autoLayout();
      case 'fit':
        return ui.getState().requestFit();
    }
  }

  function handleKey(stroke: KeyStroke): boolean {
    const state = doc.getState();
    if (primary(stroke) && stroke.key.toLowerCase() === 'k') return ui.getState().setDialog({ kind: 'commands' }), true;
    if (primary(stroke) && stroke.key === 'Enter') return void startRun(), true;
    if (isUndo(stroke)) return state.undo(), true;
    if (isRedo(stroke)) return state.redo(), true;
    if (isCopy(stroke)) return copy();
    if (paste.keyTest?.(stroke)) return pasteClipboard();
    if (deleteSelection.keyTest?.(stroke)) return state.dispatch(deleteSelection, undefined) !== null;
    if (selectAll.keyTest?.(stroke)) return state.dispatch(selectAll, undefined), true;
    if (nudgeSelection.keyTest?.(stroke)) return state.dispatch(nudgeSelection, { key: stroke.key, shiftKey: stroke.shiftKey }) !== null;
    if (primary(stroke) && stroke.key.toLowerCase() === 's') return void save(), true;
    if (stroke.key === 'Escape') return state.dispatch(setSelection, EMPTY_SELECTION), true;
    return false;
  }

  // --- start ------------------------------------------------------------------------------------

  async function start() {
    doc.subscribe((state, previous) => {
      if (state.content !== previous.content) refreshOutdated();
      if (state.content !== previous.content) scheduleValidate();
      if (state.content !== previous.content || state.path !== previous.path || state.saved !== previous.saved) scheduleDraft();
    });

    run.subscribe((state, previous) => {
      if (state.ranWith !== previous.ranWith || state.nodes !== previous.nodes) refreshOutdated();
    });
    catalog.subscribe((state, previous) => {
      if (state.byType !== previous.byType) refreshOutdated();
    });

    const catalogLoad = api
      .nodes()
      .then((entries) => catalog.getState().setEntries(entries))
      .catch((error) => catalog.getState().setError(errorText(error)));
    // A node pack that did not load leaves the rest working: say which one and why.
    void api
      .packs()
      .then((packs) => {
        for (const pack of packs) if (pack.error !== undefined) ui.getState().toast('error', `Node pack '${pack.name}' did not load: ${pack.error}`);
      })
      .catch(() => undefined);
    refreshBackend();

    socket = new EventSocket({
      url: () => api.eventsUrl(),
      onEvent,
      onStatus: (status, reconnected) => {
        ui.setState({ socket: status });
        if (status === 'open' && reconnected) void resyncLiveRun();
      },
    });
    socket.start();

    await catalogLoad;
    const draft = session.readDraft();
    if (deps.initialPath) {
      await openPipeline(deps.initialPath, { skipConfirm: true });
    } else if (draft) {
      const content = contentFromDoc(draft.document);
      const saved = draft.saved ? contentFromDoc(draft.saved) : undefined;
      doc.getState().load(content, draft.path, { dirty: draft.dirty, ...(saved ? { saved } : {}) });
      unsavedRuns = draft.path === null ? (draft.unsavedRuns ?? []) : [];
      ui.getState().requestFit();
      const runId = session.readRunId();
      if (runId) await showRun(runId);
    }
    scheduleValidate();
  }

  return {
    start,
    flushDraft,
    newPipeline,
    openPipeline,
    save,
    saveAs,
    startRun,
    cancelRun,
    showRun,
    autoLayout,
    copy,
    paste: pasteClipboard,
    handleKey,
    perform,
    addFiles,
    confirmDiscard,
    validateNow,
    runsVersion: () => runsVersion,
    onRunsChanged(listener: () => void) {
      runsListeners.add(listener);
      return () => {
        runsListeners.delete(listener);
      };
    },
  };
}
