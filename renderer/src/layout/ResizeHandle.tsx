import { type KeyboardEvent, type PointerEvent } from 'react';
import { useStore } from 'zustand';
import { useServices } from '../app/context';
import type { PanelName } from './panel-sizes';

const KEY_STEP = 16;

/**
 * A drag handle between two panels (a WAI-ARIA window splitter): drag it, or focus it and use
 * the arrow keys; a double-click (or Home) restores the default size. `grows` says which way
 * of moving makes the panel larger.
 */
export function ResizeHandle({ panel, grows, label, className }: { panel: PanelName; grows: 'right' | 'left' | 'up' | 'down'; label: string; className: string }) {
  const { panelStore } = useServices();
  const size = useStore(panelStore, (state) => state.sizes[panel]);
  const vertical = grows === 'right' || grows === 'left';
  const sign = grows === 'right' || grows === 'down' ? 1 : -1;

  const onPointerDown = (event: PointerEvent<HTMLDivElement>) => {
    event.preventDefault();
    const start = vertical ? event.clientX : event.clientY;
    const startSize = panelStore.getState().sizes[panel];
    document.body.classList.add(vertical ? 'resizing-x' : 'resizing-y');
    const move = (moveEvent: globalThis.PointerEvent) => {
      const now = vertical ? moveEvent.clientX : moveEvent.clientY;
      panelStore.getState().resize(panel, startSize + sign * (now - start));
    };
    const up = () => {
      document.body.classList.remove('resizing-x', 'resizing-y');
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const keys: Record<string, number> = vertical ? { ArrowRight: 1, ArrowLeft: -1 } : { ArrowDown: 1, ArrowUp: -1 };
    if (event.key === 'Home') {
      panelStore.getState().reset(panel);
    } else if (keys[event.key] !== undefined) {
      panelStore.getState().resize(panel, size + sign * keys[event.key]! * KEY_STEP);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  return (
    <div
      className={`resize-handle resize-handle--${vertical ? 'x' : 'y'} ${className}`}
      role="separator"
      aria-orientation={vertical ? 'vertical' : 'horizontal'}
      aria-label={label}
      aria-valuenow={size}
      tabIndex={0}
      title={`${label}: drag, or use the arrow keys; double-click restores the default`}
      onPointerDown={onPointerDown}
      onKeyDown={onKeyDown}
      onDoubleClick={() => panelStore.getState().reset(panel)}
      data-testid={`resize-${panel}`}
    />
  );
}
