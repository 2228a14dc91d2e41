/**
 * The point-in-time join on typed arrays: for each entity row, the latest feature row with
 * the same key at or before the row's timestamp (and within the TTL), never a later one.
 *
 * Keys are first turned into dense codes (keys.ts), then the feature rows are grouped by
 * code with a stable counting sort and each group put in timestamp order, ties in write
 * order (the row written last wins, as in pandas' merge_asof): packed into float64s and
 * sorted natively, or, for times too far apart to pack (fractional or huge spans), by a
 * stable LSD radix sort of every row by time before the grouping.
 * Each entity row then binary-searches its group. No per-row objects: O(n) memory in typed
 * arrays, O(n + m log g) time.
 */

/** The feature side, grouped: `order[starts[g]…starts[g+1])` are group g's rows by time; `times` alongside. */
export interface GroupedRows {
  readonly starts: Int32Array;
  readonly order: Int32Array;
  readonly times: Float64Array;
}

/**
 * Groups rows by `codes` (dense 0…groups-1; -1 for a missing key) in timestamp order; rows
 * with a missing key or timestamp (NaN) are left out.
 */
export function groupRows(codes: Int32Array, times: Float64Array, groups: number): GroupedRows {
  const grouped = countingSort(codes, times, groups, null);
  if (sortEachGroup(grouped)) return grouped;
  // Some group's times span too much to sort it packed: sort every row by time first.
  const byTime = radixSortByTime(codes, times, codes.length);
  return countingSort(codes, times, groups, byTime);
}

/**
 * Puts each group in time order (ties in row order), in place. A group out of order is
 * sorted with the engine's native numeric sort: each row packed into one float64 as
 * (time - the group's earliest) × size + position, exact while that stays below 2^53.
 * Returns false (leaving the grouping unusable) when some group does not fit that.
 */
function sortEachGroup({ starts, order, times }: GroupedRows): boolean {
  const groups = starts.length - 1;
  let scratch = new Float64Array(64);
  let rows = new Int32Array(64);
  let groupTimes = new Float64Array(64);
  for (let g = 0; g < groups; g++) {
    const start = starts[g]!;
    const end = starts[g + 1]!;
    let sorted = true;
    let min = Infinity;
    let max = -Infinity;
    for (let k = start; k < end; k++) {
      const t = times[k]!;
      if (k > start && times[k - 1]! > t) sorted = false;
      if (t < min) min = t;
      if (t > max) max = t;
    }
    if (sorted) continue;
    const size = end - start;
    if (!((max - min + 1) * size < 2 ** 53) || !Number.isInteger(max - min)) return false;
    if (scratch.length < size) {
      scratch = new Float64Array(size * 2);
      rows = new Int32Array(size * 2);
      groupTimes = new Float64Array(size * 2);
    }
    for (let k = 0; k < size; k++) {
      scratch[k] = (times[start + k]! - min) * size + k;
      rows[k] = order[start + k]!;
      groupTimes[k] = times[start + k]!;
    }
    const packed = scratch.subarray(0, size).sort();
    for (let k = 0; k < size; k++) {
      const value = packed[k]!;
      const position = value % size;
      order[start + k] = rows[position]!;
      times[start + k] = groupTimes[position]!;
    }
  }
  return true;
}

function countingSort(codes: Int32Array, times: Float64Array, groups: number, visit: Int32Array | null): GroupedRows {
  const starts = new Int32Array(groups + 1);
  const count = visit === null ? codes.length : visit.length;
  for (let k = 0; k < count; k++) {
    const i = visit === null ? k : visit[k]!;
    const code = codes[i]!;
    const time = times[i]!;
    if (code >= 0 && time === time) starts[code + 1]!++;
  }
  for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
  const total = starts[groups]!;
  const order = new Int32Array(total);
  const sorted = new Float64Array(total);
  const next = starts.slice(0, groups);
  for (let k = 0; k < count; k++) {
    const i = visit === null ? k : visit[k]!;
    const code = codes[i]!;
    const time = times[i]!;
    if (code < 0 || time !== time) continue;
    const at = next[code]!++;
    order[at] = i;
    sorted[at] = time;
  }
  return { starts, order, times: sorted };
}

/**
 * The indices of the rows with a code and a timestamp, in timestamp order, ties in index
 * order: an LSD radix sort over the float64 bit patterns (made order-preserving), 16 bits a
 * pass, skipping passes whose digit is the same for every row.
 */
function radixSortByTime(codes: Int32Array, times: Float64Array, n: number): Int32Array {
  let valid = 0;
  for (let i = 0; i < n; i++) if (codes[i]! >= 0 && times[i] === times[i]) valid++;
  let index = new Int32Array(valid);
  for (let i = 0, w = 0; i < n; i++) if (codes[i]! >= 0 && times[i] === times[i]) index[w++] = i;
  const bits = new Uint32Array(times.buffer, times.byteOffset, n * 2);
  // Sortable keys: flip every bit of a negative number, only the sign bit of a positive one.
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let k = 0; k < valid; k++) {
    const i = index[k]!;
    const h = bits[2 * i + 1]!;
    const l = bits[2 * i]!;
    const negative = h >>> 31 === 1;
    // -0 sorts with 0.
    const zero = (h & 0x7fffffff) === 0 && l === 0;
    hi[i] = zero ? 0x80000000 : negative ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    lo[i] = zero ? 0 : negative ? ~l >>> 0 : l;
  }
  const counts = new Int32Array(65536);
  let scratch = new Int32Array(valid);
  for (const [word, shift] of [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ] as const) {
    counts.fill(0);
    for (let k = 0; k < valid; k++) counts[(word[index[k]!]! >>> shift) & 0xffff]!++;
    if (valid === 0 || counts[(word[index[0]!]! >>> shift) & 0xffff] === valid) continue; // one digit everywhere: nothing to reorder
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < valid; k++) {
      const i = index[k]!;
      scratch[counts[(word[i]! >>> shift) & 0xffff]!++] = i;
    }
    [index, scratch] = [scratch, index];
  }
  return index;
}

/**
 * For each entity row: the feature row matched (an index into the feature side), or -1 when
 * no row of its key is at or before its timestamp (or, with `ttlMs`, none is at least
 * `timestamp - ttlMs`: the TTL bound is inclusive, like merge_asof's tolerance).
 */
export function matchRows(grouped: GroupedRows, entityCodes: Int32Array, entityTimes: Float64Array, ttlMs: number | null): Int32Array {
  const { starts, order, times } = grouped;
  const m = entityCodes.length;
  const matched = new Int32Array(m);
  const groups = starts.length - 1;
  for (let j = 0; j < m; j++) {
    const code = entityCodes[j]!;
    const t = entityTimes[j]!;
    if (code < 0 || code >= groups || t !== t) {
      matched[j] = -1;
      continue;
    }
    let lo = starts[code]!;
    let hi = starts[code + 1]!;
    // The first position with a time later than t; the one before it is the match.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    const at = lo - 1;
    if (at < starts[code]! || (ttlMs !== null && times[at]! < t - ttlMs)) matched[j] = -1;
    else matched[j] = order[at]!;
  }
  return matched;
}
