import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { checkConnection } from './connection-rules';
import type { DocContent } from './document';

const content: DocContent = {
  name: 't',
  nodes: [
    { id: 'load', type: 'data.csv', params: {} },
    { id: 'split', type: 'data.split', params: {} },
    { id: 'split2', type: 'data.split', params: {} },
    { id: 'train', type: 'train.dense', params: {} },
    { id: 'eval', type: 'eval.model', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'split2.table' },
  ],
};

describe('checkConnection', () => {
  it('accepts a table into a free table input', () => {
    expect(checkConnection(content, testCatalog, { node: 'split', port: 'table' }, { node: 'train', port: 'table' })).toEqual({ ok: true });
  });

  it('refuses a table into a model input, naming both types', () => {
    const check = checkConnection(content, testCatalog, { node: 'split', port: 'table' }, { node: 'eval', port: 'model' });
    expect(check).toEqual({ ok: false, reason: 'type mismatch: split.table gives a table, but eval.model takes a model' });
  });

  it('refuses a second wire into one input', () => {
    const check = checkConnection(content, testCatalog, { node: 'load', port: 'table' }, { node: 'split2', port: 'table' });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toContain('split2.table is already fed by split.table');
  });

  it('refuses a cycle and names its nodes', () => {
    const open: DocContent = { ...content, edges: [{ from: 'split.table', to: 'split2.table' }] };
    const check = checkConnection(open, testCatalog, { node: 'split2', port: 'table' }, { node: 'split', port: 'table' });
    expect(check).toEqual({ ok: false, reason: 'this would make a cycle: split2 → split → split2' });
  });

  it('refuses a node feeding itself and unknown ports', () => {
    expect(checkConnection(content, testCatalog, { node: 'split', port: 'table' }, { node: 'split', port: 'table' }).ok).toBe(false);
    const check = checkConnection(content, testCatalog, { node: 'load', port: 'rows' }, { node: 'train', port: 'table' });
    expect(check).toEqual({ ok: false, reason: "'load' has no output 'rows'" });
  });
});
