import { describe, expect, it } from 'vitest';
import { newRunId, RUN_ID_PATTERN } from './run-id.js';

describe('run ids', () => {
  it('read as the UTC start time plus a random suffix', () => {
    expect(newRunId(new Date(Date.UTC(2026, 10, 26, 10, 15, 2)), '3fa9')).toBe('20261126-101502-3fa9');
    expect(newRunId()).toMatch(RUN_ID_PATTERN);
  });

  it('sort by start time', () => {
    const times = [Date.UTC(2025, 0, 9, 23, 59, 59), Date.UTC(2025, 0, 10, 0, 0, 0), Date.UTC(2026, 11, 31, 9, 0, 0)];
    const ids = times.map((time) => newRunId(new Date(time), 'ffff'));
    expect([...ids].sort()).toEqual(ids);
  });
});
