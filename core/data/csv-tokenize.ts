/**
 * The byte-level CSV tokenizer (RFC 4180): finds record and field boundaries in one pass
 * over the bytes, without making strings. Quoted fields may hold delimiters, newlines and
 * `""`; CRLF, LF and a lone CR all end a record; blank lines are skipped.
 *
 * It works on a window of the input (see csv-source.ts) cut into blocks of whole records;
 * tokens describe the current block only, as offsets into the current window. There is
 * one offset per field plus one sentinel per record, so every field's span is uniform:
 * field k spans bytes[fieldStart[k], fieldStart[k + 1] - 1). A field whose first byte is
 * `"` is raw (quotes included) and needs `unquoteInto`. Record r owns fields
 * recordField[r] .. recordField[r + 1] - 2 (the last slot is its sentinel) and starts on
 * the 1-based physical line recordLine[r] (newlines inside quotes count).
 */
import { ASCII } from './ascii.js';

const { CR, LF, QUOTE, SPACE, TAB } = ASCII;

export interface Tokens {
  /** Field start offsets, with a sentinel (record end + 1) after each record's last field. */
  fieldStart: Uint32Array;
  /** Length recordCount + 1 once a block is done. */
  recordField: Uint32Array;
  recordLine: Uint32Array;
  recordCount: number;
}

/** Where the scan stands between blocks. */
export interface TokenizerState {
  /** The current window of input. */
  bytes: Uint8Array;
  /** Whether the window reaches the end of the input. */
  final: boolean;
  readonly delimiter: number;
  position: number;
  line: number;
  /** Used slots of tokens.fieldStart. */
  slots: number;
  tokens: Tokens;
  /** Set when the input ends inside a quoted field: the line where that field began. */
  unterminatedQuoteLine: number | undefined;
  /** A record may have at most this many fields (the caller's column limit). */
  readonly maxFields: number;
  /**
   * Set when a record has more than `maxFields` fields: where it starts (window offset)
   * and its line. Tokenizing stops there, before the record's tokens (or a window grown
   * to hold a record of millions of fields) take memory; the record is not in the block.
   */
  tooManyFields: { offset: number; line: number } | undefined;
}

/**
 * 'block': stopped after passing the limit; 'more': the window ends inside (or right
 * after) a record, so refill it from `position` and go on; 'done': the input is done.
 */
export type TokenizeStatus = 'block' | 'more' | 'done';

/** Number of fields of record `record`. */
export function fieldCountOf(tokens: Tokens, record: number): number {
  return tokens.recordField[record + 1]! - tokens.recordField[record]! - 1;
}

/**
 * A tokenizer starting at bytes[start] on line `firstLine`. Token arrays are sized for
 * `blockBytes` of input and reused block after block (see `startBlock`).
 */
export function createTokenizer(
  bytes: Uint8Array,
  final: boolean,
  start: number,
  delimiter: number,
  blockBytes: number,
  firstLine = 1,
  maxFields = Number.MAX_SAFE_INTEGER,
): TokenizerState {
  const span = Math.min(bytes.length, blockBytes) + 64;
  return {
    bytes,
    final,
    delimiter,
    position: start,
    line: firstLine,
    slots: 0,
    unterminatedQuoteLine: undefined,
    maxFields,
    tooManyFields: undefined,
    tokens: {
      fieldStart: new Uint32Array(Math.ceil(span / 3)),
      recordField: new Uint32Array(Math.ceil(span / 16) + 1),
      recordLine: new Uint32Array(Math.ceil(span / 16)),
      recordCount: 0,
    },
  };
}

/** Forgets the previous block's tokens: record and field indices start again at 0. */
export function startBlock(state: TokenizerState): void {
  state.slots = 0;
  state.tokens.recordCount = 0;
  state.tokens.recordField[0] = 0;
}

/** Moves on to a refilled window whose byte 0 is the old window's byte `position`. */
export function setWindow(state: TokenizerState, bytes: Uint8Array, final: boolean): void {
  state.bytes = bytes;
  state.final = final;
  state.position = 0;
}

/** The offset (in the window) where record `record` of the current block starts. */
export function recordOffset(tokens: Tokens, record: number): number {
  return tokens.fieldStart[tokens.recordField[record]!]!;
}

function grow(array: Uint32Array, minimum: number): Uint32Array {
  const next = new Uint32Array(Math.max(minimum, array.length * 2));
  next.set(array);
  return next;
}

/**
 * Tokenizes whole records until the position passes `limit`, so the caller can parse the
 * block while it is cached, report progress and check for cancel. A record cut by the
 * end of a non-final window is left for the next window.
 */
export function tokenizeUntil(state: TokenizerState, limit: number): TokenizeStatus {
  const bytes = state.bytes;
  const final = state.final;
  const delimiter = state.delimiter;
  const length = bytes.length;
  const tokens = state.tokens;
  let fieldStart = tokens.fieldStart;
  let recordField = tokens.recordField;
  let recordLine = tokens.recordLine;
  let recordCount = tokens.recordCount;
  let slots = state.slots;
  let i = state.position;
  let line = state.line;
  const end = Math.min(length, limit);
  const highestSpecial = Math.max(delimiter, CR);
  const maxFields = state.maxFields;
  let cut = false;

  records: while (i < end) {
    const head = bytes[i]!;
    // Blank line: nothing but the line ending.
    if (head === LF) {
      i++;
      line++;
      continue;
    }
    if (head === CR) {
      if (i + 1 >= length && !final) {
        cut = true; // its LF may start the next window
        break;
      }
      i += i + 1 < length && bytes[i + 1] === LF ? 2 : 1;
      line++;
      continue;
    }
    if (recordCount + 1 >= recordField.length) recordField = grow(recordField, recordCount + 2);
    if (recordCount >= recordLine.length) recordLine = grow(recordLine, recordCount + 1);
    const recordStart = i;
    const recordStartLine = line;
    const firstSlot = slots;
    const slotLimit = firstSlot + maxFields;
    recordField[recordCount] = firstSlot;
    recordLine[recordCount] = line;

    // The fields of one record.
    for (;;) {
      if (slots >= slotLimit) {
        // One field more than allowed: stop before this record costs more memory.
        state.tooManyFields = { offset: recordStart, line: recordStartLine };
        i = recordStart;
        line = recordStartLine;
        slots = firstSlot;
        break records;
      }
      if (slots + 2 > fieldStart.length) fieldStart = grow(fieldStart, slots + 2);
      fieldStart[slots++] = i;
      let b = 0;
      if (i < length && bytes[i] === QUOTE) {
        const quoteLine = line;
        let open = false;
        i++;
        // Inside quotes only a quote can end the field; newlines still count as lines.
        for (;;) {
          const close = bytes.indexOf(QUOTE, i);
          if (close < 0) {
            open = true;
            break;
          }
          for (; i < close; i++) {
            const c = bytes[i]!;
            if (c === LF || (c === CR && bytes[i + 1] !== LF)) line++;
          }
          i = close + 1;
          if (i < length && bytes[i] === QUOTE) {
            i++; // "" is an escaped quote
            continue;
          }
          break;
        }
        if (open) {
          if (!final) {
            // The quoted text goes on in the next window.
            i = recordStart;
            line = recordStartLine;
            slots = firstSlot;
            cut = true;
            break records;
          }
          for (; i < length; i++) if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) line++;
          state.unterminatedQuoteLine = quoteLine;
          break records;
        }
      }
      // Unquoted text, or text after a closing quote (`"a"b` keeps the b).
      while (i < length) {
        b = bytes[i]!;
        // Most bytes are above every special byte: one compare for them.
        if (b <= highestSpecial && (b === delimiter || b === LF || b === CR)) break;
        i++;
      }
      if (i >= length || (b === CR && i + 1 >= length)) {
        if (!final) {
          // The record goes on in the next window (or its CR may have an LF there).
          i = recordStart;
          line = recordStartLine;
          slots = firstSlot;
          cut = true;
          break records;
        }
        if (i >= length) {
          fieldStart[slots++] = length + 1;
          break;
        }
      }
      i++;
      if (b === delimiter) continue;
      fieldStart[slots++] = i; // sentinel: the last field ends at the line ending
      if (b === CR && i < length && bytes[i] === LF) i++;
      line++;
      break;
    }
    // A line of only spaces/tabs counts as blank (a stray trailing line is common).
    if (slots - firstSlot === 2 && isBlank(bytes, fieldStart[firstSlot]!, fieldStart[firstSlot + 1]! - 1)) {
      slots = firstSlot;
      continue;
    }
    recordCount++;
  }

  state.position = i;
  state.line = line;
  state.slots = slots;
  storeTokens(tokens, fieldStart, recordField, recordLine, recordCount, slots);
  if (state.unterminatedQuoteLine !== undefined || state.tooManyFields !== undefined) return 'done';
  if (cut || i >= length) return final ? 'done' : 'more';
  return 'block';
}

// A plain function rather than a closure, so the scan loop's locals stay in registers.
function storeTokens(tokens: Tokens, fieldStart: Uint32Array, recordField: Uint32Array, recordLine: Uint32Array, recordCount: number, slots: number): void {
  tokens.fieldStart = fieldStart;
  tokens.recordField = recordField;
  tokens.recordLine = recordLine;
  tokens.recordCount = recordCount;
  recordField[recordCount] = slots;
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) {
    const b = bytes[k]!;
    if (b !== SPACE && b !== TAB) return false;
  }
  return true;
}

export const SNIFF_CANDIDATES = [',', ';', '\t', '|'] as const;
/** The sniffer looks at most this far into the input. */
export const SNIFF_BYTES = 65536;

/**
 * Guesses the delimiter from the first lines (up to 20, within 64 KiB of `bytes`, which
 * hold the input's start; `complete` when they hold all of it), counting each
 * candidate outside quotes. The winner has at least one occurrence on the first line,
 * then the most lines with the same count as the first line, then the highest count;
 * ties go to the order `,` `;` tab `|`. With no candidate at all (one column) it is `,`.
 */
export function sniffDelimiter(bytes: Uint8Array, start: number, complete: boolean): string {
  const window = Math.min(bytes.length, start + SNIFF_BYTES);
  const codes = SNIFF_CANDIDATES.map((c) => c.charCodeAt(0));
  const lines: number[][] = [];
  let counts = codes.map(() => 0);
  let inQuotes = false;
  let lineHasContent = false;
  for (let i = start; i < window; i++) {
    const b = bytes[i]!;
    if (b === QUOTE) {
      inQuotes = !inQuotes;
      lineHasContent = true;
      continue;
    }
    if (inQuotes) continue;
    if (b === LF || b === CR) {
      if (lineHasContent) lines.push(counts);
      counts = codes.map(() => 0);
      lineHasContent = false;
      if (lines.length >= 20) break;
      continue;
    }
    lineHasContent = true;
    const k = codes.indexOf(b);
    if (k >= 0) counts[k]!++;
  }
  // A last line cut off by the sample is not representative, unless it is all there is.
  if (lineHasContent && ((complete && window === bytes.length) || lines.length === 0)) lines.push(counts);
  const first = lines[0];
  if (!first) return ',';
  let best = -1;
  let bestAgree = -1;
  let bestCount = -1;
  for (let k = 0; k < codes.length; k++) {
    const count = first[k]!;
    if (count === 0) continue;
    const agree = lines.filter((l) => l[k] === count).length;
    if (agree > bestAgree || (agree === bestAgree && count > bestCount)) {
      best = k;
      bestAgree = agree;
      bestCount = count;
    }
  }
  return best < 0 ? ',' : SNIFF_CANDIDATES[best]!;
}

/**
 * Counts the fields of the record starting at bytes[0] by the tokenizer's rules (a quote
 * opens a quoted field only as its first byte; `""` inside is a quote), keeping nothing
 * but the count, so a record of any length can be measured chunk by chunk. Feed chunks
 * in order; `ended` turns true at the record's line ending.
 */
export class FieldCounter {
  fields = 1;
  ended = false;
  /** 0: at a field's start, 1: unquoted text, 2: inside quotes, 3: just after a quote inside quotes. */
  private state = 0;

  constructor(private readonly delimiter: number) {}

  /** Counts through `bytes`; returns how many bytes it used (fewer when the record ends). */
  feed(bytes: Uint8Array): number {
    const delimiter = this.delimiter;
    let state = this.state;
    let fields = this.fields;
    let i = 0;
    for (; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (state === 2) {
        if (b === QUOTE) state = 3;
        continue;
      }
      if (state === 3 && b === QUOTE) {
        state = 2; // "" is an escaped quote
        continue;
      }
      if (b === delimiter) {
        fields++;
        state = 0;
      } else if (b === LF || b === CR) {
        this.ended = true;
        break;
      } else {
        state = state === 0 && b === QUOTE ? 2 : 1;
      }
    }
    this.state = state;
    this.fields = fields;
    return i;
  }
}
