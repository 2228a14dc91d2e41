import { describe, expect, it } from 'vitest';
import { seededRandom } from '../data/random.js';
import { groupRows, matchRows } from './pit-join.js';

/** The reference grouping: rows with a code and a time, by (code, time, row), by a plain sort. */
function reference(codes: Int32Array, times: Float64Array): number[] {
  const rows = [...codes.keys()].filter((row) => codes[row]! >= 0 && !Number.isNaN(times[row]!));
  return rows.sort((a, b) => codes[a]! - codes[b]! || times[a]! - times[b]! || a - b);
}

describe('groupRows', () => {
  for (const [label, time] of [
    ['whole milliseconds (packed native sort)', (random: () => number) => 1.7e12 + Math.floor(random() * 1000)],
    ['fractional times (radix sort of every row)', (random: () => number) => random() * 100 - 50],
    ['times too far apart to pack (radix sort)', (random: () => number) => (random() < 0.5 ? -1e300 : 1) * Math.floor(random() * 1e6)],
  ] as const) {
    it(`groups rows by code in time order, ties in row order: ${label}`, () => {
      const random = seededRandom(label.length);
      const n = 5000;
      const codes = new Int32Array(n);
      const times = new Float64Array(n);
      for (let row = 0; row < n; row++) {
        codes[row] = random() < 0.05 ? -1 : Math.floor(random() * 40);
        times[row] = random() < 0.02 ? NaN : time(random);
        if (row > 0 && random() < 0.1) times[row] = times[row - 1]!; // ties
      }
      times[7] = -0;
      times[8] = 0;
      const grouped = groupRows(codes, times, 40);
      expect(Array.from(grouped.order)).toEqual(reference(codes, times));
      expect(Array.from(grouped.times)).toEqual(Array.from(grouped.order, (row) => times[row]!));
    });
  }

  it('matchRows: the last row at or before each time, within the TTL, or -1', () => {
    const codes = Int32Array.from([0, 0, 0, 1]);
    const times = Float64Array.from([10, 20, 20, 5]);
    const grouped = groupRows(codes, times, 2);
    const entityCodes = Int32Array.from([0, 0, 0, 0, 1, -1, 0]);
    const entityTimes = Float64Array.from([9, 10, 25, 31, 100, 10, NaN]);
    expect(Array.from(matchRows(grouped, entityCodes, entityTimes, null))).toEqual([-1, 0, 2, 2, 3, -1, -1]);
    expect(Array.from(matchRows(grouped, entityCodes, entityTimes, 10))).toEqual([-1, 0, 2, -1, -1, -1, -1]);
  });
});
