/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string
 * alignment), so the usual typos — `data.cvs`, `tset` — are one step from the real name.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let beforePrevious = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, beforePrevious[j - 2]! + 1);
      current[j] = best;
    }
    [beforePrevious, previous, current] = [previous, current, beforePrevious];
  }
  return previous[b.length]!;
}

function tolerance(word: string): number {
  if (word.length <= 3) return 1;
  if (word.length <= 6) return 2;
  return 3;
}

/**
 * The candidate the user most likely meant, or undefined when none is close. Compares
 * case-insensitively, and for dotted names (`data.csv`) also against the last part, so
 * `csv` suggests `data.csv`. Ties go to the candidate that sorts first.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  const wanted = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of [...new Set(candidates)].sort()) {
    const lower = candidate.toLowerCase();
    const lastPart = lower.slice(lower.lastIndexOf('.') + 1);
    const distance = Math.min(editDistance(wanted, lower), lastPart === lower ? Infinity : editDistance(wanted, lastPart) + 0.5);
    // A suggestion must share something with the word: `z` is not a typo of `x`.
    if (distance > tolerance(wanted) + 0.5 || distance >= wanted.length) continue;
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}

/** ` (did you mean 'x'?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined || match === word ? '' : ` (did you mean '${match}'?)`;
}
