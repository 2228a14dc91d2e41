/**
 * Everything a window of the app holds: the API client, its stores and the controller. Made
 * by one call and handed to React through context (app/context.tsx), so tests and future
 * windows each build their own set; nothing here is a module-level singleton.
 */
import { ApiClient } from '../api/client';
import { desktopBridge } from '../api/desktop';
import { captureToken } from '../api/token';
import { createMeasureStore, type MeasureStore } from '../canvas/measure-store';
import { viewportCentre } from '../canvas/viewport';
import { createPanelStore, type PanelStore } from '../layout/panel-store';
import { createCatalogStore, type CatalogStore } from '../stores/catalog-store';
import { createDocumentStore, type DocumentStore } from '../stores/document-store';
import { createRunStore, type RunStore } from '../stores/run-store';
import { createUiStore, type UiStore } from '../stores/ui-store';
import { createController, type Controller } from './controller';
import { sessionMemory } from './session';

export interface AppServices {
  api: ApiClient;
  catalogStore: CatalogStore;
  documentStore: DocumentStore;
  runStore: RunStore;
  uiStore: UiStore;
  panelStore: PanelStore;
  measureStore: MeasureStore;
  controller: Controller;
}

/** The services of a browser window: the token from the launch URL, sizes from local storage. */
export function createBrowserServices(window: Window): AppServices {
  const token = captureToken(window.location, window.history, window.sessionStorage);
  const initialPath = new URL(window.location.href).searchParams.get('pipeline');
  const api = new ApiClient(window.location.origin, token);
  const catalogStore = createCatalogStore();
  const measureStore = createMeasureStore();
  const documentStore = createDocumentStore({ env: () => ({ catalog: catalogStore.getState().byType, sizes: measureStore.getState().sizes }) });
  const runStore = createRunStore();
  const uiStore = createUiStore();
  const panelStore = createPanelStore(window.localStorage, () => ({ width: window.innerWidth, height: window.innerHeight }));
  const controller = createController({
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
      const canvas = window.document.querySelector('[data-testid="canvas"]');
      return canvas ? { width: canvas.clientWidth, height: canvas.clientHeight } : undefined;
    },
    initialPath,
  });
  return { api, catalogStore, documentStore, runStore, uiStore, panelStore, measureStore, controller };
}
