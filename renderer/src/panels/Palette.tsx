import { useReactFlow } from '@xyflow/react';
import { useMemo, useState, type DragEvent } from 'react';
import { useStore } from 'zustand';
import { useCatalog, useServices } from '../app/context';
import type { CatalogEntry } from '../api/protocol';
import { PALETTE_MIME } from '../canvas/Canvas';
import { CATEGORY_LABELS, CATEGORY_ORDER } from '../canvas/theme';
import { addNode } from '../model/actions';

function matches(entry: CatalogEntry, query: string): boolean {
  if (!query) return true;
  const haystack = `${entry.type} ${entry.title} ${entry.description} ${entry.category}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

function portSummary(entry: CatalogEntry): string {
  const inputs = Object.values(entry.inputs).map((port) => port.type);
  const outputs = Object.values(entry.outputs).map((port) => port.type);
  return `${inputs.length ? inputs.join(', ') : '—'} → ${outputs.length ? outputs.join(', ') : '—'}`;
}

/** The node catalog from GET /api/nodes, grouped by category (a node pack's types under the pack's name); drag an item onto the canvas (or double-click it). */
export function Palette() {
  const { documentStore, panelStore } = useServices();
  const entries = useCatalog((state) => state.entries);
  const status = useCatalog((state) => state.status);
  const error = useCatalog((state) => state.error);
  const [query, setQuery] = useState('');
  const collapsed = useStore(panelStore, (state) => state.collapsed);
  const flow = useReactFlow();

  // Built-in types by category, then one group per node pack, titled with the pack's name.
  const groups = useMemo(() => {
    const byCategory = new Map<string, CatalogEntry[]>();
    const byPack = new Map<string, CatalogEntry[]>();
    for (const entry of entries) {
      if (!matches(entry, query)) continue;
      const into = entry.pack === undefined ? byCategory : byPack;
      const key = entry.pack ?? entry.category;
      let list = into.get(key);
      if (!list) into.set(key, (list = []));
      list.push(entry);
    }
    const rank = (category: string) => (CATEGORY_ORDER.includes(category) ? CATEGORY_ORDER.indexOf(category) : CATEGORY_ORDER.length);
    const byTitle = (list: CatalogEntry[]) => list.sort((a, b) => a.title.localeCompare(b.title));
    const categories = [...byCategory.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([category, list]) => ({ key: category, title: CATEGORY_LABELS[category] ?? category, className: `cat-${category}`, testId: `palette-group-${category}`, pack: false, list: byTitle(list) }));
    const packs = [...byPack.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([pack, list]) => ({ key: `pack:${pack}`, title: pack, className: 'palette__group--pack', testId: `palette-group-pack-${pack}`, pack: true, list: byTitle(list) }));
    return [...categories, ...packs];
  }, [entries, query]);

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(PALETTE_MIME, type);
    event.dataTransfer.effectAllowed = 'copy';
  };

  const addAtCentre = (type: string) => {
    const pane = document.querySelector('.canvas')?.getBoundingClientRect();
    const centre = pane ? flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 }) : { x: 0, y: 0 };
    const offset = (documentStore.getState().content.nodes.length % 6) * 24;
    documentStore.getState().dispatch(addNode, { type, position: { x: centre.x - 110 + offset, y: centre.y - 40 + offset } });
  };

  return (
    <section className="palette" aria-label="Node palette" data-testid="palette">
      <div className="panel-title">Nodes</div>
      <input
        className="input palette__search"
        type="search"
        placeholder="Search nodes…"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        data-testid="palette-search"
      />
      <div className="palette__list">
        {status === 'loading' && <div className="muted pad">Loading the catalog…</div>}
        {status === 'error' && <div className="error-text pad">Cannot load the node catalog: {error}</div>}
        {status === 'ready' && groups.length === 0 && <div className="muted pad">No node matches “{query}”.</div>}
        {groups.map(({ key, title, className, testId, pack, list }) => (
          <div key={key} className={`palette__group ${className}`} data-testid={testId}>
            {/* A search shows every match, folded group or not. */}
            <button
              type="button"
              className="palette__group-title"
              aria-expanded={query !== '' || !collapsed.has(key)}
              onClick={() => panelStore.getState().toggleGroup(key)}
              title={pack ? `Node pack ${title}` : undefined}
              data-testid={`${testId}-toggle`}
            >
              <span className="palette__chevron" aria-hidden>
                {query !== '' || !collapsed.has(key) ? '▾' : '▸'}
              </span>
              <span className="cat-swatch" aria-hidden />
              {title}
              {pack && <span className="palette__pack-badge">pack</span>}
              <span className="palette__count">{list.length}</span>
            </button>
            {(query !== '' || !collapsed.has(key)) && list.map((entry) => (
              <div
                key={entry.type}
                className={`palette__item${pack ? ` cat-${entry.category}` : ''}`}
                draggable
                tabIndex={0}
                role="button"
                onDragStart={(event) => onDragStart(event, entry.type)}
                onDoubleClick={() => addAtCentre(entry.type)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') addAtCentre(entry.type);
                }}
                title={`${entry.description}\n\nDrag onto the canvas, or double-click to add.`}
                data-testid={`palette-item-${entry.type}`}
              >
                <div className="palette__item-title">{entry.title}</div>
                <div className="palette__item-meta">
                  <code>{entry.type}</code>
                  <span>{portSummary(entry)}</span>
                </div>
              </div>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
