import { describe, expect, it } from 'vitest';
import type { ModelBundle } from '../ml/bundle-format.js';
import { accessLine, isoTime, PredictionLines } from './log-lines.js';
import type { PredictionResult } from './predictor.js';

const bundle = (classes?: readonly unknown[]) => ({ classes }) as unknown as ModelBundle;

describe('log lines', () => {
  it('writes a classification record that parses back to exactly the record JSON.stringify would write', () => {
    const lines = new PredictionLines('pen"guins', 'v"1', bundle(['Adelie', 2, true]), ['bill', 'is"land', 'naïve\n']);
    const result: PredictionResult = { rows: 2, predictions: ['Adelie', 2], probabilities: new Float32Array([0.1, 0.7, 0.2, Number.NaN, 1, 0]), classIndex: new Int32Array([0, 1]) };
    const columns = [[39.1, null], ['Tor"gersen', 'é\u2028\\'], [true, -0]];
    const line = lines.line('abc-1', 1_700_000_000_123, 0.25, columns, result);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    const expected = {
      id: 'abc-1',
      time: new Date(1_700_000_000_123).toISOString(),
      model: 'pen"guins',
      version: 'v"1',
      latencyMs: 0.25,
      rows: 2,
      features: { bill: [39.1, null], 'is"land': ['Tor"gersen', 'é\u2028\\'], 'naïve\n': [true, -0] },
      predictions: ['Adelie', 2],
      probabilities: [Array.from(result.probabilities!.subarray(0, 3)), [null, 1, 0]],
      classes: ['Adelie', '2', 'true'],
    };
    expect(line).toBe(JSON.stringify(expected) + '\n');
  });

  it('leaves out features when the sample skips them, and probabilities for regression', () => {
    const lines = new PredictionLines('cars', '3', bundle(undefined), ['hp']);
    const result: PredictionResult = { rows: 1, predictions: [21.5], probabilities: null, classIndex: null };
    const line = lines.line('r', 0, Number.POSITIVE_INFINITY, undefined, result);
    expect(JSON.parse(line)).toEqual({ id: 'r', time: '1970-01-01T00:00:00.000Z', model: 'cars', version: '3', latencyMs: null, rows: 1, predictions: [21.5] });
  });

  it('writes access entries as JSON.stringify would, and caches the time per millisecond correctly', () => {
    const entry = { time: isoTime(5), id: 'id-1', method: 'POST', path: '/v1/models/a"b:predict\u0001', route: '/v1/models/{m}:predict', status: 200, ms: 0.125, model: 'a"b', version: '1' };
    expect(accessLine(entry)).toBe(JSON.stringify(entry) + '\n');
    expect(accessLine({ ...entry, rows: 3 })).toBe(JSON.stringify({ ...entry, rows: 3 }) + '\n');
    expect(isoTime(6)).toBe(new Date(6).toISOString());
    expect(isoTime(5)).toBe(new Date(5).toISOString());
  });
});
