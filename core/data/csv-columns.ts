/**
 * Turning one CSV column into an Arrow column. A ColumnReader consumes rows block by
 * block, right after the block is tokenized (its bytes still in the CPU cache): it
 * classifies every cell, keeps numbers in an Int32Array (switching to a Float64Array at
 * the first value that needs it) and, once the column looks like text, copies cells into
 * a UTF-8 buffer. `finish` decides the type from every cell and hands the typed arrays to
 * Arrow as they are (no per-row builders, no JS strings, no extra copies).
 *
 * Fresh memory is costly (the first write to each page faults), so nothing is allocated
 * that the column's type does not need, and nothing is kept per cell but its value: a bit
 * for missing and `true` cells, and the rows of the few text cells in a numeric column.
 */
import { Bool, Float64, Int32, Utf8, makeData, type Data } from 'apache-arrow';
import { CELL_BOOL, CELL_FLOAT, CELL_INT, CELL_MISSING, CELL_OTHER, EXACT_DOUBLES, classifyCell, unquoteInto } from './csv-cells.js';
import { NodeError } from '../base/errors.js';
import { ASCII } from './ascii.js';
import type { Tokens } from './csv-tokenize.js';

// Module-local consts for the hot loop (see ascii.ts).
const { DOT, LOWER_E, MINUS, PLUS, QUOTE, ZERO } = ASCII;
const { MAX_EXACT_DIGITS, MAX_EXACT_POWER, POW10 } = EXACT_DOUBLES;

/** Cell kind for `true` (CELL_BOOL is `false`), so booleans need no value array. */
const CELL_TRUE = 5;
const INT32_MIN = -2147483648;
const MAX_TEXT_BYTES = 0x7fffffff;
const INT32_MAX = 2147483647;
/**
 * First bytes a number, boolean, infinity or missing marker can start with (digits, sign,
 * dot, N n t T f F i I, blanks, quote). A cell starting with any other byte is text.
 */
const MAY_BE_VALUE = (() => {
  const table = new Uint8Array(256);
  for (const c of '0123456789+-.NntTfFiI "') table[c.charCodeAt(0)] = 1;
  table[9] = 1;
  return table;
})();

export type InferredType = 'int' | 'float' | 'bool' | 'string';

/** A numeric column tolerates stray text cells (reported as bad rows) up to this share. */
export const NUMERIC_SHARE = 0.95;

export interface ColumnResult {
  readonly type: InferredType;
  readonly data: Data<Int32> | Data<Float64> | Data<Bool> | Data<Utf8>;
  /** Row positions of cells that are text (or booleans) in a numeric column. */
  readonly strays: readonly number[];
}

/**
 * One block of rows: `records[k]` (k < count) is the record index, in `tokens`, of the
 * block's k-th good row; token offsets point into `bytes`.
 */
export interface RowBlock {
  readonly bytes: Uint8Array;
  readonly tokens: Tokens;
  readonly records: Uint32Array;
  readonly count: number;
}

/**
 * Visits again, in order, the blocks holding rows 0 .. throughRow - 1 (the last block may
 * hold more rows: the visitor must stop at throughRow).
 */
export type Replay = (throughRow: number, visit: (block: RowBlock) => void) => void;

/** A text column's cells of one chunk: UTF-8 bytes, offsets from 0, and the validity bits once a cell was null. */
export interface TextParts {
  readonly data: Uint8Array;
  readonly offsets: Int32Array;
  /** Bit clear = null; rows past its end are valid. Undefined when no cell is null. */
  readonly bitmap: Uint8Array | undefined;
  readonly nullCount: number;
}

/** One column of one chunk of rows, as ColumnReader.parts() gives it. Bit arrays hold `count` bits, bits past it clear. */
export interface ColumnParts {
  readonly count: number;
  readonly missing: number;
  readonly ints: number;
  readonly floats: number;
  readonly bools: number;
  readonly others: number;
  /** Bit set = the cell is missing; undefined when none is. */
  readonly missingBits: Uint8Array | undefined;
  /** Bit set = the cell is `true`; undefined when none is. */
  readonly trueBits: Uint8Array | undefined;
  /** Rows (from 0) whose cell is text or a boolean, or undefined when the reader stopped listing them. */
  readonly strayRows: Uint32Array | undefined;
  /** The reader stopped classifying cells of a column already settled as text: the counts are lower bounds. */
  readonly settled: boolean;
  readonly int32: Int32Array | undefined;
  readonly float64: Float64Array | undefined;
  readonly text: TextParts | undefined;
}

/** Reusable scratch memory for unquoting fields. */
export class Scratch {
  buffer = new Uint8Array(1024);
  fit(length: number): Uint8Array {
    if (this.buffer.length < length) this.buffer = new Uint8Array(Math.max(length, this.buffer.length * 2));
    return this.buffer;
  }
}

/** A copy of `array`'s first `used` items in a larger array: at least `minimum` long, and `factor` times as long as before (at most `cap`). */
function grown<T extends Uint8Array | Int32Array | Uint32Array | Float64Array>(array: T, minimum: number, used: number, cap = Infinity, factor = 2): T {
  const next = new (array.constructor as new (length: number) => T)(Math.min(cap, Math.max(minimum, Math.ceil(array.length * factor))));
  next.set(array.subarray(0, used));
  return next;
}

const cell = new Float64Array(1);

/**
 * Rows of text or boolean cells (numeric columns' strays) listed one by one up to this
 * many, and beyond it while they stay under this share of the rows; past both the list is
 * dropped (a text or boolean column) and, should the column still end numeric, `finish`
 * finds them by a replay.
 */
const STRAY_LIST_ROWS = 1024;
const STRAY_LIST_SHARE = 1 - NUMERIC_SHARE;
/**
 * Once a column keeps text and more than this share of the rows expected in the whole
 * file are text cells, it can only end as text (see `finish`): its later cells are copied
 * without being classified.
 */
const SETTLE_SHARE = 2 * (1 - NUMERIC_SHARE);

export interface ColumnReaderOptions {
  /** Keep a text copy once the column looks like text (default true). */
  readonly text?: boolean;
}

/**
 * Reads column `column` row after row. Type, decided in `finish` from every cell: bool
 * when every non-missing cell is true/false; numeric when at least 95% of non-missing
 * cells are numbers (the rest become `strays`), Int32 when all are integers that fit,
 * else Float64; otherwise string. A column with no value at all is string.
 *
 * Nothing per cell is kept besides the values themselves: numbers go straight into the
 * column's Int32Array or Float64Array, missing cells and `true` cells set a bit (arrays
 * made at the first such cell), and the rows of text cells in a mostly numeric column are
 * listed. Unwritten value slots stay 0, so equal files give equal bytes.
 */
export class ColumnReader {
  private int32: Int32Array | undefined;
  private float64: Float64Array | undefined;
  private missingBits: Uint8Array | undefined;
  private trueBits: Uint8Array | undefined;
  private strayRows: Uint32Array | undefined = new Uint32Array(16);
  private strayCount = 0;
  private count = 0;
  private missing = 0;
  private ints = 0;
  private floats = 0;
  private bools = 0;
  private others = 0;
  /** True once cells are no longer classified (see SETTLE_SHARE). */
  private settled = false;
  /** The text copy, started once the column looks like text (more than 5% non-numbers). */
  private text: Utf8Buffer | undefined;
  private readonly keepText: boolean;

  constructor(
    private readonly column: number,
    private capacity: number,
    private readonly scratch: Scratch,
    options: ColumnReaderOptions = {},
  ) {
    this.keepText = options.text ?? true;
  }

  /** Classifies the block's rows, which follow the rows consumed so far. */
  consume(block: RowBlock, replay: Replay): void {
    const from = this.count;
    const to = from + block.count;
    if (to > this.capacity) this.grow(to);
    if (this.settled && this.text) {
      this.text.append(block, this.column, from);
      this.count = to;
      return;
    }
    const { column } = this;
    let { int32, float64 } = this;
    const { fieldStart, recordField } = block.tokens;
    const { records, bytes } = block;
    let { missing, ints, floats, bools, others } = this;
    for (let p = from, k = 0; p < to; p++, k++) {
      const f = recordField[records[k]!]! + column;
      const s = fieldStart[f]!;
      const e = fieldStart[f + 1]! - 1;
      if (s === e) {
        this.markMissing(p);
        missing++;
        continue;
      }
      const first = bytes[s]!;
      if (MAY_BE_VALUE[first] === 0) {
        // Starts like no number, boolean or missing marker: text, no need to look further.
        this.markStray(p);
        others++;
        continue;
      }
      // Fast paths, inlined. A plain unquoted [-]digits[.digits][e[-]digits] with at most
      // 15 digits and a net power of ten within ±22 is exact as digits × or ÷ 10^k (both
      // exact doubles, one rounding: the same result as Number()).
      let i = s;
      const negative = first === MINUS;
      if (negative) i++;
      const integerStart = i;
      let mantissa = 0;
      while (i < e) {
        const d = bytes[i]! - ZERO;
        if (d < 0 || d > 9) break;
        mantissa = mantissa * 10 + d;
        i++;
      }
      let digits = i - integerStart;
      let kind: number;
      let value = 0;
      // '-0' is a float cell: an integer column would lose its sign (Number('-0') is -0).
      if (i === e && digits > 0 && digits <= MAX_EXACT_DIGITS && !(negative && mantissa === 0)) {
        kind = CELL_INT;
        value = negative ? -mantissa : mantissa;
      } else {
        let scale = 0;
        if (i < e && bytes[i] === DOT) {
          const fractionStart = ++i;
          while (i < e) {
            const d = bytes[i]! - ZERO;
            if (d < 0 || d > 9) break;
            mantissa = mantissa * 10 + d;
            i++;
          }
          digits += i - fractionStart;
          scale = fractionStart - i;
        }
        if (i < e && (bytes[i]! | 32) === LOWER_E && digits > 0 && i + 1 < e) {
          i++;
          const exponentNegative = bytes[i] === MINUS;
          if (exponentNegative || bytes[i] === PLUS) i++;
          const exponentStart = i;
          let exponent = 0;
          while (i < e && i - exponentStart < 4) {
            const d = bytes[i]! - ZERO;
            if (d < 0 || d > 9) break;
            exponent = exponent * 10 + d;
            i++;
          }
          if (i === exponentStart) i = -1; // no exponent digits: not for the fast path
          scale += exponentNegative ? -exponent : exponent;
        }
        if (i === e && digits > 0 && digits <= MAX_EXACT_DIGITS && scale >= -MAX_EXACT_POWER && scale <= MAX_EXACT_POWER) {
          kind = CELL_FLOAT;
          value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
          if (negative) value = -value;
        } else if (e - s === 4 && first === 116 && bytes[s + 1] === 114 && bytes[s + 2] === 117 && bytes[s + 3] === 101) {
          kind = CELL_TRUE;
        } else if (e - s === 5 && first === 102 && bytes[s + 1] === 97 && bytes[s + 2] === 108 && bytes[s + 3] === 115 && bytes[s + 4] === 101) {
          kind = CELL_BOOL;
        } else {
          // Everything else (quoted, padded, signs, long numbers, markers, any case of true).
          if (first !== QUOTE) {
            kind = classifyCell(bytes, s, e, cell, 0);
          } else {
            const buffer = this.scratch.fit(e - s);
            kind = classifyCell(buffer, 0, unquoteInto(bytes, s, e, buffer, 0), cell, 0);
          }
          value = cell[0]!;
          if (kind === CELL_BOOL && value === 1) kind = CELL_TRUE;
        }
      }
      if (kind === CELL_INT || kind === CELL_FLOAT) {
        if (float64 !== undefined) {
          float64[p] = value;
        } else if (kind === CELL_INT && value >= INT32_MIN && value <= INT32_MAX) {
          int32 ??= this.int32 = new Int32Array(this.capacity);
          int32[p] = value;
        } else {
          float64 = this.toFloat64(p);
          int32 = undefined;
          float64[p] = value;
        }
        if (kind === CELL_INT) ints++;
        else floats++;
      } else if (kind === CELL_MISSING) {
        this.markMissing(p);
        missing++;
      } else {
        this.markStray(p);
        if (kind === CELL_OTHER) {
          others++;
        } else {
          if (kind === CELL_TRUE) (this.trueBits ??= new Uint8Array((this.capacity + 7) >> 3))[p >> 3]! |= 1 << (p & 7);
          bools++;
        }
      }
    }
    this.missing = missing;
    this.ints = ints;
    this.floats = floats;
    this.bools = bools;
    this.others = others;
    this.count = to;
    if (this.text) {
      this.text.append(block, column, from);
      // Past this many text cells the column cannot end numeric (unless the file is far longer than expected: `finish` checks).
      if (others > SETTLE_SHARE * this.capacity) this.settled = true;
    } else if (this.keepText && others > 0 && others > (to - missing) * (1 - NUMERIC_SHARE)) {
      this.startText(block, replay);
    }
  }

  private markMissing(p: number): void {
    (this.missingBits ??= new Uint8Array((this.capacity + 7) >> 3))[p >> 3]! |= 1 << (p & 7);
  }

  /** Lists row `p` as a text or boolean cell, while the list is kept. */
  private markStray(p: number): void {
    let rows = this.strayRows;
    if (rows === undefined) return;
    const n = this.strayCount;
    if (n === rows.length) {
      if (n >= STRAY_LIST_ROWS && n > p * STRAY_LIST_SHARE) {
        this.strayRows = undefined;
        return;
      }
      rows = this.strayRows = grown(rows, n * 2, n);
    }
    rows[n] = p;
    this.strayCount = n + 1;
  }

  /** From here on numbers are kept as doubles: the ints of rows before `upTo` move over (unwritten slots are 0 in both). */
  private toFloat64(upTo: number): Float64Array {
    const float64 = new Float64Array(this.capacity);
    if (this.int32) float64.set(this.int32.subarray(0, upTo));
    this.int32 = undefined;
    this.float64 = float64;
    return float64;
  }

  private grow(minimum: number): void {
    const used = this.count;
    const capacity = Math.max(minimum, this.capacity * 2);
    const bytes = (capacity + 7) >> 3;
    if (this.int32) this.int32 = grown(this.int32, capacity, used);
    if (this.float64) this.float64 = grown(this.float64, capacity, used);
    if (this.missingBits) this.missingBits = grown(this.missingBits, bytes, (used + 7) >> 3);
    if (this.trueBits) this.trueBits = grown(this.trueBits, bytes, (used + 7) >> 3);
    this.capacity = capacity;
  }

  /** Starts the text copy with every row so far (the current block is the last one). */
  private startText(current: RowBlock, replay: Replay): Utf8Buffer {
    const before = this.count - current.count;
    let sampleBytes = 0;
    const { fieldStart, recordField } = current.tokens;
    for (let k = 0; k < current.count; k++) {
      const f = recordField[current.records[k]!]! + this.column;
      sampleBytes += fieldStart[f + 1]! - 1 - fieldStart[f]!;
    }
    // Sized from this block's cells with 5% to spare: a buffer made of reused memory is cleared whole, slack included.
    const text = new Utf8Buffer(this.capacity, (sampleBytes / Math.max(1, current.count)) * 1.05);
    if (before > 0) {
      replay(before, (block) => text.append(block, this.column, text.rows, Math.min(block.count, before - text.rows)));
    }
    text.append(current, this.column, before);
    this.text = text;
    return text;
  }

  /**
   * What the reader gathered, before any type is decided: for a chunk of the file read on
   * its own (csv-chunks.ts), merged with the other chunks' by `appendParts`.
   */
  parts(): ColumnParts {
    const { count, missing, ints, floats, bools, others, settled } = this;
    const bytes = (count + 7) >> 3;
    return {
      count,
      missing,
      ints,
      floats,
      bools,
      others,
      settled,
      missingBits: this.missingBits?.subarray(0, bytes),
      trueBits: this.trueBits?.subarray(0, bytes),
      strayRows: this.strayRows?.subarray(0, this.strayCount),
      int32: this.int32?.subarray(0, count),
      float64: this.float64?.subarray(0, count),
      text: this.text?.parts(),
    };
  }

  /**
   * Appends the rows of a later chunk of the file that another reader read on its own
   * (csv-chunks.ts), as if they had been consumed here. Its text is taken when this
   * reader keeps text too; otherwise `finish` builds the text by replay if needed.
   */
  appendParts(part: ColumnParts): void {
    const from = this.count;
    const to = from + part.count;
    if (to > this.capacity) this.grow(to);
    if (part.float64 && !this.float64) this.toFloat64(from);
    if (this.float64) {
      // set() converts Int32 to doubles: the values one pass would have written.
      if (part.float64) this.float64.set(part.float64, from);
      else if (part.int32) this.float64.set(part.int32, from);
    } else if (part.int32) {
      this.int32 ??= new Int32Array(this.capacity);
      this.int32.set(part.int32, from);
    }
    const bytes = (this.capacity + 7) >> 3;
    if (part.missingBits) orBitsAt((this.missingBits ??= new Uint8Array(bytes)), from, part.missingBits);
    if (part.trueBits) orBitsAt((this.trueBits ??= new Uint8Array(bytes)), from, part.trueBits);
    if (this.strayRows !== undefined && part.strayRows !== undefined) {
      for (const p of part.strayRows) this.markStray(from + p);
    } else {
      this.strayRows = undefined;
    }
    this.missing += part.missing;
    this.ints += part.ints;
    this.floats += part.floats;
    this.bools += part.bools;
    this.others += part.others;
    this.settled ||= part.settled;
    this.count = to;
    if (this.text) {
      if (part.text) this.text.appendParts(part.text, from, part.count);
      else if (part.count === part.missing) this.text.appendNulls(from, part.count);
      else this.text = undefined; // that chunk kept no text: `finish` replays every row instead
    }
  }

  /** Decides the column's type from all cells consumed and builds its Arrow data. */
  finish(replay: Replay): ColumnResult {
    const { count } = this;
    if (this.settled) {
      // Text cells alone are more than 5% of all rows, so fewer than 95% of the present cells can be numbers.
      if (this.others > (1 - NUMERIC_SHARE) * count) return { type: 'string', data: this.textData(replay), strays: [] };
      // The file was far longer than its first rows suggested: classify every cell after all.
      const full = new ColumnReader(this.column, count, this.scratch, { text: false });
      replay(count, (block) => full.consume({ ...block, count: Math.min(block.count, count - full.count) }, replay));
      full.text = this.text;
      return full.finish(replay);
    }
    const present = count - this.missing;
    const numeric = this.ints + this.floats;
    if (present === 0 || numeric === 0 || numeric < present * NUMERIC_SHARE) {
      if (this.bools === present && present > 0) {
        const bits = new Uint8Array((count + 7) >> 3);
        if (this.trueBits) bits.set(this.trueBits.subarray(0, bits.length));
        return { type: 'bool', data: makeData({ type: new Bool(), length: count, nullCount: this.missing, nullBitmap: this.validity([]), data: bits }), strays: [] };
      }
      return { type: 'string', data: this.textData(replay), strays: [] };
    }
    let strays: number[] = [];
    if (numeric < present) {
      if (this.strayRows === undefined) this.findStrays(replay);
      strays = Array.from(this.strayRows!.subarray(0, this.strayCount));
    }
    const nullBitmap = this.validity(strays);
    const nullCount = this.missing + strays.length;
    // Unwritten slots (nulls) are 0 in fresh memory, so equal files give equal bytes.
    if (this.float64) {
      return { type: 'float', data: makeData({ type: new Float64(), length: count, nullCount, nullBitmap, data: this.float64.subarray(0, count) }), strays };
    }
    const int32 = this.int32 ?? new Int32Array(count);
    return { type: 'int', data: makeData({ type: new Int32(), length: count, nullCount, nullBitmap, data: int32.subarray(0, count) }), strays };
  }

  /** The text column: the copy kept while reading, or one made now by replaying every row. */
  private textData(replay: Replay): Data<Utf8> {
    const count = this.count;
    let text = this.text;
    if (!text) {
      const made = new Utf8Buffer(count, 8);
      replay(count, (block) => made.append(block, this.column, made.rows, Math.min(block.count, count - made.rows)));
      text = made;
    }
    return text.finish();
  }

  /** Lists the text and boolean cells' rows again (the list was dropped while reading). */
  private findStrays(replay: Replay): void {
    const count = this.count;
    const full = new ColumnReader(this.column, count, this.scratch, { text: false });
    full.strayRows = new Uint32Array(Math.max(16, this.others + this.bools));
    replay(count, (block) => full.consume({ ...block, count: Math.min(block.count, count - full.count) }, replay));
    this.strayRows = full.strayRows;
    this.strayCount = full.strayCount;
  }

  /** The validity bitmap (bit set = value present), missing cells and `strays` clear; undefined when every cell has a value. */
  private validity(strays: readonly number[]): Uint8Array | undefined {
    const count = this.count;
    if (this.missing === 0 && strays.length === 0) return undefined;
    const bitmap = new Uint8Array((count + 7) >> 3);
    const missingBits = this.missingBits;
    if (missingBits) for (let b = 0; b < bitmap.length; b++) bitmap[b] = ~missingBits[b]!;
    else bitmap.fill(255);
    if (count & 7) bitmap[bitmap.length - 1]! &= (1 << (count & 7)) - 1;
    for (const p of strays) bitmap[p >> 3]! &= ~(1 << (p & 7));
    return bitmap;
  }
}

/** Sets in `target` the bits set in `source`, shifted to start at bit `at` (source bits past its rows are clear). */
function orBitsAt(target: Uint8Array, at: number, source: Uint8Array): void {
  const shift = at & 7;
  const base = at >> 3;
  if (shift === 0) {
    for (let b = 0; b < source.length; b++) target[base + b]! |= source[b]!;
    return;
  }
  for (let b = 0; b < source.length; b++) {
    const byte = source[b]!;
    if (byte === 0) continue;
    target[base + b]! |= (byte << shift) & 255;
    const high = byte >> (8 - shift);
    if (high !== 0) target[base + b + 1]! |= high;
  }
}

const probe = new Float64Array(1);

/** True for the empty cell and the missing markers (surrounding blanks ignored). */
function isMissingText(bytes: Uint8Array, start: number, end: number): boolean {
  return classifyCell(bytes, start, end, probe, 0) === CELL_MISSING;
}

/**
 * A growing string column: cells copied (and unquoted) into one byte buffer. A cell that
 * is a missing marker is null; every other cell keeps its exact text, spaces included.
 */
class Utf8Buffer {
  private data: Uint8Array;
  private offsets: Int32Array;
  private bitmap: Uint8Array | undefined;
  private nullCount = 0;
  /** Rows appended so far. */
  rows = 0;
  private used = 0;

  constructor(expectedRows: number, bytesPerCell: number) {
    this.data = new Uint8Array(Math.min(MAX_TEXT_BYTES, Math.ceil(expectedRows * bytesPerCell) + 64));
    this.offsets = new Int32Array(expectedRows + 1);
  }

  /** Appends the block's first `take` rows, which must be rows `at`, `at + 1`, … */
  append(block: RowBlock, column: number, at: number, take = block.count): void {
    if (at !== this.rows) throw new Error(`text column: expected row ${this.rows}, got ${at}`);
    const { fieldStart, recordField } = block.tokens;
    const { records, bytes } = block;
    const to = at + take;
    if (to + 1 > this.offsets.length) this.offsets = grown(this.offsets, to + 1, at + 1);
    const offsets = this.offsets;
    let data = this.data;
    let w = this.used;
    for (let p = at, k = 0; p < to; p++, k++) {
      const f = recordField[records[k]!]! + column;
      const s = fieldStart[f]!;
      const e = fieldStart[f + 1]! - 1;
      if (w + e - s > data.length) {
        // Utf8 offsets are 32-bit: one column holds at most 2 GiB of text.
        if (w + e - s > MAX_TEXT_BYTES) throw new NodeError(`column ${column + 1} holds more than 2 GiB of text, more than one column can hold; split the file`);
        // The rest of the rows, at the bytes per row so far: a close estimate, so grow by that rather than double.
        const projected = Math.ceil(((w + e - s) / (p + 1)) * (this.offsets.length - 1) * 1.05);
        data = grown(data, Math.max(w + e - s, projected), w, MAX_TEXT_BYTES, 1.25);
      }
      let missing: boolean;
      if (s === e) {
        missing = true;
      } else if (bytes[s] !== QUOTE) {
        const first = bytes[s];
        // Only blanks and the N… markers can be missing: most cells skip the check.
        missing = (first === 78 || first === 110 || first === 32 || first === 9) && isMissingText(bytes, s, e);
        if (!missing) {
          if (e - s > 24) data.set(bytes.subarray(s, e), w);
          else for (let j = s; j < e; j++) data[w + j - s] = bytes[j]!;
          w += e - s;
        }
      } else {
        const length = unquoteInto(bytes, s, e, data, w);
        missing = isMissingText(data, w, w + length);
        if (!missing) w += length;
      }
      if (missing) this.markNull(p);
      offsets[p + 1] = w;
    }
    this.data = data;
    this.used = w;
    this.rows = to;
  }

  /** Appends a chunk's text (rows `at` .. `at + count - 1`), as `append` would have. */
  appendParts(text: TextParts, at: number, count: number): void {
    if (at !== this.rows) throw new Error(`text column: expected row ${this.rows}, got ${at}`);
    const bytes = text.data.length;
    if (this.used + bytes > MAX_TEXT_BYTES) throw new NodeError(`a column holds more than 2 GiB of text, more than one column can hold; split the file`);
    if (this.used + bytes > this.data.length) this.data = grown(this.data, this.used + bytes, this.used, MAX_TEXT_BYTES);
    if (at + count + 1 > this.offsets.length) this.offsets = grown(this.offsets, at + count + 1, at + 1);
    this.data.set(text.data, this.used);
    const offsets = this.offsets;
    const base = this.used;
    for (let k = 1; k <= count; k++) offsets[at + k] = base + text.offsets[k]!;
    const bitmap = text.bitmap;
    if (bitmap) {
      for (let k = 0; k < count && k >> 3 < bitmap.length; k++) if ((bitmap[k >> 3]! & (1 << (k & 7))) === 0) this.markNull(at + k);
    }
    this.used += bytes;
    this.rows = at + count;
  }

  /** Appends `count` null rows. */
  appendNulls(at: number, count: number): void {
    if (at !== this.rows) throw new Error(`text column: expected row ${this.rows}, got ${at}`);
    if (at + count + 1 > this.offsets.length) this.offsets = grown(this.offsets, at + count + 1, at + 1);
    this.offsets.fill(this.used, at + 1, at + count + 1);
    for (let k = 0; k < count; k++) this.markNull(at + k);
    this.rows = at + count;
  }

  private markNull(p: number): void {
    if (!this.bitmap || this.bitmap.length < (p >> 3) + 1) {
      const next = new Uint8Array(Math.max((p >> 3) + 1, (this.offsets.length + 7) >> 3)).fill(255);
      if (this.bitmap) next.set(this.bitmap);
      this.bitmap = next;
    }
    this.bitmap[p >> 3]! &= ~(1 << (p & 7));
    this.nullCount++;
  }

  parts(): TextParts {
    return { data: this.data.subarray(0, this.used), offsets: this.offsets.subarray(0, this.rows + 1), bitmap: this.bitmap, nullCount: this.nullCount };
  }

  finish(): Data<Utf8> {
    const count = this.rows;
    let bitmap: Uint8Array | undefined;
    if (this.bitmap) {
      // Exact length, and the bits past the last row cleared, so equal files give equal bytes.
      bitmap = new Uint8Array((count + 7) >> 3);
      bitmap.set(this.bitmap.subarray(0, bitmap.length));
      // Rows past the end of this.bitmap (its rows grew after the first null) are valid.
      if (this.bitmap.length < bitmap.length) bitmap.fill(255, this.bitmap.length);
      if (count & 7) bitmap[bitmap.length - 1]! &= (1 << (count & 7)) - 1;
    }
    return makeData({
      type: new Utf8(),
      length: count,
      nullCount: this.nullCount,
      nullBitmap: bitmap,
      valueOffsets: this.offsets.subarray(0, count + 1),
      data: this.data.subarray(0, this.used),
    });
  }
}
