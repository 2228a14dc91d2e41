import { describe, expect, it } from 'vitest';
import { withoutNodePrefix } from './messages';

describe('withoutNodePrefix', () => {
  it('drops the node name where the node is already in view', () => {
    expect(withoutNodePrefix("node 'split': required input 'table' is not connected", 'split')).toBe("Required input 'table' is not connected");
    expect(withoutNodePrefix("node 'sleep' is not connected to any other node; it still runs", 'sleep')).toBe('Not connected to any other node; it still runs');
    expect(withoutNodePrefix("node 'other': x", 'split')).toBe("node 'other': x");
  });
});
