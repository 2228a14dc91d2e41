import { describe, expect, it } from 'vitest';
import { cronMatches, firedBetween, nextFiring, parseCron } from './cron.js';

const at = (iso: string) => new Date(iso);
const next = (expression: string, after: string) => nextFiring(parseCron(expression), at(after))?.toISOString() ?? null;

describe('parseCron', () => {
  it('reads *, lists, ranges, steps, names and macros', () => {
    const schedule = parseCron('*/15 9-17 1,15 jan-mar mon-fri');
    expect([...schedule.minutes]).toEqual([0, 15, 30, 45]);
    expect([...schedule.hours]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...schedule.days]).toEqual([1, 15]);
    expect([...schedule.months]).toEqual([1, 2, 3]);
    expect([...schedule.weekdays]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('10-50/20 * * * *').minutes]).toEqual([10, 30, 50]);
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
    expect([...parseCron('0 0 * * 7').weekdays]).toEqual([0]);
    expect(parseCron('@daily').minutes).toEqual(new Set([0]));
  });

  it('names the field of a mistake', () => {
    expect(() => parseCron('0 25 * * *')).toThrow("field 2 (hour) '25' is out of range 0-23");
    expect(() => parseCron('61 * * * *')).toThrow("field 1 (minute) '61' is out of range 0-59");
    expect(() => parseCron('* * 0 * *')).toThrow("field 3 (day of month) '0' is out of range 1-31");
    expect(() => parseCron('* * * foo *')).toThrow(/field 4 \(month\) 'foo' is not a number or a name/);
    expect(() => parseCron('*/0 * * * *')).toThrow("field 1 (minute) step '0' in '*/0' must be a whole number ≥ 1");
    expect(() => parseCron('5-1 * * * *')).toThrow("field 1 (minute) range '5-1' goes backwards");
    expect(() => parseCron('* * * *')).toThrow('expected 5 fields');
    expect(() => parseCron('1,,2 * * * *')).toThrow(/field 1 \(minute\) .* empty list item/);
  });
});

describe('nextFiring (UTC)', () => {
  it('finds the next minute strictly after the given time', () => {
    expect(next('* * * * *', '2024-05-01T10:00:00.000Z')).toBe('2024-05-01T10:01:00.000Z');
    expect(next('* * * * *', '2024-05-01T10:00:30.000Z')).toBe('2024-05-01T10:01:00.000Z');
    expect(next('30 3 * * *', '2024-05-01T03:30:00.000Z')).toBe('2024-05-02T03:30:00.000Z');
    expect(next('0 0 1 * *', '2024-12-15T00:00:00.000Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(next('0 12 * * mon', '2024-05-01T00:00:00.000Z')).toBe('2024-05-06T12:00:00.000Z'); // 1 May 2024 is a Wednesday
  });

  it('leap days, impossible dates and the day-of-month OR day-of-week rule', () => {
    expect(next('0 0 29 2 *', '2024-03-01T00:00:00.000Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 30 2 *', '2024-01-01T00:00:00.000Z')).toBeNull();
    // Both day fields restricted: the 13th or any Friday.
    expect(next('0 0 13 * fri', '2024-05-01T00:00:00.000Z')).toBe('2024-05-03T00:00:00.000Z');
    expect(next('0 0 13 * fri', '2024-05-10T00:00:00.000Z')).toBe('2024-05-13T00:00:00.000Z');
  });

  it('is DST-free: the Sunday clocks change in Europe and the US has 24 hourly firings', () => {
    const schedule = parseCron('0 * * * *');
    for (const day of ['2024-03-31T00:00:00.000Z', '2024-03-10T00:00:00.000Z', '2024-10-27T00:00:00.000Z']) {
      let time = new Date(at(day).getTime() - 1);
      const hours: number[] = [];
      for (let i = 0; i < 24; i += 1) {
        time = nextFiring(schedule, time)!;
        hours.push(time.getUTCHours());
        expect(cronMatches(schedule, time)).toBe(true);
      }
      expect(hours).toEqual(Array.from({ length: 24 }, (_, i) => i));
    }
  });

  it('firedBetween: a firing after the last one and up to now was missed', () => {
    const schedule = parseCron('0 3 * * *');
    expect(firedBetween(schedule, at('2024-05-01T03:00:00Z'), at('2024-05-02T02:59:00Z'))).toBe(false);
    expect(firedBetween(schedule, at('2024-05-01T03:00:00Z'), at('2024-05-02T03:00:00Z'))).toBe(true);
    expect(firedBetween(schedule, at('2024-05-01T03:00:00Z'), at('2024-05-09T00:00:00Z'))).toBe(true);
  });
});
