import { ReactFlowProvider } from '@xyflow/react';
import { useEffect } from 'react';
import { controller, documentStore } from './app/instance';
import { Canvas } from './canvas/Canvas';
import { Dialogs } from './chrome/Dialogs';
import { Toasts } from './chrome/Toasts';
import { Toolbar } from './chrome/Toolbar';
import { Inspector } from './panels/Inspector';
import { OutputsPanel } from './panels/OutputsPanel';
import { Palette } from './panels/Palette';
import { RunsPanel } from './panels/RunsPanel';
import { isDirty } from './stores/document-store';

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** Shortcuts for the canvas; text fields keep their own (Ctrl+Z in a field undoes typing). */
function useShortcuts() {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (isEditable(event.target) || document.querySelector('[aria-modal="true"]')) return;
      if (controller.handleKey(event)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

/** Closing or reloading with unsaved changes asks first (the draft also survives a reload). */
function useUnsavedGuard() {
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
  }, []);
}

export function App() {
  useShortcuts();
  useUnsavedGuard();
  return (
    <ReactFlowProvider>
      <div className="app">
        <Toolbar />
        <aside className="sidebar">
          <Palette />
          <RunsPanel />
        </aside>
        <main className="workspace">
          <Canvas />
          <OutputsPanel />
        </main>
        <aside className="side-right">
          <Inspector />
        </aside>
      </div>
      <Dialogs />
      <Toasts />
    </ReactFlowProvider>
  );
}
