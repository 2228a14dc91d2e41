/**
 * A byte-level JSON parser for records (objects), writing each value straight into its
 * column (column-builder.ts): no JS object per record, no string per text value. It is
 * strict JSON (RFC 8259), and it sees what JSON.parse hides: whether a number was written
 * as an integer (`3`) or not (`3.0`, `3e0`), so a float column stays Float64 when it
 * happens to hold whole numbers, and where each value starts, so errors can name the
 * line and column.
 *
 * Errors are thrown as JsonSyntaxError / JsonKindMismatch with byte positions; the
 * reader (json-io.ts) turns them into messages naming the file, line and record.
 */
import { ColumnBuilder, type ValueKind } from './column-builder.js';

export class JsonSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A value whose kind differs from the kind its column holds so far. */
export class JsonKindMismatch extends Error {
  constructor(
    readonly column: ColumnBuilder,
    readonly found: ValueKind,
    readonly position: number,
    /** The value's JSON text, shortened. */
    readonly preview: string,
  ) {
    super(`column '${column.name}': ${found} after ${column.kind}`);
  }
}

/** A key that would make one column more than the reader's limit. */
export class JsonTooManyColumns extends Error {
  constructor(
    readonly position: number,
    readonly key: string,
    readonly limit: number,
  ) {
    super(`key '${key}' is column ${limit + 1}, over the limit of ${limit}`);
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
/** Deeper nesting is refused, so a hostile file cannot overflow the stack. */
const MAX_DEPTH = 512;

/** 10^k, exact doubles for k ≤ 22 (see csv-cells.ts for why one operation is then exact). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

export function isJsonSpace(b: number | undefined): boolean {
  return b === 32 || b === 10 || b === 13 || b === 9;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let k = start; k < end; k++) text += String.fromCharCode(bytes[k]!);
  return text;
}

function hexValue(b: number | undefined): number {
  if (b === undefined) return -1;
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/** What a value starting with byte `b` is, for messages ("record 3 is an array…"). */
export function describeValueStart(b: number | undefined): string {
  if (b === OPEN_BRACE) return 'an object';
  if (b === OPEN_BRACKET) return 'an array';
  if (b === QUOTE) return 'a string';
  if (b === 116 || b === 102) return 'a boolean';
  if (b === 110) return 'null';
  if (b !== undefined && (b === MINUS || (b >= ZERO && b <= NINE))) return 'a number';
  return 'not JSON';
}

const decoder = new TextDecoder();

/**
 * Parses records into columns, in first-seen key order. Call `parseRecord` once per
 * record (a JSON Lines line, an array element); `finish` builds the columns.
 */
export class RecordParser {
  readonly columns: ColumnBuilder[] = [];
  /** Records parsed so far. */
  rows = 0;
  private readonly byName = new Map<string, ColumnBuilder>();
  private bytes: Uint8Array = new Uint8Array(0);
  private end = 0;
  private scratch = new Uint8Array(256);

  /** `maxColumns`: distinct keys allowed over all records; one more is a JsonTooManyColumns. */
  constructor(private readonly maxColumns = Number.MAX_SAFE_INTEGER) {}

  /**
   * Parses the object at bytes[start] (which must be `{`) as record number `this.rows`;
   * `at` is the line or record number that kind errors name. Returns the position after
   * its closing brace.
   */
  parseRecord(bytes: Uint8Array, start: number, end: number, at: number): number {
    this.bytes = bytes;
    this.end = end;
    let i = this.skipSpace(start + 1);
    let index = 0;
    if (bytes[i] === CLOSE_BRACE) {
      this.rows++;
      return i + 1;
    }
    for (;;) {
      if (bytes[i] !== QUOTE) throw new JsonSyntaxError(i, i >= end ? 'the record ends early: a key in double quotes should come next' : "expected a key in double quotes");
      const keyEnd = this.scanString(i);
      const column = this.columnFor(i + 1, keyEnd - 1, index++);
      i = this.skipSpace(keyEnd);
      if (bytes[i] !== COLON) throw new JsonSyntaxError(i, "expected ':' after the key");
      i = this.skipSpace(i + 1);
      if (column.length > this.rows) throw new JsonSyntaxError(keyEnd, `key '${column.name}' appears twice in the record`);
      column.padTo(this.rows);
      i = this.skipSpace(this.parseValue(column, i, at));
      const b = bytes[i];
      if (b === CLOSE_BRACE) break;
      if (b !== COMMA) throw new JsonSyntaxError(i, i >= end ? "the record ends early: expected ',' or '}'" : "expected ',' or '}' after a value");
      i = this.skipSpace(i + 1);
      if (bytes[i] === CLOSE_BRACE) throw new JsonSyntaxError(i, "a comma before '}' is not allowed in JSON");
    }
    this.rows++;
    return i + 1;
  }

  skipSpace(i: number): number {
    const bytes = this.bytes;
    const end = this.end;
    while (i < end && isJsonSpace(bytes[i])) i++;
    return i;
  }

  /** The column for the key bytes[s, e): by position first (records usually repeat their key order), then by name. */
  private columnFor(s: number, e: number, index: number): ColumnBuilder {
    const bytes = this.bytes;
    const guess = this.columns[index];
    if (guess && guess.nameBytes.length === e - s) {
      const name = guess.nameBytes;
      let k = 0;
      while (k < name.length && name[k] === bytes[s + k]) k++;
      if (k === name.length) return guess;
    }
    let escaped = false;
    for (let k = s; k < e; k++) if (bytes[k] === BACKSLASH) escaped = true;
    let name: string;
    if (escaped) {
      const buffer = this.fitScratch(e - s);
      name = decoder.decode(buffer.subarray(0, this.unescapeInto(s, e, buffer, 0)));
    } else {
      name = decoder.decode(bytes.subarray(s, e));
    }
    let column = this.byName.get(name);
    if (!column) {
      // Refused before the column exists: a record of millions of keys must not build millions of columns.
      if (this.columns.length >= this.maxColumns) throw new JsonTooManyColumns(s - 1, name, this.maxColumns);
      column = new ColumnBuilder(name);
      this.byName.set(name, column);
      this.columns.push(column);
    }
    return column;
  }

  private fitScratch(length: number): Uint8Array {
    if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    return this.scratch;
  }

  private expectKind(column: ColumnBuilder, kind: ValueKind, at: number, position: number): void {
    if (column.kind === kind) return;
    if (column.kind === undefined) return column.start(kind, at);
    const end = this.skipValue(position, 0);
    // 40 bytes may cut a UTF-8 character: its replacement character becomes the ellipsis.
    const text = decoder.decode(this.bytes.subarray(position, Math.min(end, position + 40)));
    const preview = end - position > 40 ? `${text.replace(/\uFFFD+$/u, '')}…` : text;
    throw new JsonKindMismatch(column, kind, position, preview);
  }

  /** Parses the value at bytes[i] into `column`; returns the position after it. */
  private parseValue(column: ColumnBuilder, i: number, at: number): number {
    const bytes = this.bytes;
    const b = bytes[i];
    if (b === QUOTE) {
      this.expectKind(column, 'string', at, i);
      const end = this.scanString(i);
      if (this.lastEscaped) {
        const target = column.textSpace(end - i);
        column.commitText(this.unescapeInto(i + 1, end - 1, target, column.textEnd));
      } else {
        column.appendUtf8(bytes, i + 1, end - 1);
      }
      return end;
    }
    if (b === MINUS || (b !== undefined && b >= ZERO && b <= NINE)) {
      this.expectKind(column, 'number', at, i);
      return this.parseNumber(column, i);
    }
    if (b === 116 || b === 102) {
      const word = b === 116 ? 'true' : 'false';
      this.expectWord(i, word);
      this.expectKind(column, 'boolean', at, i);
      column.appendBoolean(b === 116);
      return i + word.length;
    }
    if (b === 110) {
      this.expectWord(i, 'null');
      column.appendNull();
      return i + 4;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      this.expectKind(column, 'nested', at, i);
      const end = this.skipValue(i, 0);
      // The value's JSON text without the blanks between tokens.
      const target = column.textSpace(end - i);
      let w = column.textEnd;
      let inString = false;
      for (let k = i; k < end; k++) {
        const c = bytes[k]!;
        if (inString) {
          target[w++] = c;
          if (c === BACKSLASH) target[w++] = bytes[++k]!;
          else if (c === QUOTE) inString = false;
        } else if (!isJsonSpace(c)) {
          target[w++] = c;
          if (c === QUOTE) inString = true;
        }
      }
      column.commitText(w);
      return end;
    }
    throw new JsonSyntaxError(i, i >= this.end ? 'the record ends early: a value should come next' : this.unexpected(i));
  }

  private unexpected(i: number): string {
    const b = this.bytes[i]!;
    if (b === 39) return "strings take double quotes in JSON, not '";
    if (b === 78 || b === 73 || b === PLUS) return 'NaN, Infinity and a leading + are not JSON; write null or a number';
    if (b === CLOSE_BRACE || b === CLOSE_BRACKET || b === COMMA) return 'a value is missing here';
    return b >= 32 && b < 127 ? `unexpected character '${String.fromCharCode(b)}'` : `unexpected byte 0x${b.toString(16).padStart(2, '0')}`;
  }

  private expectWord(i: number, word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.bytes[i + k] !== word.charCodeAt(k)) throw new JsonSyntaxError(i, `expected '${word}'`);
    }
  }

  /** Set by scanString: the string held a backslash escape. */
  private lastEscaped = false;

  /** Checks the string at bytes[i] (a quote); returns the position after its closing quote. */
  private scanString(i: number): number {
    const bytes = this.bytes;
    const end = this.end;
    let k = i + 1;
    let escaped = false;
    for (;;) {
      if (k >= end) throw new JsonSyntaxError(i, 'a string starts here and is never closed');
      const c = bytes[k]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        k += 2;
        continue;
      }
      if (c < 32) throw new JsonSyntaxError(k, c === 10 || c === 13 ? 'a string starts before this line end and is never closed' : 'control characters must be escaped inside strings');
      k++;
    }
    this.lastEscaped = escaped;
    return k + 1;
  }

  /** Writes the unescaped UTF-8 of string content bytes[s, e) at target[w]; returns the new end. Never longer than the input. */
  private unescapeInto(s: number, e: number, target: Uint8Array, w: number): number {
    const bytes = this.bytes;
    for (let k = s; k < e; ) {
      const c = bytes[k]!;
      if (c !== BACKSLASH) {
        target[w++] = c;
        k++;
        continue;
      }
      const code = bytes[k + 1];
      let simple = -1;
      if (code === QUOTE || code === BACKSLASH || code === 47) simple = code;
      else if (code === 98) simple = 8;
      else if (code === 102) simple = 12;
      else if (code === 110) simple = 10;
      else if (code === 114) simple = 13;
      else if (code === 116) simple = 9;
      if (simple >= 0) {
        target[w++] = simple;
        k += 2;
        continue;
      }
      if (code !== 117) throw new JsonSyntaxError(k, `'\\${code === undefined ? '' : String.fromCharCode(code)}' is not a JSON escape`);
      let point = this.hex4(k + 2);
      k += 6;
      if (point >= 0xd800 && point <= 0xdbff && bytes[k] === BACKSLASH && bytes[k + 1] === 117) {
        const low = this.hex4(k + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          point = 0x10000 + ((point - 0xd800) << 10) + (low - 0xdc00);
          k += 6;
        }
      }
      // A lone surrogate has no UTF-8 form: U+FFFD, as TextEncoder writes it.
      if (point >= 0xd800 && point <= 0xdfff) point = 0xfffd;
      if (point < 0x80) target[w++] = point;
      else if (point < 0x800) {
        target[w++] = 0xc0 | (point >> 6);
        target[w++] = 0x80 | (point & 63);
      } else if (point < 0x10000) {
        target[w++] = 0xe0 | (point >> 12);
        target[w++] = 0x80 | ((point >> 6) & 63);
        target[w++] = 0x80 | (point & 63);
      } else {
        target[w++] = 0xf0 | (point >> 18);
        target[w++] = 0x80 | ((point >> 12) & 63);
        target[w++] = 0x80 | ((point >> 6) & 63);
        target[w++] = 0x80 | (point & 63);
      }
    }
    return w;
  }

  private hex4(i: number): number {
    const bytes = this.bytes;
    const a = hexValue(bytes[i]);
    const b = hexValue(bytes[i + 1]);
    const c = hexValue(bytes[i + 2]);
    const d = hexValue(bytes[i + 3]);
    if (a < 0 || b < 0 || c < 0 || d < 0) throw new JsonSyntaxError(i - 2, "'\\u' must be followed by 4 hex digits");
    return (a << 12) | (b << 8) | (c << 4) | d;
  }

  /** Parses the number at bytes[i]; returns the position after it. */
  private parseNumber(column: ColumnBuilder, i: number): number {
    const { end, bytes } = this;
    const start = i;
    const negative = bytes[i] === MINUS;
    if (negative) i++;
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let b = bytes[i];
    if (b === ZERO) {
      i++;
      b = bytes[i];
      if (b !== undefined && b >= ZERO && b <= NINE && i < end) throw new JsonSyntaxError(start, 'numbers cannot have leading zeros in JSON');
    } else if (b !== undefined && b > ZERO && b <= NINE && i < end) {
      while (i < end && b !== undefined && b >= ZERO && b <= NINE) {
        mantissa = mantissa * 10 + (b - ZERO);
        digits++;
        b = bytes[++i];
      }
    } else {
      throw new JsonSyntaxError(start, "'-' must be followed by a digit");
    }
    let integral = true;
    if (b === DOT && i < end) {
      integral = false;
      b = bytes[++i];
      const from = i;
      while (i < end && b !== undefined && b >= ZERO && b <= NINE) {
        if (digits > 0 || b !== ZERO) digits++;
        mantissa = mantissa * 10 + (b - ZERO);
        scale--;
        b = bytes[++i];
      }
      if (i === from) throw new JsonSyntaxError(start, "a '.' in a number must be followed by a digit");
    }
    let exponent = 0;
    if ((b === LOWER_E || b === UPPER_E) && i < end) {
      integral = false;
      b = bytes[++i];
      let negativeExponent = false;
      if (b === MINUS || b === PLUS) {
        negativeExponent = b === MINUS;
        b = bytes[++i];
      }
      const from = i;
      while (i < end && b !== undefined && b >= ZERO && b <= NINE) {
        exponent = exponent < 1e6 ? exponent * 10 + (b - ZERO) : exponent;
        b = bytes[++i];
      }
      if (i === from) throw new JsonSyntaxError(start, 'an exponent must have digits');
      if (negativeExponent) exponent = -exponent;
    }
    scale += exponent;
    let value: number;
    // Up to 15 significant digits and 10^±22, one exact operation gives the correctly rounded double.
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
      if (negative) value = -value;
    } else {
      value = Number(latin1(bytes, start, i));
    }
    column.appendNumber(value, integral);
    return i;
  }

  /** Checks the value at bytes[i] without storing it; returns the position after it. */
  skipValue(i: number, depth: number): number {
    const bytes = this.bytes;
    const b = bytes[i];
    if (b === QUOTE) return this.scanString(i);
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (depth >= MAX_DEPTH) throw new JsonSyntaxError(i, `values nested more than ${MAX_DEPTH} levels deep are not supported`);
      const close = b === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET;
      let k = this.skipSpace(i + 1);
      if (bytes[k] === close) return k + 1;
      for (;;) {
        if (close === CLOSE_BRACE) {
          if (bytes[k] !== QUOTE) throw new JsonSyntaxError(k, 'expected a key in double quotes');
          k = this.skipSpace(this.scanString(k));
          if (bytes[k] !== COLON) throw new JsonSyntaxError(k, "expected ':' after the key");
          k = this.skipSpace(k + 1);
        }
        k = this.skipSpace(this.skipValue(k, depth + 1));
        if (bytes[k] === close) return k + 1;
        if (bytes[k] !== COMMA) throw new JsonSyntaxError(k, `expected ',' or '${String.fromCharCode(close)}'`);
        k = this.skipSpace(k + 1);
        if (bytes[k] === close) throw new JsonSyntaxError(k, `a comma before '${String.fromCharCode(close)}' is not allowed in JSON`);
      }
    }
    if (b === 116 || b === 102 || b === 110) {
      const word = b === 116 ? 'true' : b === 102 ? 'false' : 'null';
      this.expectWord(i, word);
      return i + word.length;
    }
    if (b === MINUS || (b !== undefined && b >= ZERO && b <= NINE)) return this.parseNumber(SINK, i);
    throw new JsonSyntaxError(i, i >= this.end ? 'the text ends early: a value should come next' : this.unexpected(i));
  }
}

/** Receives numbers that skipValue checks but does not keep. */
const SINK = new (class extends ColumnBuilder {
  override appendNumber(): void {}
})('');
