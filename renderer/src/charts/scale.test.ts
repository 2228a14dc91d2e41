import { describe, expect, it } from 'vitest';
import { formatNumber, niceTicks } from './scale';

describe('chart scales', () => {
  it('makes round ticks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0.13, 0.92)).toEqual([0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(3, 3)).toEqual([3]);
  });

  it('formats numbers for people', () => {
    expect(formatNumber(1234)).toBe('1,234');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.00001)).toBe('1.00e-5');
  });
});
