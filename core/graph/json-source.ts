/**
 * A JSON scanner that knows where things are. JSON.parse builds the value; this scanner
 * checks the same grammar first so that a malformed file gets a line, a column and a
 * message a person can act on (V8's messages differ between Node versions and some carry no
 * position at all), and so that later issues (`nodes[2].params.test`) can point at a line.
 * It also catches what JSON.parse silently accepts: the same key twice in one object.
 */
import { pathJoin } from './issues.js';

/** Deeper documents are refused: no pipeline needs them, and it keeps every walker bounded. */
export const MAX_JSON_DEPTH = 256;

export interface DuplicateKey {
  /** Path of the repeated member, e.g. `nodes[0].params.test`. */
  path: string;
  key: string;
  /** Offset of the repeated key, and of its first occurrence. */
  offset: number;
  firstOffset: number;
}

export type JsonScanResult =
  | {
      ok: true;
      /** Path → offset: of the key for object members, of the value for array elements and the root. */
      locations: Map<string, number>;
      duplicateKeys: DuplicateKey[];
    }
  | { ok: false; offset: number; message: string };

class ScanFailure {
  constructor(
    readonly offset: number,
    readonly message: string,
  ) {}
}

const Char = {
  Tab: 9,
  LineFeed: 10,
  CarriageReturn: 13,
  Space: 32,
  Quote: 34,
  Plus: 43,
  Comma: 44,
  Minus: 45,
  Dot: 46,
  Slash: 47,
  Zero: 48,
  Nine: 57,
  Colon: 58,
  OpenBracket: 91,
  Backslash: 92,
  CloseBracket: 93,
  OpenBrace: 123,
  CloseBrace: 125,
  SingleQuote: 39,
} as const;

function isDigit(code: number): boolean {
  return code >= Char.Zero && code <= Char.Nine;
}

function isWordChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || isDigit(code) || code === 95 || code === 36;
}

/** How a character is named in a message: `'}'`, or `U+00A0` for what cannot be seen. */
function showChar(text: string, offset: number): string {
  if (offset >= text.length) return 'the end of the file';
  const codePoint = text.codePointAt(offset)!;
  if (codePoint <= 0x20 || (codePoint >= 0x7f && codePoint <= 0xa0) || codePoint === 0xfeff || (codePoint >= 0x2000 && codePoint <= 0x200f)) {
    return `the invisible character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${String.fromCodePoint(codePoint)}'`;
}

class Scanner {
  private pos = 0;
  readonly locations = new Map<string, number>();
  readonly duplicateKeys: DuplicateKey[] = [];
  private lines: LineIndex | undefined;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    /** Record where every value is. Off for the first pass: most files have no issues to locate. */
    private readonly record: boolean,
  ) {}

  scanDocument(): void {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw new ScanFailure(0, 'the file is empty; expected a JSON object');
    this.value('', 0);
    this.skipWhitespace();
    if (this.pos < this.text.length) {
      throw new ScanFailure(this.pos, `unexpected ${showChar(this.text, this.pos)} after the end of the JSON document`);
    }
  }

  private where(offset: number): string {
    this.lines ??= new LineIndex(this.text);
    const { line, column } = this.lines.locate(offset);
    return `line ${line}, column ${column}`;
  }

  private code(): number {
    return this.text.charCodeAt(this.pos);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === Char.Space || code === Char.LineFeed || code === Char.CarriageReturn || code === Char.Tab) this.pos++;
      else if (code === Char.Slash && (text[this.pos + 1] === '/' || text[this.pos + 1] === '*')) {
        throw new ScanFailure(this.pos, 'comments are not allowed in JSON');
      } else break;
    }
  }

  private value(path: string, depth: number): void {
    this.skipWhitespace();
    if (this.pos >= this.text.length) throw new ScanFailure(this.pos, 'unexpected end of the file; expected a value');
    if (this.record && !this.locations.has(path)) this.locations.set(path, this.pos);
    const code = this.code();
    if (code === Char.OpenBrace) return this.object(path, depth + 1);
    if (code === Char.OpenBracket) return this.array(path, depth + 1);
    if (code === Char.Quote) {
      this.string();
      return;
    }
    if (code === Char.Minus || isDigit(code)) return this.number();
    if (code === Char.SingleQuote) throw new ScanFailure(this.pos, 'strings must use double quotes (") in JSON');
    if (code === Char.Plus) throw new ScanFailure(this.pos, "numbers cannot start with '+' in JSON");
    if (code === Char.Dot) throw new ScanFailure(this.pos, 'numbers must start with a digit in JSON (write 0.5, not .5)');
    if (isWordChar(code)) return this.literal();
    if (code === Char.Comma) throw new ScanFailure(this.pos, "expected a value before ','");
    throw new ScanFailure(this.pos, `unexpected ${showChar(this.text, this.pos)}; expected a value`);
  }

  private literal(): void {
    const start = this.pos;
    while (this.pos < this.text.length && isWordChar(this.code())) this.pos++;
    const word = this.text.slice(start, this.pos);
    if (word === 'true' || word === 'false' || word === 'null') return;
    if (word === 'True' || word === 'False' || word === 'None' || word === 'TRUE' || word === 'FALSE' || word === 'Null' || word === 'NULL') {
      throw new ScanFailure(start, `'${word}' is not JSON; write true, false or null in lowercase`);
    }
    if (word === 'NaN' || word === 'Infinity' || word === 'undefined') throw new ScanFailure(start, `'${word}' is not a JSON value`);
    throw new ScanFailure(start, `unexpected '${word.length > 20 ? `${word.slice(0, 20)}…` : word}'; expected a value (strings need double quotes)`);
  }

  private number(): void {
    const text = this.text;
    const start = this.pos;
    if (this.code() === Char.Minus) {
      this.pos++;
      if (!isDigit(this.code())) throw new ScanFailure(this.pos, `expected a digit after '-' but found ${showChar(text, this.pos)}`);
    }
    if (this.code() === Char.Zero) {
      this.pos++;
      if (isDigit(this.code())) throw new ScanFailure(start, 'numbers cannot have leading zeros in JSON');
    } else {
      while (isDigit(this.code())) this.pos++;
    }
    if (this.code() === Char.Dot) {
      this.pos++;
      if (!isDigit(this.code())) throw new ScanFailure(this.pos, `expected a digit after '.' but found ${showChar(text, this.pos)}`);
      while (isDigit(this.code())) this.pos++;
    }
    if (text[this.pos] === 'e' || text[this.pos] === 'E') {
      this.pos++;
      if (text[this.pos] === '+' || text[this.pos] === '-') this.pos++;
      if (!isDigit(this.code())) throw new ScanFailure(this.pos, `expected a digit in the exponent but found ${showChar(text, this.pos)}`);
      while (isDigit(this.code())) this.pos++;
    }
  }

  /** Scans a string starting at its opening quote; returns its raw source slice. */
  private string(): string {
    const text = this.text;
    const start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= text.length) throw new ScanFailure(start, `the string that starts at ${this.where(start)} is never closed (missing '"')`);
      const code = this.code();
      if (code === Char.Quote) {
        this.pos++;
        return text.slice(start, this.pos);
      }
      if (code === Char.Backslash) {
        const escaped = text[this.pos + 1];
        if (escaped === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
            throw new ScanFailure(this.pos, 'a \\u escape needs four hex digits');
          }
          this.pos += 6;
        } else if (escaped !== undefined && '"\\/bfnrt'.includes(escaped)) {
          this.pos += 2;
        } else {
          throw new ScanFailure(this.pos, `invalid escape '\\${escaped ?? ''}' in a string (write '\\\\' for a backslash)`);
        }
        continue;
      }
      if (code === Char.LineFeed || code === Char.CarriageReturn) {
        throw new ScanFailure(this.pos, 'line break inside a string: JSON strings cannot span lines (write \\n)');
      }
      if (code < 0x20) throw new ScanFailure(this.pos, `control character ${showChar(text, this.pos)} inside a string must be escaped`);
      this.pos++;
    }
  }

  private enter(depth: number): void {
    if (depth > this.maxDepth) throw new ScanFailure(this.pos, `the document is nested more than ${this.maxDepth} levels deep`);
  }

  private object(path: string, depth: number): void {
    this.enter(depth);
    const open = this.pos;
    this.pos++;
    const seen = new Map<string, number>();
    this.skipWhitespace();
    if (this.code() === Char.CloseBrace) {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      const keyOffset = this.pos;
      const code = this.code();
      if (this.pos >= this.text.length) throw this.unclosed('{', open);
      if (code !== Char.Quote) {
        if (code === Char.SingleQuote) throw new ScanFailure(this.pos, 'property names must use double quotes (") in JSON');
        if (isWordChar(code)) throw new ScanFailure(this.pos, 'property names must be in double quotes in JSON');
        throw new ScanFailure(this.pos, `unexpected ${showChar(this.text, this.pos)}; expected a property name in double quotes`);
      }
      const raw = this.string();
      const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      const memberPath = this.record ? pathJoin(path, key) : '';
      const first = seen.get(key);
      if (first === undefined) seen.set(key, keyOffset);
      else this.duplicateKeys.push({ path: memberPath, key, offset: keyOffset, firstOffset: first });
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw this.unclosed('{', open);
      if (this.code() !== Char.Colon) {
        throw new ScanFailure(this.pos, `expected ':' after the property name ${JSON.stringify(key)} but found ${showChar(this.text, this.pos)}`);
      }
      this.pos++;
      if (first === undefined && this.record) this.locations.set(memberPath, keyOffset);
      this.value(memberPath, depth);
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw this.unclosed('{', open);
      const next = this.code();
      if (next === Char.CloseBrace) {
        this.pos++;
        return;
      }
      if (next !== Char.Comma) {
        const hint = next === Char.Quote ? " (missing ',' between properties?)" : '';
        throw new ScanFailure(this.pos, `expected ',' or '}' after the value of ${JSON.stringify(key)} but found ${showChar(this.text, this.pos)}${hint}`);
      }
      const comma = this.pos;
      this.pos++;
      this.skipWhitespace();
      if (this.code() === Char.CloseBrace) throw new ScanFailure(comma, "trailing comma before '}' is not allowed in JSON");
    }
  }

  private array(path: string, depth: number): void {
    this.enter(depth);
    const open = this.pos;
    this.pos++;
    this.skipWhitespace();
    if (this.code() === Char.CloseBracket) {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw this.unclosed('[', open);
      this.value(pathJoin(path, index), depth);
      this.skipWhitespace();
      if (this.pos >= this.text.length) throw this.unclosed('[', open);
      const next = this.code();
      if (next === Char.CloseBracket) {
        this.pos++;
        return;
      }
      if (next !== Char.Comma) {
        const hint = next === Char.OpenBrace || next === Char.Quote || next === Char.OpenBracket ? " (missing ',' between elements?)" : '';
        throw new ScanFailure(this.pos, `expected ',' or ']' after an array element but found ${showChar(this.text, this.pos)}${hint}`);
      }
      const comma = this.pos;
      this.pos++;
      this.skipWhitespace();
      if (this.code() === Char.CloseBracket) throw new ScanFailure(comma, "trailing comma before ']' is not allowed in JSON");
    }
  }

  private unclosed(bracket: '{' | '[', open: number): ScanFailure {
    const closing = bracket === '{' ? '}' : ']';
    return new ScanFailure(this.text.length, `the file ends before the '${bracket}' at ${this.where(open)} is closed (missing '${closing}')`);
  }
}

/**
 * Checks JSON syntax, finds repeated keys, and (with `record`) where every value is; without
 * it `locations` is empty and duplicate keys carry no path. Never throws.
 */
export function scanJson(text: string, options: { maxDepth?: number; record?: boolean } = {}): JsonScanResult {
  const scanner = new Scanner(text, options.maxDepth ?? MAX_JSON_DEPTH, options.record ?? true);
  try {
    scanner.scanDocument();
  } catch (error) {
    if (error instanceof ScanFailure) return { ok: false, offset: error.offset, message: error.message };
    return { ok: false, offset: 0, message: `could not read the JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, locations: scanner.locations, duplicateKeys: scanner.duplicateKeys };
}

/**
 * The offset a JSON.parse error message points at, across V8 versions:
 * `… in JSON at position 12`, `… (line 2 column 5)`, `Unexpected end of JSON input`.
 * Undefined when the message carries no position (`Unexpected token '}', "…" is not valid JSON`).
 */
export function jsonErrorOffset(message: string, text: string): number | undefined {
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineColumn) return new LineIndex(text).offsetOf(Number(lineColumn[1]), Number(lineColumn[2]));
  const position = /at position (\d+)/.exec(message);
  if (position) return Math.min(Number(position[1]), text.length);
  if (/end of (JSON|data|input)/i.test(message)) return text.length;
  return undefined;
}

/** Offset ↔ 1-based line and column. Line breaks: `\n`, `\r\n` and a lone `\r`. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code === Char.LineFeed) this.starts.push(i + 1);
      else if (code === Char.CarriageReturn) {
        if (text.charCodeAt(i + 1) === Char.LineFeed) i++;
        this.starts.push(i + 1);
      }
    }
  }

  locate(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - this.starts[low]! + 1 };
  }

  offsetOf(line: number, column: number): number {
    const start = this.starts[Math.min(Math.max(line, 1), this.starts.length) - 1]!;
    return start + Math.max(column, 1) - 1;
  }
}

/**
 * Finds the line and column of a path, falling back to the nearest enclosing value that
 * exists. Scans the text for locations the first time it is asked, so a file without issues
 * never pays for it.
 */
export class SourceLocator {
  private lines: LineIndex | undefined;
  private locations: ReadonlyMap<string, number> | undefined;

  constructor(
    private readonly text: string,
    locations?: ReadonlyMap<string, number>,
  ) {
    this.locations = locations;
  }

  locate(path: string | undefined): { line: number; column: number } | undefined {
    if (path === undefined) return undefined;
    if (!this.locations) {
      const scan = scanJson(this.text, { record: true });
      this.locations = scan.ok ? scan.locations : new Map();
    }
    let current = path;
    for (;;) {
      const offset = this.locations.get(current);
      if (offset !== undefined) {
        this.lines ??= new LineIndex(this.text);
        return this.lines.locate(offset);
      }
      if (current === '') return undefined;
      current = parentPath(current);
    }
  }
}

/** `nodes[2].params.test` → `nodes[2].params` → `nodes[2]` → `nodes` → ``. */
export function parentPath(path: string): string {
  const steps = splitPath(path);
  return steps.slice(0, -1).join('');
}

/** Splits a path into its steps, each as written: `nodes`, `[2]`, `.params`, `["a b"]`. */
function splitPath(path: string): string[] {
  const steps: string[] = [];
  let i = 0;
  while (i < path.length) {
    const start = i;
    if (path[i] === '[') {
      if (path[i + 1] === '"') {
        i += 2;
        while (i < path.length && path[i] !== '"') i += path[i] === '\\' ? 2 : 1;
        i += 2; // closing quote and bracket
      } else {
        while (i < path.length && path[i] !== ']') i++;
        i++;
      }
    } else {
      i++;
      while (i < path.length && path[i] !== '.' && path[i] !== '[') i++;
    }
    steps.push(path.slice(start, Math.min(i, path.length)));
  }
  return steps;
}
