/** The window's services (app/services.ts) through React context, and hooks over its stores. */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CatalogState } from '../stores/catalog-store';
import type { DocumentState } from '../stores/document-store';
import type { RunState } from '../stores/run-store';
import type { UiState } from '../stores/ui-store';
import type { PanelState } from '../layout/panel-store';
import type { AppServices } from './services';

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider({ services, children }: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside <ServicesProvider>: render the app inside one');
  return services;
}

export const useDoc = <T,>(selector: (state: DocumentState) => T): T => useStore(useServices().documentStore, selector);
export const useRun = <T,>(selector: (state: RunState) => T): T => useStore(useServices().runStore, selector);
export const useUi = <T,>(selector: (state: UiState) => T): T => useStore(useServices().uiStore, selector);
export const useCatalog = <T,>(selector: (state: CatalogState) => T): T => useStore(useServices().catalogStore, selector);
export const usePanels = <T,>(selector: (state: PanelState) => T): T => useStore(useServices().panelStore, selector);
