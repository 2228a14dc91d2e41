import { describe, expect, it } from 'vitest';
import { clearPosition, PLACEMENT_GAP, type Box } from './placement';

const size = { width: 200, height: 100 };
const overlaps = (a: Box, b: Box) =>
  a.position.x < b.position.x + b.size.width && b.position.x < a.position.x + a.size.width && a.position.y < b.position.y + b.size.height && b.position.y < a.position.y + a.size.height;

describe('placing a new node', () => {
  it('keeps the wanted spot when it is free', () => {
    expect(clearPosition({ x: 10, y: 20 }, size, [{ position: { x: 400, y: 20 }, size }])).toEqual({ x: 10, y: 20 });
  });

  it('moves off a card it would cover, to the nearest side with a gap', () => {
    const other: Box = { position: { x: 0, y: 0 }, size };
    const at = clearPosition({ x: 20, y: 10 }, size, [other]);
    expect(overlaps({ position: at, size }, other)).toBe(false);
    // Below is nearest (10 → 132) rather than right (20 → 232).
    expect(at).toEqual({ x: 20, y: 100 + PLACEMENT_GAP });
  });

  it('finds a free spot among many cards', () => {
    const others: Box[] = [];
    for (let row = 0; row < 4; row++) for (let column = 0; column < 4; column++) others.push({ position: { x: column * 240, y: row * 130 }, size });
    const at = clearPosition({ x: 250, y: 140 }, size, others);
    for (const other of others) expect(overlaps({ position: at, size }, other)).toBe(false);
  });
});
