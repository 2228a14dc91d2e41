import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { buildCommands, matchCommands } from './commands';

const content = {
  name: 'p',
  nodes: [
    { id: 'csv', type: 'data.csv', params: { path: 'a.csv' } },
    { id: 'split', type: 'data.split' },
    { id: 'train', type: 'train.dense' },
  ],
  edges: [{ from: 'csv.table', to: 'split.table' }],
};

describe('command palette commands', () => {
  it('offers every node type to add and every wire the rules allow, none that a wire already holds', () => {
    const commands = buildCommands(content, testCatalog, []);
    expect(commands.filter((c) => c.group === 'Add node').map((c) => c.intent)).toEqual(
      expect.arrayContaining([{ kind: 'add', type: 'data.csv' }, { kind: 'add', type: 'eval.model' }]),
    );
    const wires = commands.filter((c) => c.group === 'Connect').map((c) => c.title);
    expect(wires).toContain('Connect split.table → train.table');
    expect(wires).toContain('Connect csv.table → train.table');
    // split.table is fed already, and nothing connects a node to itself or into a source.
    expect(wires.some((title) => title.endsWith('→ split.table'))).toBe(false);
    expect(wires.some((title) => title.endsWith('→ csv.table'))).toBe(false);
  });

  it('puts the selected node first: its wires and run up to it', () => {
    const commands = buildCommands(content, testCatalog, ['train']);
    expect(commands.find((c) => c.id === 'run-to-here')?.intent).toEqual({ kind: 'run-to-here', nodeId: 'train' });
    const wires = commands.filter((c) => c.group === 'Connect');
    expect(wires[0]!.title).toMatch(/→ train\.table$/);
  });

  it('finds commands by every word, titles that hold the query first', () => {
    const commands = buildCommands(content, testCatalog, []);
    expect(matchCommands(commands, 'split train')[0]!.title).toBe('Connect split.table → train.table');
    expect(matchCommands(commands, 'add data.split').map((c) => c.id)).toEqual(['add:data.split']);
    expect(matchCommands(commands, 'save')[0]!.id).toBe('save');
    expect(matchCommands(commands, 'no such thing')).toEqual([]);
    expect(matchCommands(commands, '  ')).toHaveLength(commands.length);
  });
});
