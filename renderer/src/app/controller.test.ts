/**
 * The controller against a fake API client and real stores: what it sends the server, and
 * what the user sees (document, dialogs, toasts) for each answer. The fake records calls and
 * answers from a script; the stores, actions, layout (real ELK) and session memory are real.
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { PipelineDoc, RunRecord, RunSummary } from '../api/protocol';
import { createCatalogStore } from '../stores/catalog-store';
import { createDocumentStore } from '../stores/document-store';
import { createRunStore } from '../stores/run-store';
import { createUiStore } from '../stores/ui-store';
import { testCatalog } from '../test-support/catalog';
import { createController, type ControllerApi } from './controller';
import { sessionMemory } from './session';

type Call = { method: string; args: unknown[] };

/** Answers what each test scripts; anything unscripted fails loudly. */
function fakeApi(script: Partial<Record<keyof ControllerApi, (...args: never[]) => unknown>>) {
  const calls: Call[] = [];
  const api = new Proxy({} as ControllerApi, {
    get(_target, method: string) {
      return (...args: unknown[]) => {
        calls.push({ method, args });
        const answer = (script as Record<string, ((...a: unknown[]) => unknown) | undefined>)[method];
        if (!answer) return Promise.reject(new Error(`the fake API has no answer for ${method}`));
        return Promise.resolve(answer(...args));
      };
    },
  });
  return { api, calls, called: (method: string) => calls.filter((call) => call.method === method).map((call) => call.args) };
}

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  };
}

function harness(script: Parameters<typeof fakeApi>[0], extra: { workspacePathOf?: (file: File) => Promise<string | null> } = {}) {
  const fake = fakeApi({ validate: () => ({ ok: true, issues: [] }), ...script });
  const catalog = createCatalogStore();
  catalog.getState().setEntries(Object.values(testCatalog));
  const doc = createDocumentStore({ env: () => ({ catalog: catalog.getState().byType, sizes: {} }) });
  const run = createRunStore();
  const ui = createUiStore();
  const controller = createController({
    api: fake.api,
    doc,
    run,
    ui,
    catalog,
    session: sessionMemory(memoryStorage()),
    loadElk: async () => new ELK(),
    measuredSizes: () => ({}),
    freeSpot: () => ({ x: 100, y: 100 }),
    ...extra,
  });
  /** Answers the open confirm dialog. */
  const answerConfirm = async (ok: boolean) => {
    await expect.poll(() => ui.getState().dialog?.kind).toBe('confirm');
    const dialog = ui.getState().dialog;
    if (dialog?.kind === 'confirm') dialog.resolve(ok);
  };
  const toasts = () => ui.getState().toasts.map((toast) => `${toast.kind}: ${toast.message}`);
  return { ...fake, controller, doc, run, ui, answerConfirm, toasts };
}

const key = (key: string, modifiers: { ctrl?: boolean; shift?: boolean } = {}) => ({ key, ctrlKey: !!modifiers.ctrl, metaKey: false, shiftKey: !!modifiers.shift, altKey: false });

const record = (runId: string, status = 'succeeded'): RunRecord => ({ runId, status, nodes: {}, metrics: {}, series: {}, outputs: {} });

describe('controller', () => {
  it('saving an untitled pipeline asks for a file; the first save names it after the file and links the runs made before', async () => {
    const h = harness({
      startRun: () => ({ runId: 'r-before-save' }),
      run: () => record('r-before-save'),
      savePipeline: (path: string) => ({ path, issues: [] }),
    });
    h.controller.perform({ kind: 'add', type: 'data.csv' });
    expect(await h.controller.save()).toBe(false);
    expect(h.ui.getState().dialog).toEqual({ kind: 'save' });

    await h.controller.startRun();
    expect(await h.controller.saveAs('pipes/wine.pipeline.json')).toBe(true);
    const [path, document, runs] = h.called('savePipeline')[0]!;
    expect(path).toBe('pipes/wine.pipeline.json');
    expect((document as PipelineDoc).name).toBe('wine');
    expect(runs).toEqual(['r-before-save']);
    expect(h.doc.getState().path).toBe('pipes/wine.pipeline.json');
    expect(h.toasts()).toContain('success: Saved pipes/wine.pipeline.json');
  });

  it('a run the server refuses marks the problems on the nodes and says how many', async () => {
    const issue = { nodeId: 'csv', field: 'path', code: 'missing-param', message: 'csv: path is required', severity: 'error' as const, text: 'csv.path: required' };
    const h = harness({ startRun: () => Promise.reject(new ApiError('invalid pipeline', 400, [issue])) });
    h.controller.perform({ kind: 'add', type: 'data.csv' });
    await h.controller.startRun();
    expect(h.ui.getState().issues).toEqual([issue]);
    expect(h.toasts()).toContain('error: Cannot run: 1 problem in the pipeline (marked on the nodes).');
    expect(h.run.getState().runId).toBeNull();
  });

  it('opening a file lays out nodes without positions and shows the latest run of that file', async () => {
    const document: PipelineDoc = {
      format: 'tensorloom/pipeline@1',
      name: 'hand-written',
      nodes: [
        { id: 'csv', type: 'data.csv', params: { path: 'a.csv' } },
        { id: 'split', type: 'data.split', params: {} },
      ],
      edges: [{ from: 'csv.table', to: 'split.table' }],
    };
    const h = harness({
      readPipeline: () => ({ path: 'hand.pipeline.json', document, issues: [] }),
      runs: (): RunSummary[] => [{ runId: 'r-latest', status: 'succeeded' } as RunSummary],
      run: () => record('r-latest'),
    });
    expect(await h.controller.openPipeline('hand.pipeline.json')).toBe(true);
    const nodes = h.doc.getState().content.nodes;
    expect(nodes.every((node) => node.position !== undefined)).toBe(true);
    expect(nodes.find((node) => node.id === 'csv')!.position!.x).toBeLessThan(nodes.find((node) => node.id === 'split')!.position!.x);
    expect(h.called('runs')).toEqual([[{ path: 'hand.pipeline.json', limit: 1 }]]);
    expect(h.run.getState().runId).toBe('r-latest');
  });

  it('command palette intents add, wire, refuse a wrong wire, and run up to a node', async () => {
    const h = harness({ startRun: () => ({ runId: 'r1' }), run: () => record('r1') });
    h.controller.perform({ kind: 'add', type: 'data.csv' });
    h.controller.perform({ kind: 'add', type: 'data.split' });
    expect(h.doc.getState().selection.nodes).toEqual(['split']);
    h.controller.perform({ kind: 'connect', from: { node: 'csv', port: 'table' }, to: { node: 'split', port: 'table' } });
    expect(h.doc.getState().content.edges).toEqual([{ from: 'csv.table', to: 'split.table' }]);
    h.controller.perform({ kind: 'connect', from: { node: 'csv', port: 'table' }, to: { node: 'split', port: 'table' } });
    expect(h.toasts().at(-1)).toMatch(/^error: split\.table is already fed by csv\.table/);
    h.controller.perform({ kind: 'run-to-here', nodeId: 'csv' });
    await expect.poll(() => h.called('startRun').length).toBe(1);
    expect(h.called('startRun')[0]![0]).toMatchObject({ until: 'csv' });
  });

  it('shortcuts: Ctrl+K opens the commands, Ctrl+Enter runs, Ctrl+S saves, arrows move the selection', async () => {
    const h = harness({ startRun: () => ({ runId: 'r2' }), run: () => record('r2') });
    h.controller.perform({ kind: 'add', type: 'data.csv' });
    const before = h.doc.getState().content.nodes[0]!.position!;
    expect(h.controller.handleKey(key('ArrowDown', { shift: true }))).toBe(true);
    expect(h.doc.getState().content.nodes[0]!.position).toEqual({ x: before.x, y: before.y + 50 });
    expect(h.controller.handleKey(key('k', { ctrl: true }))).toBe(true);
    expect(h.ui.getState().dialog).toEqual({ kind: 'commands' });
    h.ui.getState().setDialog(null);
    expect(h.controller.handleKey(key('s', { ctrl: true }))).toBe(true);
    expect(h.ui.getState().dialog).toEqual({ kind: 'save' });
    expect(h.controller.handleKey(key('Enter', { ctrl: true }))).toBe(true);
    await expect.poll(() => h.called('startRun').length).toBe(1);
    expect(h.controller.handleKey(key('x'))).toBe(false);
  });

  it('files from the desktop: unreadable ones are named, outside ones are copied in once agreed, inside ones are used as they are', async () => {
    const h = harness(
      { copyFileIn: (path: string) => ({ path, size: 8, reused: false }), savePipeline: (path: string) => ({ path, issues: [] }) },
      { workspacePathOf: async (file) => (file.name === 'inside.parquet' ? 'data/inside.parquet' : null) },
    );
    await h.controller.saveAs('pipes/p.pipeline.json');
    const files = [new File(['x'], 'notes.docx'), new File(['a,b\n1,2\n'], 'wine.csv'), new File(['PAR1'], 'inside.parquet')];
    const adding = h.controller.addFiles(files, { x: 0, y: 0 });
    await h.answerConfirm(true);
    await adding;
    expect(h.toasts()).toContain('error: notes.docx: Tensorloom reads CSV, JSON, JSON Lines, Parquet or SQLite files; this is none of these');
    expect(h.called('copyFileIn').map(([path]) => path)).toEqual(['data/wine.csv']);
    const nodes = h.doc.getState().content.nodes.map((node) => ({ type: node.type, path: node.params?.path }));
    expect(nodes).toEqual([
      { type: 'data.parquet', path: '../data/inside.parquet' },
      { type: 'data.csv', path: '../data/wine.csv' },
    ]);
  });

  it('a declined copy adds nothing and copies nothing', async () => {
    const h = harness({});
    const adding = h.controller.addFiles([new File(['a'], 'wine.csv')], { x: 0, y: 0 });
    await h.answerConfirm(false);
    await adding;
    expect(h.calls.filter((call) => call.method === 'copyFileIn')).toEqual([]);
    expect(h.doc.getState().content.nodes).toEqual([]);
  });
});
