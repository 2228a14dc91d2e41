/**
 * The app's single set of stores and its controller. Components import these; tests build
 * their own with the factories instead.
 */
import { useStore } from 'zustand';
import { ApiClient } from '../api/client';
import { desktopBridge } from '../api/desktop';
import { captureToken } from '../api/token';
import { createCatalogStore, type CatalogState } from '../stores/catalog-store';
import { createDocumentStore, type DocumentState } from '../stores/document-store';
import { createRunStore, type RunState } from '../stores/run-store';
import { createUiStore, type UiState } from '../stores/ui-store';
import { measureStore } from '../canvas/measure-store';
import { createPanelStore } from '../layout/panel-store';
import { viewportCentre } from '../canvas/viewport';
import { createController } from './controller';
import { sessionMemory } from './session';

const token = captureToken(window.location, window.history, window.sessionStorage);
const initialPath = new URL(window.location.href).searchParams.get('pipeline');

export const api = new ApiClient(window.location.origin, token);
export const catalogStore = createCatalogStore();
export const documentStore = createDocumentStore({ env: () => ({ catalog: catalogStore.getState().byType, sizes: measureStore.getState().sizes }) });
export const runStore = createRunStore();
export const uiStore = createUiStore();
export const panelStore = createPanelStore(window.localStorage, () => ({ width: window.innerWidth, height: window.innerHeight }));

export const controller = createController({
  api,
  doc: documentStore,
  run: runStore,
  ui: uiStore,
  catalog: catalogStore,
  session: sessionMemory(window.sessionStorage),
  loadElk: async () => {
    // elkjs is large: loaded on the first layout only.
    const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
    return new ELK();
  },
  measuredSizes: () => measureStore.getState().sizes,
  freeSpot: viewportCentre,
  workspacePathOf: async (file) => (await desktopBridge()?.workspacePathOf?.(file)) ?? null,
  canvasSize: () => {
    const canvas = document.querySelector('[data-testid="canvas"]');
    return canvas ? { width: canvas.clientWidth, height: canvas.clientHeight } : undefined;
  },
  initialPath,
});

export const useDoc = <T>(selector: (state: DocumentState) => T): T => useStore(documentStore, selector);
export const useRun = <T>(selector: (state: RunState) => T): T => useStore(runStore, selector);
export const useUi = <T>(selector: (state: UiState) => T): T => useStore(uiStore, selector);
export const useCatalog = <T>(selector: (state: CatalogState) => T): T => useStore(catalogStore, selector);
