/**
 * Pieces of the CSV scan shared by the whole-file pass (csv.ts) and the parallel pass
 * over byte ranges (csv-chunks.ts): buffer sizes, replaying rows, the UTF-8 check.
 */
import { isUtf8 } from 'node:buffer';
import { NodeError } from '../base/errors.js';
import type { RowBlock } from './csv-columns.js';
import { Window, type Input } from './csv-source.js';
import { createTokenizer, fieldCountOf, setWindow, startBlock, tokenizeUntil, type TokenizeStatus } from './csv-tokenize.js';

/** Buffer sizes; tests shrink them to cross window and block edges often. */
export interface CsvTuning {
  /** Bytes read from a file at a time. */
  readonly windowBytes: number;
  /** Bytes tokenized before their cells are parsed (keep it within the CPU's L2 cache). */
  readonly blockBytes: number;
  /** Bytes between progress reports and cancel checks. */
  readonly reportBytes: number;
  /**
   * Inputs (files) with at least this many bytes of rows are parsed in chunks on several
   * threads (csv-chunks.ts); chunks hold at least `minChunkBytes`. Tests shrink both.
   */
  readonly parallelMinBytes?: number;
  readonly minChunkBytes?: number;
  /**
   * 'auto' (default): use helper threads only while a core looks idle (1-minute load
   * average below the core count), since on a busy machine they slow the read down;
   * 'always': whenever the machine has more than one core (tests).
   */
  readonly threads?: 'auto' | 'always';
}

/** Where the first data record starts: its input offset and line. */
export interface DataStart {
  readonly offset: number;
  readonly line: number;
}

/**
 * Tokenizes again from the first data record and hands over the good rows block by
 * block, until `throughRow` rows went by. Only the rare paths use it (a column found to
 * be text late, describing bad cells), so the main pass keeps nothing of old blocks.
 */
export function replayRows(
  input: Input,
  tuning: CsvTuning,
  from: DataStart,
  delimiter: number,
  columnCount: number,
  maxColumns: number,
  throughRow: number,
  visit: (block: RowBlock) => void,
): void {
  const window = Window.atSync(input, from.offset, tuning.windowBytes);
  // The first pass already refused over-wide rows; the same limit keeps this pass identical.
  const tokenizer = createTokenizer(window.bytes, window.final, 0, delimiter, tuning.blockBytes, from.line, maxColumns);
  const tokens = tokenizer.tokens;
  let records = new Uint32Array(1024);
  let rows = 0;
  for (let status: TokenizeStatus = 'block'; status !== 'done' && rows < throughRow; ) {
    startBlock(tokenizer);
    status = tokenizeUntil(tokenizer, tokenizer.position + tuning.blockBytes);
    if (tokens.recordCount > records.length) records = new Uint32Array(tokens.recordCount * 2);
    let count = 0;
    for (let r = 0; r < tokens.recordCount && rows + count < throughRow; r++) {
      if (fieldCountOf(tokens, r) === columnCount) records[count++] = r;
    }
    if (count > 0) visit({ bytes: window.bytes, tokens, records, count });
    rows += count;
    if (status === 'more') {
      window.refillSync(tokenizer.position);
      setWindow(tokenizer, window.bytes, window.final);
    }
  }
}

/**
 * Checks that the input is UTF-8, window by window: each time up to the window's last
 * line end (a multi-byte character never holds one), the rest with the next window.
 */
export class Utf8Check {
  /** Window offset up to which the bytes are known good. */
  private checkedTo = 0;
  private windowOffset = 0;

  constructor(private readonly name: string) {}

  check(window: Window, lineAtWindowStart: number): void {
    const bytes = window.bytes;
    const from = Math.max(0, this.checkedTo - (window.offset - this.windowOffset));
    this.windowOffset = window.offset;
    this.checkedTo = from;
    let to = bytes.length;
    if (!window.final) while (to > from && bytes[to - 1] !== 10 && bytes[to - 1] !== 13) to--;
    if (to <= from) return;
    if (!isUtf8(bytes.subarray(from, to))) {
      let line = lineAtWindowStart;
      for (let i = 0; i < from; i++) if (bytes[i] === 10) line++;
      for (let lineStart = from, i = from; i <= to; i++) {
        if (i === to || bytes[i] === 10) {
          if (!isUtf8(bytes.subarray(lineStart, i))) break;
          line++;
          lineStart = i + 1;
        }
      }
      throw new NodeError(`'${this.name}' is not valid UTF-8 text (first bad byte on line ${line}); re-save it with UTF-8 encoding`, {
        field: 'path',
      });
    }
    this.checkedTo = to;
  }
}
