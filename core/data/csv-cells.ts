/**
 * Classifying one CSV cell straight from its UTF-8 bytes, without making a JS string:
 * missing marker, integer, float, boolean or other text. Numbers come out exactly as JS
 * `Number()` would give them.
 */
import { ASCII } from './ascii.js';

const { DOT, MINUS, NINE, PLUS, SPACE, TAB, ZERO } = ASCII;

export const CELL_MISSING = 0;
export const CELL_INT = 1;
export const CELL_FLOAT = 2;
export const CELL_BOOL = 3;
export const CELL_OTHER = 4;
export type CellKind = typeof CELL_MISSING | typeof CELL_INT | typeof CELL_FLOAT | typeof CELL_BOOL | typeof CELL_OTHER;

/** Cell texts read as missing (null), besides the empty cell. `-` is deliberately not one. */
export const MISSING_MARKERS: readonly string[] = ['NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None'];

const MISSING_BYTES = MISSING_MARKERS.map((marker) => Uint8Array.from(marker, (c) => c.charCodeAt(0)));

/** Integers with at most this many significant digits are exact in a double (< 2^53). */
const MAX_EXACT_DIGITS = 15;
/** 10^k is an exact double up to k = 22. */
const MAX_EXACT_POWER = 22;
/** Exact powers of ten: POW10[k] = 10^k for k ≤ MAX_EXACT_POWER, each a double without rounding. */
const POW10: readonly number[] = Array.from({ length: MAX_EXACT_POWER + 1 }, (_, k) => Number(`1e${k}`));
/** The constants above, for csv-columns' inlined fast path (destructure them: see ascii.ts). */
export const EXACT_DOUBLES = { MAX_EXACT_DIGITS, MAX_EXACT_POWER, POW10 } as const;

function isSpace(b: number): boolean {
  return b === SPACE || b === TAB;
}

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** Case-insensitive compare of bytes[start, end) with an ASCII lower-case word. */
function equalsWordIgnoreCase(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (lower(bytes[start + k]!) !== word.charCodeAt(k)) return false;
  }
  return true;
}

function isMissingMarker(bytes: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  for (const marker of MISSING_BYTES) {
    if (marker.length !== length) continue;
    let same = true;
    for (let k = 0; k < length; k++) {
      if (bytes[start + k] !== marker[k]) {
        same = false;
        break;
      }
    }
    if (same) return true;
  }
  return false;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let k = start; k < end; k++) text += String.fromCharCode(bytes[k]!);
  return text;
}

/**
 * Classifies bytes[start, end) (already unquoted). For INT, FLOAT and BOOL the value
 * (booleans as 1/0) is written to `values[at]`. Surrounding spaces and tabs are ignored.
 */
export function classifyCell(bytes: Uint8Array, start: number, end: number, values: Float64Array, at: number): CellKind {
  while (start < end && isSpace(bytes[start]!)) start++;
  while (end > start && isSpace(bytes[end - 1]!)) end--;
  if (start === end) return CELL_MISSING;
  const first = bytes[start]!;
  if ((first >= ZERO && first <= NINE) || first === MINUS || first === PLUS || first === DOT) {
    return parseNumber(bytes, start, end, values, at);
  }
  switch (first) {
    case 78: // N
    case 110: // n
      return isMissingMarker(bytes, start, end) ? CELL_MISSING : CELL_OTHER;
    case 116: // t
    case 84: // T
      if (equalsWordIgnoreCase(bytes, start, end, 'true')) {
        values[at] = 1;
        return CELL_BOOL;
      }
      return CELL_OTHER;
    case 102: // f
    case 70: // F
      if (equalsWordIgnoreCase(bytes, start, end, 'false')) {
        values[at] = 0;
        return CELL_BOOL;
      }
      return CELL_OTHER;
    case 105: // i
    case 73: // I
      if (isInfinityWord(bytes, start, end)) {
        values[at] = Infinity;
        return CELL_FLOAT;
      }
      return CELL_OTHER;
    default:
      return CELL_OTHER;
  }
}

function isInfinityWord(bytes: Uint8Array, start: number, end: number): boolean {
  return equalsWordIgnoreCase(bytes, start, end, 'inf') || equalsWordIgnoreCase(bytes, start, end, 'infinity');
}

/**
 * Grammar: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], or [+-] inf/infinity.
 * Integers (no dot, no exponent) are INT. The fast path is exact: a mantissa below 2^53
 * times or divided by an exact power of ten is one correctly rounded operation, the same
 * result as Number(). Anything else valid goes through Number() itself.
 */
function parseNumber(bytes: Uint8Array, start: number, end: number, values: Float64Array, at: number): CellKind {
  let i = start;
  let negative = false;
  const sign = bytes[i]!;
  if (sign === MINUS || sign === PLUS) {
    negative = sign === MINUS;
    i++;
    if (i < end && lower(bytes[i]!) === 105 /* i */) {
      if (!isInfinityWord(bytes, i, end)) return CELL_OTHER;
      values[at] = negative ? -Infinity : Infinity;
      return CELL_FLOAT;
    }
  }
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let b = 0;
  while (i < end) {
    b = bytes[i]!;
    if (b < ZERO || b > NINE) break;
    if (significant > 0 || b !== ZERO) {
      mantissa = mantissa * 10 + (b - ZERO);
      significant++;
    }
    digits++;
    i++;
  }
  if (i === end) {
    if (digits === 0) return CELL_OTHER;
    if (negative && significant === 0) {
      values[at] = -0; // a float cell: an integer column would lose the sign Number('-0') keeps
      return CELL_FLOAT;
    }
    values[at] = significant <= MAX_EXACT_DIGITS ? (negative ? -mantissa : mantissa) : Number(latin1(bytes, start, end));
    return CELL_INT;
  }
  let scale = 0;
  if (b === DOT) {
    i++;
    while (i < end) {
      b = bytes[i]!;
      if (b < ZERO || b > NINE) break;
      if (significant > 0 || b !== ZERO) {
        mantissa = mantissa * 10 + (b - ZERO);
        significant++;
      }
      digits++;
      scale--;
      i++;
    }
    if (digits === 0) return CELL_OTHER;
  }
  if (digits === 0) return CELL_OTHER;
  if (i < end) {
    b = bytes[i]!;
    if (b !== 101 && b !== 69) return CELL_OTHER; // e E
    i++;
    let exponentNegative = false;
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
      exponentNegative = bytes[i] === MINUS;
      i++;
    }
    let exponent = 0;
    let exponentDigits = 0;
    while (i < end) {
      b = bytes[i]!;
      if (b < ZERO || b > NINE) return CELL_OTHER;
      if (exponent < 100000) exponent = exponent * 10 + (b - ZERO);
      exponentDigits++;
      i++;
    }
    if (exponentDigits === 0) return CELL_OTHER;
    scale += exponentNegative ? -exponent : exponent;
  }
  let value: number;
  if (significant <= MAX_EXACT_DIGITS && scale >= -MAX_EXACT_POWER && scale <= MAX_EXACT_POWER) {
    value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
    if (negative) value = -value;
  } else {
    value = Number(latin1(bytes, start, end));
  }
  values[at] = value;
  return CELL_FLOAT;
}

/**
 * Writes the content of a quoted (or partly quoted) raw field into `out`, dropping the
 * enclosing quotes and turning `""` into `"`. Returns the number of bytes written.
 */
export function unquoteInto(bytes: Uint8Array, start: number, end: number, out: Uint8Array, outStart: number): number {
  let w = outStart;
  let inQuotes = false;
  for (let k = start; k < end; k++) {
    const b = bytes[k]!;
    if (b === 34) {
      if (inQuotes && k + 1 < end && bytes[k + 1] === 34) {
        out[w++] = 34;
        k++;
      } else {
        inQuotes = !inQuotes;
      }
    } else {
      out[w++] = b;
    }
  }
  return w - outStart;
}
