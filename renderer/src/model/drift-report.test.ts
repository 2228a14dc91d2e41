import { describe, expect, it } from 'vitest';
import { findDriftReport } from './report-values';

describe('findDriftReport', () => {
  it('reads monitor.drift reports, drifted columns first, and ignores other values', () => {
    const report = findDriftReport({
      kind: 'drift',
      datasetDrift: false,
      driftShare: 1 / 3,
      driftShareThreshold: 0.5,
      driftedColumns: 1,
      comparedColumns: 3,
      columns: [
        { column: 'a', kind: 'numeric', test: 'ks', statistic: 0.1, pValue: 0.4, score: 0.4, scoreIs: 'p-value', threshold: 0.05, drifted: false, verdict: 'no drift', histogram: { type: 'bins', edges: [0, 1, 2], reference: [3, 4], current: [4, 3] } },
        { column: 'b', kind: 'categorical', test: 'chisquare', statistic: null, score: 0, scoreIs: 'p-value', threshold: 0.05, drifted: true, verdict: 'drift', histogram: { type: 'categories', categories: ['x', 'y'], reference: [5, 0], current: [1, 4] } },
        { column: 'c', kind: 'categorical', test: null, statistic: null, score: null, threshold: null, drifted: false, verdict: 'skipped', note: 'no values in either table', histogram: null },
      ],
    });
    expect(report?.columns.map((column) => [column.column, column.drifted])).toEqual([['b', true], ['a', false], ['c', false]]);
    expect(report?.columns[0]?.histogram).toMatchObject({ type: 'categories', categories: ['x', 'y'] });
    expect(report?.columns[2]).toMatchObject({ verdict: 'skipped', histogram: null, note: 'no values in either table' });
    expect(findDriftReport({ rules: [] })).toBeNull();
    expect(findDriftReport({ kind: 'drift' })).toBeNull();
  });
});
