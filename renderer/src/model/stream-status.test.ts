import { describe, expect, it } from 'vitest';
import { lagText, payloadExcerpt, sourceStateText, sourceTone, throughputText } from './stream-status';

describe('stream status text', () => {
  it('shows a source that is down with its reason and the time to its next try', () => {
    const down = { state: 'down' as const, detail: 'broker mqtt://127.0.0.1:1 unreachable', retryAt: 12_500, since: 0 };
    expect(sourceStateText(down, 10_000)).toBe('down: broker mqtt://127.0.0.1:1 unreachable · retrying in 2.5 s');
    expect(sourceStateText({ ...down, retryAt: 9_000 }, 10_000)).toBe('down: broker mqtt://127.0.0.1:1 unreachable · retrying in 0.0 s');
    expect(sourceTone(down)).toBe('down');
    expect(sourceStateText({ state: 'connected', since: 0 })).toBe('connected');
    expect(sourceTone({ state: 'listening', since: 0 })).toBe('ok');
    expect(sourceTone({ state: 'connecting', since: 0 })).toBe('waiting');
  });

  it('formats throughput, lag and payload excerpts', () => {
    expect(throughputText(0)).toBe('0 rows/s');
    expect(throughputText(2.345)).toBe('2.35 rows/s');
    expect(throughputText(12_345.6)).toBe('12,346 rows/s');
    expect(lagText(250.4)).toBe('250 ms');
    expect(lagText(2500)).toBe('2.5 s');
    expect(lagText(125_000)).toBe('2 min 5 s');
    expect(payloadExcerpt('{"id": 1,\n  "temp": "hot"}')).toBe('{"id": 1, "temp": "hot"}');
    expect(payloadExcerpt('x'.repeat(100), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});
