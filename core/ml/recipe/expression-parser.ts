/**
 * The arithmetic language of feature.expression, parsed by hand (no eval, no Function):
 * numbers, column names (identifiers, or `backtick quoted` for any other name, with ``
 * for a backtick inside), + - * / % ^, unary minus, parentheses and a fixed set of
 * functions. Precedence, low to high: + -, then * / %, then unary -, then ^ (right
 * associative, so -2^2 is -4 and 2^3^2 is 2^9). Every problem is an ExpressionError
 * with a 1-based character position.
 */

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** 1-based character position the message is about. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(`${message} at character ${position}`);
    this.position = position;
  }
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '^';

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly at: number }
  | { readonly kind: 'column'; readonly name: string; readonly at: number }
  | { readonly kind: 'negate'; readonly operand: Expr; readonly at: number }
  | { readonly kind: 'binary'; readonly op: BinaryOperator; readonly left: Expr; readonly right: Expr; readonly at: number }
  | { readonly kind: 'call'; readonly fn: FunctionName; readonly args: readonly Expr[]; readonly at: number };

/** Half away from zero (2.5 → 3, -2.5 → -3), as spreadsheets and SQL round; Math.round would give -2. */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** Arity and meaning of each function. Results that are not finite become null when evaluated. */
export const FUNCTIONS = {
  abs: { min: 1, max: 1, apply: (x: number) => Math.abs(x) },
  ceil: { min: 1, max: 1, apply: (x: number) => Math.ceil(x) },
  clip: { min: 3, max: 3, apply: (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi) },
  exp: { min: 1, max: 1, apply: (x: number) => Math.exp(x) },
  floor: { min: 1, max: 1, apply: (x: number) => Math.floor(x) },
  log: { min: 1, max: 1, apply: (x: number) => Math.log(x) },
  max: { min: 2, max: Infinity, apply: (...xs: number[]) => Math.max(...xs) },
  min: { min: 2, max: Infinity, apply: (...xs: number[]) => Math.min(...xs) },
  pow: { min: 2, max: 2, apply: (x: number, y: number) => x ** y },
  round: { min: 1, max: 1, apply: roundHalfAway },
  sqrt: { min: 1, max: 1, apply: (x: number) => Math.sqrt(x) },
} as const satisfies Record<string, { min: number; max: number; apply: (...xs: number[]) => number }>;
export type FunctionName = keyof typeof FUNCTIONS;

function isFunctionName(name: string): name is FunctionName {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, name);
}

type Token =
  | { type: 'number'; value: number; text: string; at: number }
  | { type: 'name'; name: string; quoted: boolean; text: string; at: number }
  | { type: 'op'; op: BinaryOperator; text: string; at: number }
  | { type: '(' | ')' | ','; text: string; at: number }
  | { type: 'end'; text: string; at: number };

const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[\p{L}_][\p{L}\p{N}_]*/uy;
const OPERATORS = new Set<string>(['+', '-', '*', '/', '%', '^']);
/** Deeper nesting than this is refused, so a hostile expression cannot overflow the stack. */
const MAX_DEPTH = 200;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const char = source[i]!;
    const at = i + 1;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      i++;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(source);
    if (number) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new ExpressionError(`number '${number[0]}' is too large`, at);
      tokens.push({ type: 'number', value, text: number[0], at });
      i += number[0].length;
      continue;
    }
    IDENTIFIER.lastIndex = i;
    const identifier = IDENTIFIER.exec(source);
    if (identifier) {
      tokens.push({ type: 'name', name: identifier[0], quoted: false, text: identifier[0], at });
      i += identifier[0].length;
      continue;
    }
    if (char === '`') {
      let name = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ExpressionError('unterminated `quoted name` starting', at);
        if (source[j] === '`') {
          if (source[j + 1] === '`') {
            name += '`';
            j += 2;
            continue;
          }
          break;
        }
        name += source[j];
        j++;
      }
      if (name === '') throw new ExpressionError('empty `quoted name`', at);
      tokens.push({ type: 'name', name, quoted: true, text: source.slice(i, j + 1), at });
      i = j + 1;
      continue;
    }
    if (OPERATORS.has(char)) {
      tokens.push({ type: 'op', op: char as BinaryOperator, text: char, at });
      i++;
      continue;
    }
    if (char === '(' || char === ')' || char === ',') {
      tokens.push({ type: char, text: char, at });
      i++;
      continue;
    }
    const shown = String.fromCodePoint(source.codePointAt(i)!);
    throw new ExpressionError(`unexpected '${shown}'`, at);
  }
  tokens.push({ type: 'end', text: '', at: source.length + 1 });
  return tokens;
}

function describe(token: Token): string {
  if (token.type === 'end') return 'end of expression';
  return `'${token.text}'`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Expr {
    if (this.peek().type === 'end') throw new ExpressionError('the expression is empty', 1);
    const expr = this.additive();
    const next = this.peek();
    if (next.type !== 'end') throw new ExpressionError(`unexpected ${describe(next)}`, next.at);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    return this.tokens[this.index++]!;
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`the expression nests more than ${MAX_DEPTH} levels deep`, at);
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (let token = this.peek(); token.type === 'op' && (token.op === '+' || token.op === '-'); token = this.peek()) {
      this.next();
      left = { kind: 'binary', op: token.op, left, right: this.multiplicative(), at: token.at };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (let token = this.peek(); token.type === 'op' && (token.op === '*' || token.op === '/' || token.op === '%'); token = this.peek()) {
      this.next();
      left = { kind: 'binary', op: token.op, left, right: this.unary(), at: token.at };
    }
    return left;
  }

  private unary(): Expr {
    const token = this.peek();
    if (token.type === 'op' && (token.op === '-' || token.op === '+')) {
      this.next();
      this.enter(token.at);
      const operand = this.unary();
      this.depth--;
      return token.op === '-' ? { kind: 'negate', operand, at: token.at } : operand;
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    const token = this.peek();
    if (token.type === 'op' && token.op === '^') {
      this.next();
      this.enter(token.at);
      const exponent = this.unary();
      this.depth--;
      return { kind: 'binary', op: '^', left: base, right: exponent, at: token.at };
    }
    return base;
  }

  private primary(): Expr {
    const token = this.next();
    switch (token.type) {
      case 'number':
        return { kind: 'number', value: token.value, at: token.at };
      case 'name':
        if (!token.quoted && this.peek().type === '(') return this.call(token.name, token.at);
        return { kind: 'column', name: token.name, at: token.at };
      case '(': {
        this.enter(token.at);
        const inner = this.additive();
        this.depth--;
        const close = this.next();
        if (close.type !== ')') throw new ExpressionError(`expected ')' to close the '(' at character ${token.at}, found ${describe(close)}`, close.at);
        return inner;
      }
      default:
        throw new ExpressionError(`unexpected ${describe(token)}`, token.at);
    }
  }

  private call(name: string, at: number): Expr {
    if (!isFunctionName(name)) {
      throw new ExpressionError(`unknown function '${name}' (functions are: ${Object.keys(FUNCTIONS).join(', ')}; quote a column name with backticks)`, at);
    }
    this.next(); // '('
    this.enter(at);
    const args: Expr[] = [];
    if (this.peek().type !== ')') {
      for (;;) {
        args.push(this.additive());
        const separator = this.next();
        if (separator.type === ')') break;
        if (separator.type !== ',') throw new ExpressionError(`expected ',' or ')' in the call to ${name}, found ${describe(separator)}`, separator.at);
      }
    } else this.next();
    this.depth--;
    const { min, max } = FUNCTIONS[name];
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `at least ${min} arguments`;
      throw new ExpressionError(`${name} takes ${wanted} (got ${args.length})`, at);
    }
    return { kind: 'call', fn: name, args, at };
  }
}

/** Parses an expression; throws ExpressionError (and nothing else) on any malformed input. */
export function parseExpression(source: string): Expr {
  return new Parser(tokenize(source)).parse();
}

/** The columns an expression reads, each with where it first appears. */
export function referencedColumns(expr: Expr): Map<string, number> {
  const found = new Map<string, number>();
  const visit = (node: Expr): void => {
    switch (node.kind) {
      case 'column':
        if (!found.has(node.name)) found.set(node.name, node.at);
        return;
      case 'negate':
        return visit(node.operand);
      case 'binary':
        visit(node.left);
        return visit(node.right);
      case 'call':
        return node.args.forEach(visit);
      case 'number':
        return;
    }
  };
  visit(expr);
  return found;
}

/** A value that is not finite (x/0, log(0), overflow) is null: NaN inside, null in the column. */
function finite(x: number): number {
  return x - x === 0 ? x : NaN;
}

const BINARY: Record<BinaryOperator, (a: number, b: number) => number> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '^': (a, b) => a ** b,
};

/**
 * Evaluates over whole columns at once. `column(name)` gives a column's numbers with NaN
 * for missing; the result has NaN where any input is missing or a step is not finite.
 */
export function evaluateExpression(expr: Expr, column: (name: string) => Float64Array, rows: number): Float64Array {
  switch (expr.kind) {
    case 'number':
      return new Float64Array(rows).fill(expr.value);
    case 'column': {
      const values = column(expr.name);
      const out = new Float64Array(rows);
      for (let k = 0; k < rows; k++) out[k] = finite(values[k]!);
      return out;
    }
    case 'negate': {
      const out = evaluateExpression(expr.operand, column, rows);
      for (let k = 0; k < rows; k++) out[k] = -out[k]!;
      return out;
    }
    case 'binary': {
      const left = evaluateExpression(expr.left, column, rows);
      const right = evaluateExpression(expr.right, column, rows);
      const op = BINARY[expr.op];
      for (let k = 0; k < rows; k++) left[k] = finite(op(left[k]!, right[k]!));
      return left;
    }
    case 'call': {
      const args = expr.args.map((arg) => evaluateExpression(arg, column, rows));
      const fn = FUNCTIONS[expr.fn].apply as (...xs: number[]) => number;
      const out = args[0]!;
      // Fixed arities without a spread per row: a large share of the time on big tables.
      const [a, b, c] = args;
      if (args.length === 1) {
        for (let k = 0; k < rows; k++) out[k] = finite(fn(out[k]!));
        return out;
      }
      if (args.length === 2) {
        for (let k = 0; k < rows; k++) out[k] = finite(fn(a![k]!, b![k]!));
        return out;
      }
      if (args.length === 3) {
        for (let k = 0; k < rows; k++) out[k] = finite(fn(a![k]!, b![k]!, c![k]!));
        return out;
      }
      const scratch = new Array<number>(args.length);
      for (let k = 0; k < rows; k++) {
        for (let a = 0; a < args.length; a++) scratch[a] = args[a]![k]!;
        out[k] = finite(fn(...scratch));
      }
      return out;
    }
  }
}
