import { describe, expect, it } from 'vitest';
import { closestMatch, didYouMean, editDistance } from './suggest.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['kitten', 'sitting', 3],
    ['test', 'tset', 1],
    ['data.csv', 'data.cvs', 1],
    ['ab', 'ba', 1],
  ])('%s ↔ %s = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('closestMatch', () => {
  const types = ['data.csv', 'data.split', 'data.jsonl', 'train.dense', 'eval.model'];
  it('suggests the type the user meant', () => {
    expect(closestMatch('data.cvs', types)).toBe('data.csv');
    expect(closestMatch('Data.CSV', types)).toBe('data.csv');
    expect(closestMatch('csv', types)).toBe('data.csv');
    expect(closestMatch('train.dens', types)).toBe('train.dense');
    expect(closestMatch('dense', types)).toBe('train.dense');
  });

  it('suggests nothing when nothing is close', () => {
    expect(closestMatch('monitor.drift', types)).toBeUndefined();
    expect(closestMatch('z', ['x', 'y'])).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });

  it('breaks ties by sort order', () => {
    expect(closestMatch('ab', ['ac', 'aa'])).toBe('aa');
  });

  it('didYouMean is empty for an exact match or no match', () => {
    expect(didYouMean('tset', ['test', 'seed'])).toBe(" (did you mean 'test'?)");
    expect(didYouMean('test', ['test'])).toBe('');
    expect(didYouMean('qqq', ['test'])).toBe('');
  });
});
