import { describe, expect, it } from 'vitest';
import type { TrackedRunItem } from '../api/protocol';
import { cellText, columnValue, nextSort, trialScatters } from './run-table';

const run = (metrics: TrackedRunItem['metrics'], params: TrackedRunItem['params'] = {}) => ({ metrics, params }) as TrackedRunItem;

describe('runs table', () => {
  it('toggles a column descending, ascending, then back to the default', () => {
    expect(nextSort('', 'metrics.accuracy')).toBe('-metrics.accuracy');
    expect(nextSort('-metrics.accuracy', 'metrics.accuracy')).toBe('metrics.accuracy');
    expect(nextSort('metrics.accuracy', 'metrics.accuracy')).toBe('');
    expect(nextSort('-started', 'duration')).toBe('-duration');
  });

  it('reads metric and param columns, preferring an evaluation node for a bare metric name', () => {
    const r = run({ train: { accuracy: 0.99, loss: 0.1 }, evaluate: { accuracy: 0.91 } }, { train: { epochs: 50, hiddenLayers: [64, 32] } });
    expect(columnValue(r, 'metrics.accuracy')).toBe(0.91);
    expect(columnValue(r, 'metrics.train.accuracy')).toBe(0.99);
    expect(columnValue(r, 'metrics.loss')).toBe(0.1);
    expect(columnValue(r, 'params.train.epochs')).toBe(50);
    expect(cellText(columnValue(r, 'params.train.hiddenLayers'))).toBe('[64,32]');
    expect(cellText(columnValue(r, 'metrics.rocAuc'))).toBe('—');
  });

  it('shows numbers to four significant digits', () => {
    expect(cellText(0.912345)).toBe('0.9123');
    expect(cellText(12)).toBe('12');
    expect(cellText(0.00001234)).toBe('1.234e-5');
    expect(cellText(NaN)).toBe('NaN');
  });

  it('plots each searched param against the metric and marks the best trial', () => {
    const scatters = trialScatters(
      [
        { id: 't1', params: { learningRate: 0.01, activation: 'relu' }, metric: 0.8 },
        { id: 't2', params: { learningRate: 0.001, activation: 'tanh' }, metric: 0.9 },
        { id: 't3', params: { learningRate: 0.1, activation: 'relu' }, metric: null },
      ],
      'max',
    );
    expect(scatters.map((scatter) => scatter.param)).toEqual(['activation', 'learningRate']);
    const rate = scatters.find((scatter) => scatter.param === 'learningRate')!;
    expect(rate.categories).toBeNull();
    expect(rate.points.map((point) => [point.x, point.y, point.best])).toEqual([
      [0.01, 0.8, false],
      [0.001, 0.9, true],
    ]);
    expect(scatters[0]!.categories).toEqual(['relu', 'tanh']);
    expect(trialScatters([{ id: 'a', params: { x: 1 }, metric: 0.5 }, { id: 'b', params: { x: 2 }, metric: 0.2 }], 'min')[0]!.points.find((p) => p.best)!.x).toBe(2);
  });
});
