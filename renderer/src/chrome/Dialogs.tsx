import { useEffect, useRef, useState } from 'react';
import { useServices, useUi } from '../app/context';
import { desktopBridge } from '../api/desktop';
import type { ExampleItem, PipelineListItem } from '../api/protocol';
import { CommandPalette } from './CommandPalette';
import { FilesDialog } from './FilesDialog';
import { Modal } from './Modal';

export function Dialogs() {
  const { uiStore } = useServices();
  const dialog = useUi((state) => state.dialog);
  if (!dialog) return null;
  if (dialog.kind === 'open') return <OpenDialog />;
  if (dialog.kind === 'save') return <SaveDialog />;
  if (dialog.kind === 'commands') return <CommandPalette onClose={() => uiStore.getState().setDialog(null)} />;
  if (dialog.kind === 'files') return <FilesDialog extensions={dialog.extensions} onPick={dialog.onPick} />;
  return (
    <Modal title={dialog.title} onClose={() => dialog.resolve(false)} testId="confirm-dialog">
      <p>{dialog.message}</p>
      <div className="modal__actions">
        <button type="button" className="btn" onClick={() => dialog.resolve(false)} data-testid="confirm-cancel">
          Keep editing
        </button>
        <button type="button" className="btn btn--danger" onClick={() => dialog.resolve(true)} data-testid="confirm-ok" autoFocus>
          {dialog.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

function modifiedText(value: string | number): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

/** The workspace's pipelines and the examples gallery (GET /api/pipelines, GET /api/examples). */
function OpenDialog() {
  const { api, controller, uiStore } = useServices();
  const [pipelines, setPipelines] = useState<PipelineListItem[] | null>(null);
  const [examples, setExamples] = useState<ExampleItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.pipelines().then(setPipelines, (failure: Error) => setError(failure.message));
    api.examples().then(setExamples, () => setExamples([]));
  }, []);
  const close = () => uiStore.getState().setDialog(null);
  const open = (path: string) => void controller.openPipeline(path);
  const examplePaths = new Set((examples ?? []).map((example) => example.path));
  const own = (pipelines ?? []).filter((pipeline) => !examplePaths.has(pipeline.path));
  return (
    <Modal title="Open a pipeline" onClose={close} testId="open-dialog" wide>
      <div className="open-dialog">
        <div>
          <div className="panel-subtitle">In this workspace</div>
          {desktopBridge() && (
            <button
              type="button"
              className="btn btn--small open-dialog__browse"
              onClick={() => void desktopBridge()!.openPipelineDialog().then((path) => path && open(path))}
              data-testid="open-browse"
            >
              Browse files…
            </button>
          )}
          {error && <div className="error-text">{error}</div>}
          {pipelines === null && !error && <div className="muted">Loading…</div>}
          {pipelines !== null && own.length === 0 && <div className="muted">No pipelines saved yet.</div>}
          <ul className="file-list">
            {own.map((pipeline) => (
              <li key={pipeline.path}>
                <button type="button" className="file-list__item" onClick={() => open(pipeline.path)} data-testid={`open-pipeline-${pipeline.path}`}>
                  <b>{pipeline.name}</b>
                  <code className="muted">{pipeline.path}</code>
                  <span className="muted small">{modifiedText(pipeline.modified)}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <div className="panel-subtitle">Examples</div>
          {examples === null && <div className="muted">Loading…</div>}
          {examples !== null && examples.length === 0 && <div className="muted">No examples in this workspace.</div>}
          <div className="gallery">
            {(examples ?? []).map((example) => (
              <button type="button" key={example.path} className="gallery__card" onClick={() => open(example.path)} data-testid={`example-${example.name}`}>
                <b>{example.name}</b>
                <span className="muted small">{example.description}</span>
                <code className="muted small">{example.path}</code>
              </button>
            ))}
          </div>
        </div>
      </div>
    </Modal>
  );
}

export function isSafePipelinePath(path: string): string | null {
  if (!path.endsWith('.pipeline.json')) return 'the file name must end in .pipeline.json';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\')) return 'use a path relative to the workspace, with /';
  if (path.split('/').some((part) => part === '..' || part === '')) return 'the path may not leave the workspace';
  return null;
}

function SaveDialog() {
  const { controller, documentStore, uiStore } = useServices();
  const name = documentStore.getState().content.name;
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';
  const [path, setPath] = useState(`${slug}.pipeline.json`);
  const [saving, setSaving] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const field = input.current;
    if (field) {
      field.focus();
      field.setSelectionRange(0, field.value.length - '.pipeline.json'.length);
    }
  }, []);
  const problem = isSafePipelinePath(path);
  const submit = async () => {
    if (problem || saving) return;
    setSaving(true);
    await controller.saveAs(path);
    setSaving(false);
  };
  return (
    <Modal title="Save pipeline" onClose={() => uiStore.getState().setDialog(null)} testId="save-dialog">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field__label">File, relative to the workspace</span>
          <span className="save-dialog__row">
            <input ref={input} className="input" value={path} onChange={(event) => setPath(event.target.value)} data-testid="save-path" spellCheck={false} />
            {desktopBridge() && (
              <button type="button" className="btn" onClick={() => void desktopBridge()!.savePipelineDialog(path).then((chosen) => chosen && setPath(chosen))}>
                Choose…
              </button>
            )}
          </span>
          {problem && <span className="field__error">{problem}</span>}
          <span className="field__help">Relative paths inside the pipeline (data files) are read from this file's folder.</span>
        </label>
        <div className="modal__actions">
          <button type="button" className="btn" onClick={() => uiStore.getState().setDialog(null)}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={problem !== null || saving} data-testid="save-confirm">
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
