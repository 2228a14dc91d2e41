import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, type CSSProperties } from 'react';
import { usePanels, useServices, useUi } from './app/context';
import { CompareView } from './pages/CompareView';
import { ModelsPage } from './pages/ModelsPage';
import { MonitoringPage } from './pages/MonitoringPage';
import { FeaturesPage } from './pages/FeaturesPage';
import { RunsPage } from './pages/RunsPage';
import { Canvas } from './canvas/Canvas';
import { Dialogs } from './chrome/Dialogs';
import { Toasts } from './chrome/Toasts';
import { Toolbar } from './chrome/Toolbar';
import { Inspector } from './panels/Inspector';
import { OutputsPanel } from './panels/OutputsPanel';
import { Palette } from './panels/Palette';
import { RunsPanel } from './panels/RunsPanel';
import { isDirty } from './stores/document-store';
import { ResizeHandle } from './layout/ResizeHandle';

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Ctrl+K, Ctrl+Enter and Ctrl+S work from anywhere, a text field included; nothing else does there. */
function isGlobalShortcut(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && ['k', 's', 'enter'].includes(event.key.toLowerCase());
}

/** Shortcuts for the canvas; text fields keep their own (Ctrl+Z in a field undoes typing). */
function useShortcuts() {
  const { controller } = useServices();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (document.querySelector('[aria-modal="true"]')) return;
      if (isEditable(event.target) && !isGlobalShortcut(event)) return;
      // A focused node card moves with the arrow keys through React Flow itself.
      if (event.key.startsWith('Arrow') && event.target instanceof HTMLElement && event.target.closest('.react-flow__node')) return;
      if (controller.handleKey(event)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [controller]);
}

/** Closing or reloading with unsaved changes asks first (the draft also survives a reload). */
function useUnsavedGuard() {
  const { controller, documentStore } = useServices();
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      controller.flushDraft();
      if (!isDirty(documentStore.getState())) return;
      event.preventDefault();
      event.returnValue = '';
    };
    const onPageHide = () => controller.flushDraft();
    window.addEventListener('beforeunload', onBeforeUnload);
    window.addEventListener('pagehide', onPageHide);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      window.removeEventListener('pagehide', onPageHide);
    };
  }, [controller, documentStore]);
}

export function App() {
  useShortcuts();
  useUnsavedGuard();
  const sizes = usePanels((state) => state.sizes);
  const view = useUi((state) => state.view);
  const panelVars = {
    '--sidebar-width': `${sizes.sidebar}px`,
    '--inspector-width': `${sizes.inspector}px`,
    '--palette-height': `${sizes.palette}px`,
  } as CSSProperties;
  return (
    <ReactFlowProvider>
      <div className="app" style={panelVars}>
        <Toolbar />
        {view.kind === 'builder' ? (
          <>
            <aside className="sidebar">
              <Palette />
              <ResizeHandle panel="palette" grows="down" label="Resize the node palette" className="sidebar__split" />
              <RunsPanel />
            </aside>
            {/* The side panels' splitters sit on the workspace's edges, which never scroll. */}
            <main className="workspace">
              <ResizeHandle panel="sidebar" grows="right" label="Resize the sidebar" className="workspace__left-edge" />
              <Canvas />
              <OutputsPanel />
              <ResizeHandle panel="inspector" grows="left" label="Resize the inspector" className="workspace__right-edge" />
            </main>
            <aside className="side-right">
              <Inspector />
            </aside>
          </>
        ) : (
          <main className="app__page">
            {view.kind === 'runs' && <RunsPage />}
            {view.kind === 'compare' && <CompareView runIds={view.runIds} />}
            {view.kind === 'models' && <ModelsPage name={view.name} />}
            {view.kind === 'monitoring' && <MonitoringPage name={view.name} range={view.range} />}
            {view.kind === 'features' && <FeaturesPage name={view.name} />}
          </main>
        )}
      </div>
      <Dialogs />
      <Toasts />
    </ReactFlowProvider>
  );
}
