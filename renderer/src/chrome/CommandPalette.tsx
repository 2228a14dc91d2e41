import { useMemo, useState, type KeyboardEvent } from 'react';
import { useCatalog, useDoc, useServices } from '../app/context';
import { buildCommands, matchCommands, type Command } from '../model/commands';
import { Modal } from './Modal';

const SHOWN = 60;

const PARAM_FIELDS = ['input', 'select', 'textarea'].map((tag) => `.side-right ${tag}[data-testid^="param-"]`).join(', ');

/** After adding a node from the keyboard, its first param in the inspector takes the focus (else its id). */
function focusInspector(): void {
  requestAnimationFrame(() => {
    const field = document.querySelector<HTMLElement>(PARAM_FIELDS) ?? document.querySelector<HTMLElement>('[data-testid="node-id"]');
    field?.focus();
  });
}

/**
 * Ctrl+K: every command, node type and possible wire, found by typing (a combobox over a
 * listbox: arrows choose, Enter runs, Escape closes).
 */
export function CommandPalette({ onClose }: { onClose: () => void }) {
  const { controller, documentStore } = useServices();
  const content = useDoc((state) => state.content);
  const selected = useDoc((state) => state.selection.nodes);
  const catalog = useCatalog((state) => state.byType);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const all = useMemo(() => buildCommands(content, catalog, selected), [content, catalog, selected]);
  const shown = useMemo(() => matchCommands(all, query).slice(0, SHOWN), [all, query]);
  const current = shown[Math.min(active, shown.length - 1)];

  const choose = (command: Command) => {
    onClose();
    controller.perform(command.intent);
    if (command.intent.kind === 'add' && documentStore.getState().selection.nodes.length === 1) focusInspector();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => (shown.length === 0 ? 0 : (Math.min(index, shown.length - 1) + step + shown.length) % shown.length));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (current) choose(current);
    }
  };

  const optionId = (command: Command) => `command-${command.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <Modal title="Commands" onClose={onClose} testId="command-palette">
      <input
        className="input command-palette__input"
        role="combobox"
        aria-expanded="true"
        aria-controls="command-list"
        aria-activedescendant={current ? optionId(current) : undefined}
        aria-label="Type a command, a node type or a wire"
        placeholder="Add a node, connect ports, run, save…"
        value={query}
        autoFocus
        onChange={(event) => {
          setQuery(event.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        data-testid="command-input"
      />
      <ul className="command-palette__list" role="listbox" id="command-list" aria-label="Commands">
        {shown.length === 0 && <li className="muted pad">No command matches “{query}”.</li>}
        {shown.map((command, index) => (
          <li
            key={command.id}
            id={optionId(command)}
            role="option"
            aria-selected={command === current}
            className={`command-palette__item${command === current ? ' command-palette__item--active' : ''}`}
            onMouseEnter={() => setActive(index)}
            onClick={() => choose(command)}
            data-testid={optionId(command)}
          >
            <span className="command-palette__group">{command.group}</span>
            <span className="command-palette__title">{command.title}</span>
            {command.shortcut && <kbd>{command.shortcut}</kbd>}
          </li>
        ))}
      </ul>
    </Modal>
  );
}
