import { describe, expect, it } from 'vitest';
import { RequestIds } from './request-ids.js';

describe('request ids', () => {
  it('keeps a sane client id and makes up one otherwise, unique per process', () => {
    const ids = new RequestIds();
    expect(ids.issue('client-42')).toBe('client-42');
    expect(ids.issue(['first', 'second'])).toBe('first');
    const made = [ids.issue(undefined), ids.issue('a b\u00e9'), ids.issue('x'.repeat(129)), ids.issue('')];
    for (const id of made) expect(id).toMatch(/^[0-9a-f]{16}-[0-9a-f]{12}$/);
    expect(new Set(made).size).toBe(4);
    // Another process (another server, a restart) draws another prefix.
    expect(new RequestIds().issue(undefined).slice(0, 17)).not.toBe(made[0]!.slice(0, 17));
  });

  it('knows the ids it answered, made up or the client’s, and forgets the oldest past its limit', () => {
    const ids = new RequestIds(10);
    const made = Array.from({ length: 25 }, () => ids.issue(undefined));
    expect(made.slice(-10).every((id) => ids.known(id))).toBe(true);
    expect(made.slice(0, 15).some((id) => ids.known(id))).toBe(false);
    // A made-up-looking id this process never issued is unknown.
    const other = new RequestIds().issue(undefined);
    expect(ids.known(other)).toBe(false);
    expect(ids.known(made[0]!.slice(0, 17) + 'ffffffffffff')).toBe(false);

    for (let k = 0; k < 30; k++) ids.answered(`client-${k}`);
    expect(ids.known('client-29')).toBe(true);
    expect(ids.known('client-25')).toBe(true);
    expect(ids.known('client-0')).toBe(false);
    expect(ids.known('never-seen')).toBe(false);
  });

  it('forgets client ids a generation at a time, never entry by entry', () => {
    const ids = new RequestIds(1000);
    for (let k = 0; k < 200_000; k++) ids.answered(`c${k}`);
    // Two generations of at most 500 each: the newest 500–1000 are known, older ones are not.
    expect(ids.known('c199999')).toBe(true);
    expect(ids.known('c199500')).toBe(true);
    expect(ids.known('c198000')).toBe(false);
  });
});
