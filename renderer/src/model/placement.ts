/**
 * Where a new node goes: where it was asked for when that spot is free, else the nearest
 * spot that keeps a gap to every other node, so no card hides another's handles.
 */
import type { XY } from './document';
import type { Size } from './layout';

export interface Box {
  readonly position: XY;
  readonly size: Size;
}

/** Space kept between cards: enough to see and grab the handles on their edges. */
export const PLACEMENT_GAP = 32;

function overlaps(at: XY, size: Size, other: Box, gap: number): boolean {
  return (
    at.x < other.position.x + other.size.width + gap &&
    other.position.x < at.x + size.width + gap &&
    at.y < other.position.y + other.size.height + gap &&
    other.position.y < at.y + size.height + gap
  );
}

/**
 * The free spot nearest to `desired` for a card of `size`. Candidates line up with the
 * wanted point or sit just beside another card on some side; the nearest free one wins
 * (one exists: right of the rightmost card).
 */
export function clearPosition(desired: XY, size: Size, others: readonly Box[], gap = PLACEMENT_GAP): XY {
  const free = (at: XY) => others.every((other) => !overlaps(at, size, other, gap));
  if (free(desired)) return desired;
  const xs = new Set([desired.x]);
  const ys = new Set([desired.y]);
  for (const other of others) {
    xs.add(other.position.x + other.size.width + gap);
    xs.add(other.position.x - size.width - gap);
    ys.add(other.position.y + other.size.height + gap);
    ys.add(other.position.y - size.height - gap);
  }
  let best: XY | undefined;
  let bestDistance = Infinity;
  for (const x of xs) {
    for (const y of ys) {
      const distance = Math.hypot(x - desired.x, y - desired.y);
      if (distance < bestDistance && free({ x, y })) {
        best = { x, y };
        bestDistance = distance;
      }
    }
  }
  return best ?? desired;
}
