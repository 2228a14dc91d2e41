/**
 * The command palette's list (Ctrl+K): every node type to add, every wire that may be drawn,
 * and the pipeline commands. Data only: the controller performs the chosen intent, so a whole
 * pipeline can be built from the keyboard and tests can check the list without rendering.
 */
import type { CatalogEntry } from '../api/protocol';
import { checkConnection } from './connection-rules';
import type { DocContent } from './document';
import { formatPortRef, type PortRef } from '../../../core/graph/types.js';

export type CommandIntent =
  | { kind: 'add'; type: string }
  | { kind: 'connect'; from: PortRef; to: PortRef }
  | { kind: 'select'; nodeId: string }
  | { kind: 'run' }
  | { kind: 'run-to-here'; nodeId: string }
  | { kind: 'save' }
  | { kind: 'save-as' }
  | { kind: 'open' }
  | { kind: 'new' }
  | { kind: 'layout' }
  | { kind: 'fit' };

export interface Command {
  /** Stable and unique: the palette's option id and test id. */
  id: string;
  group: 'Pipeline' | 'Add node' | 'Connect' | 'Go to node';
  title: string;
  /** Extra words a search matches (type names, port types). */
  keywords: string;
  shortcut?: string;
  intent: CommandIntent;
}

/** Enough wires to choose from in any graph a person builds by hand; the search narrows them. */
const MAX_CONNECT_COMMANDS = 300;

export function buildCommands(content: DocContent, catalog: Readonly<Record<string, CatalogEntry>>, selected: readonly string[]): Command[] {
  const commands: Command[] = [
    { id: 'run', group: 'Pipeline', title: 'Run the pipeline', keywords: 'execute start', shortcut: 'Ctrl+Enter', intent: { kind: 'run' } },
    { id: 'save', group: 'Pipeline', title: 'Save', keywords: 'write file', shortcut: 'Ctrl+S', intent: { kind: 'save' } },
    { id: 'save-as', group: 'Pipeline', title: 'Save as…', keywords: 'rename file', intent: { kind: 'save-as' } },
    { id: 'open', group: 'Pipeline', title: 'Open a pipeline or an example…', keywords: 'load file', intent: { kind: 'open' } },
    { id: 'new', group: 'Pipeline', title: 'New pipeline', keywords: 'empty clear', intent: { kind: 'new' } },
    { id: 'layout', group: 'Pipeline', title: 'Auto-layout', keywords: 'arrange tidy', intent: { kind: 'layout' } },
    { id: 'fit', group: 'Pipeline', title: 'Fit the view', keywords: 'zoom', intent: { kind: 'fit' } },
  ];
  if (selected.length === 1) {
    commands.splice(1, 0, { id: 'run-to-here', group: 'Pipeline', title: `Run up to ${selected[0]}`, keywords: 'run to here partial', intent: { kind: 'run-to-here', nodeId: selected[0]! } });
  }
  for (const entry of [...Object.values(catalog)].sort((a, b) => a.title.localeCompare(b.title))) {
    commands.push({ id: `add:${entry.type}`, group: 'Add node', title: `Add ${entry.title}`, keywords: `${entry.type} ${entry.category} ${entry.pack ?? ''}`, intent: { kind: 'add', type: entry.type } });
  }
  commands.push(...connectCommands(content, catalog, selected));
  for (const node of content.nodes) {
    commands.push({ id: `select:${node.id}`, group: 'Go to node', title: `Go to ${node.id}`, keywords: node.type, intent: { kind: 'select', nodeId: node.id } });
  }
  return commands;
}

/** Every wire the rules allow and no wire holds yet: the selected node's first, then upstream order. */
function connectCommands(content: DocContent, catalog: Readonly<Record<string, CatalogEntry>>, selected: readonly string[]): Command[] {
  const touchesSelection = (from: string, to: string) => selected.includes(from) || selected.includes(to);
  const found: { command: Command; first: boolean }[] = [];
  for (const source of content.nodes) {
    for (const [outPort, out] of Object.entries(catalog[source.type]?.outputs ?? {})) {
      for (const target of content.nodes) {
        if (target.id === source.id) continue;
        for (const [inPort, input] of Object.entries(catalog[target.type]?.inputs ?? {})) {
          const from = { node: source.id, port: outPort };
          const to = { node: target.id, port: inPort };
          if (!checkConnection(content, catalog, from, to).ok) continue;
          const wire = `${formatPortRef(from)} → ${formatPortRef(to)}`;
          found.push({
            command: { id: `connect:${wire}`, group: 'Connect', title: `Connect ${wire}`, keywords: `wire ${out.type} ${input.type}`, intent: { kind: 'connect', from, to } },
            first: touchesSelection(source.id, target.id),
          });
        }
      }
    }
  }
  return [...found.filter((item) => item.first), ...found.filter((item) => !item.first)].slice(0, MAX_CONNECT_COMMANDS).map((item) => item.command);
}

/** Commands whose title or keywords hold every word of the query, titles that start with it first. */
export function matchCommands(commands: readonly Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...commands];
  const hits = commands.filter((command) => {
    const haystack = `${command.title} ${command.keywords} ${command.group}`.toLowerCase();
    return words.every((word) => haystack.includes(word));
  });
  const score = (command: Command) => {
    const title = command.title.toLowerCase();
    return title.includes(words.join(' ')) ? 0 : words.every((word) => title.includes(word)) ? 1 : 2;
  };
  return hits.map((command, index) => ({ command, index })).sort((a, b) => score(a.command) - score(b.command) || a.index - b.index).map((item) => item.command);
}
