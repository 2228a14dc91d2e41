/**
 * The `--where` filter language of `tensorloom runs` and `GET /api/runs?where=`:
 *
 *   metrics.accuracy > 0.9 and params.train.epochs = 50
 *   (tags.team = "vision" or experiment = 'wine') and not status = failed
 *
 * Comparisons `field op value` (op: = == != <> < <= > >=), joined by `and` (binds tighter)
 * and `or`, negated by `not`, grouped by parentheses; keywords in any case. Values are
 * numbers, quoted strings ('…' or "…", backslash escapes the quote), true/false, or a bare
 * word (read as a string: `status = failed`). Fields are listed in FIELD_HELP.
 */
import { checkField, type FieldPath } from './run-fields.js';

export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Literal = number | string | boolean;

export type WhereExpr =
  | { kind: 'and' | 'or'; left: WhereExpr; right: WhereExpr }
  | { kind: 'not'; expr: WhereExpr }
  | { kind: 'compare'; field: FieldPath; op: Operator; value: Literal };

/** A mistake in a filter or sort expression, with the 1-based column it points at. */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  constructor(
    message: string,
    readonly source: string,
    readonly column: number,
    /** The flag or query parameter the expression came from, for the message. */
    readonly origin = 'where',
  ) {
    super(message);
  }

  /** Three lines: what is wrong, the expression, and a caret under the column. */
  display(): string {
    return `--${this.origin}: ${this.message} (column ${this.column})\n  ${this.source}\n  ${' '.repeat(this.column - 1)}^`;
  }
}

export function isQuerySyntaxError(error: unknown): error is QuerySyntaxError {
  return error instanceof Error && error.name === 'QuerySyntaxError';
}

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'number'; value: number; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'op'; op: Operator; at: number }
  | { kind: '(' | ')'; at: number }
  | { kind: 'end'; at: number };

const OPERATORS: [string, Operator][] = [
  ['==', '='],
  ['!=', '!='],
  ['<>', '!='],
  ['<=', '<='],
  ['>=', '>='],
  ['=', '='],
  ['<', '<'],
  ['>', '>'],
];
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.-]*/;
const QUOTED_SEGMENT = /^`[^`]*`/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const fail = (message: string, column = at) => {
    throw new QuerySyntaxError(message, source, column + 1);
  };
  while (at < source.length) {
    const char = source[at]!;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    const rest = source.slice(at);
    if (char === '(' || char === ')') {
      tokens.push({ kind: char, at });
      at += 1;
      continue;
    }
    const op = OPERATORS.find(([text]) => rest.startsWith(text));
    if (op) {
      tokens.push({ kind: 'op', op: op[1], at });
      at += op[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      let value = '';
      let end = at + 1;
      for (; end < source.length && source[end] !== char; end += 1) {
        if (source[end] === '\\' && end + 1 < source.length) end += 1;
        value += source[end];
      }
      if (end >= source.length) fail(`the string opened here is not closed (add a ${char})`);
      tokens.push({ kind: 'string', value, at });
      at = end + 1;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number && !/[A-Za-z_]/.test(rest[number[0].length] ?? '')) {
      tokens.push({ kind: 'number', value: Number(number[0]), text: number[0], at });
      at += number[0].length;
      continue;
    }
    const word = wordAt(rest);
    if (word !== undefined) {
      tokens.push({ kind: 'word', text: word, at });
      at += word.length;
      continue;
    }
    fail(`unexpected '${char}'`);
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;
}

/** A field or bare word: `metrics.val_loss`, `tags.team`, or with backquoted segments for other characters: metrics.`my metric`. */
function wordAt(text: string): string | undefined {
  let length = 0;
  for (;;) {
    const rest = text.slice(length);
    const match = (length === 0 || text[length - 1] === '.' ? QUOTED_SEGMENT.exec(rest) : null) ?? (length === 0 ? WORD.exec(rest) : /^[A-Za-z0-9_.-]+/.exec(rest));
    if (!match) break;
    length += match[0].length;
  }
  return length === 0 ? undefined : text.slice(0, length);
}

/** Splits a field word at its dots; backquoted segments keep theirs. */
export function fieldSegments(word: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < word.length; i += 1) {
    const char = word[i]!;
    if (char === '`') {
      const end = word.indexOf('`', i + 1);
      current += word.slice(i + 1, end);
      i = end;
    } else if (char === '.') {
      segments.push(current);
      current = '';
    } else current += char;
  }
  segments.push(current);
  return segments;
}

const KEYWORDS = new Set(['and', 'or', 'not']);

/** Parses a filter; throws QuerySyntaxError pointing at the first problem. */
export function parseWhere(source: string): WhereExpr {
  const tokens = tokenize(source);
  let index = 0;
  const peek = () => tokens[index]!;
  const isKeyword = (token: Token, keyword: string) => token.kind === 'word' && token.text.toLowerCase() === keyword;
  const fail = (message: string, token: Token = peek()): never => {
    throw new QuerySyntaxError(message, source, token.at + 1);
  };
  const describe = (token: Token) =>
    token.kind === 'end' ? 'the end' : token.kind === 'word' ? `'${token.text}'` : token.kind === 'op' ? `'${token.op}'` : token.kind === 'number' ? token.text : token.kind === 'string' ? 'a string' : `'${token.kind}'`;

  function or(): WhereExpr {
    let left = and();
    while (isKeyword(peek(), 'or')) {
      index += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  }
  function and(): WhereExpr {
    let left = unary();
    while (isKeyword(peek(), 'and')) {
      index += 1;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  }
  function unary(): WhereExpr {
    if (isKeyword(peek(), 'not')) {
      index += 1;
      return { kind: 'not', expr: unary() };
    }
    if (peek().kind === '(') {
      const open = peek();
      index += 1;
      const inner = or();
      if (peek().kind !== ')') fail(peek().kind === 'end' ? "the '(' here is not closed (add a ')')" : `expected 'and', 'or' or ')', found ${describe(peek())}`, peek().kind === 'end' ? open : peek());
      index += 1;
      return inner;
    }
    return comparison();
  }
  function comparison(): WhereExpr {
    const token = peek();
    if (token.kind !== 'word' || KEYWORDS.has(token.text.toLowerCase())) {
      return fail(`expected a field such as metrics.accuracy, params.train.epochs, tags.team or status, found ${describe(token)}`);
    }
    const problem = checkField(fieldSegments(token.text));
    if (problem !== undefined) fail(problem);
    index += 1;
    const opToken = peek();
    if (opToken.kind !== 'op') return fail(`expected a comparison (=, !=, <, <=, >, >=) after '${token.text}', found ${describe(opToken)}`);
    index += 1;
    const valueToken = peek();
    let value: Literal;
    if (valueToken.kind === 'number') value = valueToken.value;
    else if (valueToken.kind === 'string') value = valueToken.value;
    else if (valueToken.kind === 'word' && !KEYWORDS.has(valueToken.text.toLowerCase())) {
      const lower = valueToken.text.toLowerCase();
      value = lower === 'true' ? true : lower === 'false' ? false : valueToken.text;
    } else return fail(`expected a value (a number, a quoted string, true or false) after '${opToken.op}', found ${describe(valueToken)}`);
    index += 1;
    return { kind: 'compare', field: fieldSegments(token.text), op: opToken.op, value };
  }

  if (peek().kind === 'end') fail('the filter is empty');
  const expr = or();
  if (peek().kind !== 'end') fail(`expected 'and', 'or' or the end, found ${describe(peek())}`);
  return expr;
}
