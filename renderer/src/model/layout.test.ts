import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { layeredPositions } from './layout';

describe('auto-layout', () => {
  it('places a chain left to right, one layer per step', async () => {
    const positions = await layeredPositions(new ELK(), {
      name: 'chain',
      nodes: [
        { id: 'eval', type: 'eval.model' },
        { id: 'load', type: 'data.csv' },
        { id: 'split', type: 'data.split' },
        { id: 'train', type: 'train.dense' },
      ],
      edges: [
        { from: 'load.table', to: 'split.table' },
        { from: 'split.table', to: 'train.table' },
        { from: 'train.model', to: 'eval.model' },
        { from: 'split.table', to: 'eval.table' },
      ],
    }, testCatalog);
    expect(positions.load!.x).toBeLessThan(positions.split!.x);
    expect(positions.split!.x).toBeLessThan(positions.train!.x);
    expect(positions.train!.x).toBeLessThan(positions.eval!.x);
  });
});
