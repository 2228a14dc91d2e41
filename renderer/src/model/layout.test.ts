import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { testCatalog } from '../test-support/catalog';
import { DEFAULT_NODE_SIZE, fitZoom, layeredPositions, LEGIBLE_ZOOM } from './layout';
import type { XY } from './document';

function box(positions: Record<string, XY>) {
  const xs = Object.values(positions).map((p) => p.x);
  const ys = Object.values(positions).map((p) => p.y);
  return { width: Math.max(...xs) - Math.min(...xs) + DEFAULT_NODE_SIZE.width, height: Math.max(...ys) - Math.min(...ys) + DEFAULT_NODE_SIZE.height };
}

const chain = (length: number) => ({
  name: 'chain',
  nodes: Array.from({ length }, (_, i) => ({ id: `n${i}`, type: 'feature.scale' })),
  edges: Array.from({ length: length - 1 }, (_, i) => ({ from: `n${i}.table`, to: `n${i + 1}.table` })),
});

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

  it('wraps a chain too long to read in one row into rows shaped like the canvas', async () => {
    const viewport = { width: 900, height: 600 };
    const flat = await layeredPositions(new ELK(), chain(5), testCatalog);
    expect(new Set(Object.values(flat).map((p) => p.y)).size).toBe(1);
    expect(fitZoom(box(flat), viewport)).toBeLessThan(LEGIBLE_ZOOM);

    const wrapped = await layeredPositions(new ELK(), chain(5), testCatalog, {}, viewport);
    expect(new Set(Object.values(wrapped).map((p) => p.y)).size).toBeGreaterThan(1);
    expect(fitZoom(box(wrapped), viewport)).toBeGreaterThanOrEqual(LEGIBLE_ZOOM);
  });

  it('leaves a layout that already reads well in one row', async () => {
    const positions = await layeredPositions(new ELK(), chain(3), testCatalog, {}, { width: 1400, height: 700 });
    expect(new Set(Object.values(positions).map((p) => p.y)).size).toBe(1);
  });
});
