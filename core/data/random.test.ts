import { describe, expect, it } from 'vitest';
import { seededRandom, shuffleInPlace } from './random.js';

describe('seededRandom', () => {
  it('gives the pinned mulberry32 sequence (splits and bench files depend on it)', () => {
    const zero = seededRandom(0);
    expect([zero(), zero(), zero()]).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197]);
    const one = seededRandom(1);
    expect([one(), one(), one()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
  });

  it('stays in [0, 1)', () => {
    const next = seededRandom(123);
    for (let k = 0; k < 1000; k++) {
      const value = next();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });
});

describe('shuffleInPlace', () => {
  it('permutes the items, the same way for the same seed', () => {
    const a = Array.from({ length: 20 }, (_, k) => k);
    const b = [...a];
    shuffleInPlace(a, seededRandom(5));
    shuffleInPlace(b, seededRandom(5));
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, k) => k));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, k) => k));
  });
});
