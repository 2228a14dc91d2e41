import { describe, expect, it } from 'vitest';
import { seededRandom } from '../data/random.js';
import { sortFloat64 } from './sort.js';

describe('sortFloat64', () => {
  it('orders like Float64Array.prototype.sort: negatives, zeros, infinities, ties, subnormals', () => {
    const next = seededRandom(7);
    const values = new Float64Array(50_000).map((_, i) => (i % 7 === 0 ? Math.round(next() * 10) - 5 : (next() - 0.5) * 10 ** Math.round(next() * 20 - 10)));
    values.set([0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE], 0);
    const expected = values.slice().sort();
    const actual = sortFloat64(values.slice());
    expect(Array.from(actual).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(Array.from(expected).map((v) => (Object.is(v, -0) ? '-0' : v)));
    expect(Array.from(sortFloat64(Float64Array.of(3, -1, 2)))).toEqual([-1, 2, 3]);
  });
});
