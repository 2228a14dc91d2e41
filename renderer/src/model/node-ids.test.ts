import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { idStemForType, newNodeId, portNames } from './node-ids';

describe('default node ids', () => {
  it('names steps after the step and readers after the format', () => {
    const taken = new Set<string>();
    expect(newNodeId('eval.model', taken, testCatalog)).toBe('evaluate');
    expect(newNodeId('train.dense', taken, testCatalog)).toBe('train');
    expect(newNodeId('data.csv', taken, testCatalog)).toBe('csv');
    expect(newNodeId('data.split', taken, testCatalog)).toBe('split');
  });

  it('numbers an id that is taken', () => {
    expect(newNodeId('eval.model', new Set(['evaluate']), testCatalog)).toBe('evaluate2');
    expect(newNodeId('train.dense', new Set(['train', 'train2']), testCatalog)).toBe('train3');
  });

  it('never gives a port name', () => {
    const reserved = portNames(testCatalog);
    expect([...reserved].sort()).toEqual(['metrics', 'model', 'table']);
    expect(idStemForType('pack.model', reserved)).toBe('pack');
    expect(idStemForType('table.table', reserved)).toBe('tableNode');
    for (const type of Object.keys(testCatalog)) expect(reserved.has(newNodeId(type, new Set(), testCatalog))).toBe(false);
  });
});
