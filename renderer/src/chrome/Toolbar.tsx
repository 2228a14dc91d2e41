import { useDoc, useRun, useServices, useUi } from '../app/context';
import { isDirty } from '../stores/document-store';
import { isRunActive } from '../stores/run-store';
import { BackendBadge } from './BackendBadge';
import { DeployMenu } from './DeployMenu';

const VIEWS = [
  ['builder', 'Builder'],
  ['runs', 'Runs'],
  ['models', 'Models'],
  ['monitoring', 'Monitoring'],
  ['features', 'Features'],
] as const;

export function Toolbar() {
  const { controller, uiStore } = useServices();
  const name = useDoc((state) => state.content.name);
  const path = useDoc((state) => state.path);
  const dirty = useDoc(isDirty);
  const canUndo = useDoc((state) => state.past.length > 0);
  const canRedo = useDoc((state) => state.future.length > 0);
  const empty = useDoc((state) => state.content.nodes.length === 0);
  const selectedOne = useDoc((state) => (state.selection.nodes.length === 1 ? state.selection.nodes[0] : undefined));
  const phase = useRun((state) => state.phase);
  const source = useRun((state) => state.source);
  const socket = useUi((state) => state.socket);
  const errors = useUi((state) => state.issueIndex.errors);
  const running = source === 'live' && isRunActive(phase);
  const view = useUi((state) => state.view.kind);
  // The compare view belongs to the runs page.
  const current = view === 'compare' ? 'runs' : view;
  const builder = view === 'builder';

  return (
    <header className="toolbar" data-testid="toolbar">
      <div className="toolbar__brand" title="Tensorloom">
        <span className="logo" aria-hidden>
          ◆
        </span>
        <span className="visually-hidden">Tensorloom</span>
      </div>
      <nav className="toolbar__views" aria-label="Views">
        {VIEWS.map(([kind, label]) => (
          <button
            key={kind}
            type="button"
            className={`toolbar__view${current === kind ? ' is-current' : ''}`}
            aria-current={current === kind ? 'page' : undefined}
            onClick={() => uiStore.getState().setView({ kind })}
            data-testid={`view-${kind}`}
          >
            {label}
          </button>
        ))}
      </nav>
      {builder && (
        <>
        <div className="toolbar__doc" title={path ?? 'not saved yet'}>
          <span className="toolbar__name" data-testid="doc-name">
            {name}
          </span>
          {dirty && (
            <span className="dirty-dot" title="Unsaved changes" data-testid="dirty-indicator">
              ●
            </span>
          )}
          <span className="toolbar__path muted">{path ?? 'unsaved'}</span>
        </div>

        <div className="toolbar__group">
          <button type="button" className="btn btn--ghost" onClick={() => void controller.newPipeline()} data-testid="new-button" title="New pipeline">
            New
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => uiStore.getState().setDialog({ kind: 'open' })} data-testid="open-button" title="Open a pipeline or an example">
            Open
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => void controller.save()} data-testid="save-button" title="Save (Ctrl+S)">
            Save
          </button>
        </div>
        <div className="toolbar__group">
          <button type="button" className="btn btn--ghost btn--icon" disabled={!canUndo} onClick={() => controller.handleKey({ key: 'z', ctrlKey: true, metaKey: false, shiftKey: false, altKey: false })} data-testid="undo-button" title="Undo (Ctrl+Z)">
            ↶
          </button>
          <button type="button" className="btn btn--ghost btn--icon" disabled={!canRedo} onClick={() => controller.handleKey({ key: 'z', ctrlKey: true, metaKey: false, shiftKey: true, altKey: false })} data-testid="redo-button" title="Redo (Ctrl+Shift+Z)">
            ↷
          </button>
          <button type="button" className="btn btn--ghost" disabled={empty} onClick={() => void controller.autoLayout()} data-testid="layout-button" title="Arrange left to right">
            Auto-layout
          </button>
          <button type="button" className="btn btn--ghost" onClick={() => uiStore.getState().requestFit()} data-testid="fit-button" title="Fit the pipeline in view">
            Fit
          </button>
        </div>

        <div className="toolbar__group toolbar__run">
          <button
            type="button"
            className="btn btn--primary"
            disabled={running || empty}
            onClick={() => void controller.startRun()}
            data-testid="run-button"
            title={errors > 0 ? `${errors} problem(s) to fix first` : 'Run the pipeline (unchanged nodes come from the cache)'}
          >
            ▶ Run
          </button>
          <button
            type="button"
            className="btn"
            disabled={running || !selectedOne}
            onClick={() => selectedOne && void controller.startRun(selectedOne)}
            data-testid="run-to-here-button"
            title={selectedOne ? `Run only what '${selectedOne}' needs` : 'Select one node to run up to it'}
          >
            Run to here
          </button>
          <button type="button" className="btn btn--danger-ghost" disabled={!running || phase === 'cancelling'} onClick={() => void controller.cancelRun()} data-testid="cancel-button" title="Cancel the run">
            ■ Cancel
          </button>
        </div>
        <div className="toolbar__group">
          <DeployMenu />
        </div>
        </>
      )}

      <div className="toolbar__status">
        <span className={`socket socket--${socket}`} title={socket === 'open' ? 'Live: connected to the engine' : 'Reconnecting to the engine…'} data-testid="socket-status" data-state={socket} />
        <BackendBadge />
      </div>
    </header>
  );
}
