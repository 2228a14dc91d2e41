/**
 * The arithmetic language of feature.expression, parsed by hand (no eval, no Function):
 * numbers, column names (identifiers, or `backtick quoted` for any other name, with ``
 * for a backtick inside), + - * / % ^, unary minus, parentheses and a fixed set of
 * functions. Precedence, low to high: + -, then * / %, then unary -, then ^ (right
 * associative, so -2^2 is -4 and 2^3^2 is 2^9). Every problem is an ExpressionError
 * with a 1-based character position.
 *
 * Any text must fail fast and cleanly, never with a stack overflow or gigabytes of tokens:
 * the size is capped (EXPRESSION_LIMITS) before anything is built, the only recursion in the
 * parser is one level per parenthesis (capped at 64), and every walk over the tree
 * (column collection, compiling, evaluation) uses an explicit stack, since a chain like
 * `a + b + … ` or `- - - x` is a tree as deep as it is long.
 */

/**
 * Size limits, checked before parsing (and by the node's params schema, so `tensorloom
 * validate` refuses the same text). 10,000 characters is several screens of formula;
 * 1,000 terms (numbers and column references) is far beyond any hand-written feature, and
 * each term costs one pass over the column; 64 levels of parentheses is far beyond what a
 * person can read, and bounds the parser's recursion.
 */
export const EXPRESSION_LIMITS = { characters: 10_000, terms: 1_000, depth: 64 } as const;

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  /** 1-based character position the message is about. */
  readonly position: number;
  /**
   * Set when a size limit was crossed: the problem worded to follow a subject
   * (`has 4,001 terms, more than the limit of 1,000`), so a caller can name the param.
   */
  readonly limit: string | undefined;

  constructor(message: string, position: number, limit?: string) {
    super(limit === undefined ? `${message} at character ${position}` : `the expression ${limit}`);
    this.position = position;
    this.limit = limit;
  }
}

/** `4001` → `4,001`, without depending on the locale data Node was built with. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
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
      if (!Number.isFinite(value)) {
        const shown = number[0].length > 20 ? `${number[0].slice(0, 20)}…` : number[0];
        throw new ExpressionError(`number '${shown}' is too large`, at);
      }
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

/** A name followed by '(' is a function call, not a column (and not a term). */
function isCallName(tokens: readonly Token[], index: number): boolean {
  const token = tokens[index]!;
  return token.type === 'name' && !token.quoted && tokens[index + 1]!.type === '(';
}

/** Refuses more terms or deeper parentheses than EXPRESSION_LIMITS, naming how many there are. */
function checkLimits(tokens: readonly Token[]): void {
  let terms = 0;
  let firstTermOver = 0;
  let depth = 0;
  let deepest = 0;
  let firstTooDeep = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.type === 'number' || (token.type === 'name' && !isCallName(tokens, index))) {
      if (++terms === EXPRESSION_LIMITS.terms + 1) firstTermOver = token.at;
    } else if (token.type === '(') {
      deepest = Math.max(deepest, ++depth);
      if (depth === EXPRESSION_LIMITS.depth + 1 && firstTooDeep === 0) firstTooDeep = token.at;
    } else if (token.type === ')') {
      // An unbalanced ')' is the parser's to report, with its position.
      depth = Math.max(0, depth - 1);
    }
  }
  if (terms > EXPRESSION_LIMITS.terms) {
    throw new ExpressionError('', firstTermOver, `has ${thousands(terms)} terms, more than the limit of ${thousands(EXPRESSION_LIMITS.terms)}`);
  }
  if (deepest > EXPRESSION_LIMITS.depth) {
    throw new ExpressionError('', firstTooDeep, `nests parentheses ${thousands(deepest)} levels deep, more than the limit of ${EXPRESSION_LIMITS.depth}`);
  }
}

/** Wraps `operand` in one negation per '-' sign, the last sign innermost. */
function negated(signs: readonly Token[], operand: Expr): Expr {
  let result = operand;
  for (let i = signs.length - 1; i >= 0; i--) result = { kind: 'negate', operand: result, at: signs[i]!.at };
  return result;
}

/**
 * Recursive descent, except that operator chains and prefix signs are read in loops; the
 * only recursion is into a parenthesis or a call's arguments, which checkLimits bounds.
 */
class Parser {
  private index = 0;

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

  /** Leading '+' and '-' signs; a '+' changes nothing. */
  private signs(): Token[] {
    const minus: Token[] = [];
    for (let token = this.peek(); token.type === 'op' && (token.op === '-' || token.op === '+'); token = this.peek()) {
      this.next();
      if (token.op === '-') minus.push(token);
    }
    return minus;
  }

  private unary(): Expr {
    const signs = this.signs();
    return negated(signs, this.power());
  }

  /**
   * `a ^ b ^ -c`: each exponent is a signed operand that takes the rest of the chain
   * (right-associative), so the operands are collected first and folded from the right.
   */
  private power(): Expr {
    const bases: Expr[] = [this.primary()];
    const carets: Token[] = [];
    const signs: Token[][] = [[]];
    for (let token = this.peek(); token.type === 'op' && token.op === '^'; token = this.peek()) {
      carets.push(this.next());
      signs.push(this.signs());
      bases.push(this.primary());
    }
    let result = bases[bases.length - 1]!;
    for (let k = bases.length - 1; k >= 1; k--) {
      result = { kind: 'binary', op: '^', left: bases[k - 1]!, right: negated(signs[k]!, result), at: carets[k - 1]!.at };
    }
    return result;
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
        const inner = this.additive();
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
    const args: Expr[] = [];
    if (this.peek().type !== ')') {
      for (;;) {
        args.push(this.additive());
        const separator = this.next();
        if (separator.type === ')') break;
        if (separator.type !== ',') throw new ExpressionError(`expected ',' or ')' in the call to ${name}, found ${describe(separator)}`, separator.at);
      }
    } else this.next();
    const { min, max } = FUNCTIONS[name];
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min} argument${min === 1 ? '' : 's'}` : `at least ${min} arguments`;
      throw new ExpressionError(`${name} takes ${wanted} (got ${args.length})`, at);
    }
    return { kind: 'call', fn: name, args, at };
  }
}

/**
 * Parses an expression; throws ExpressionError (and nothing else) on any malformed input,
 * including text over EXPRESSION_LIMITS (checked before anything is built).
 */
export function parseExpression(source: string): Expr {
  if (source.length > EXPRESSION_LIMITS.characters) {
    const limit = `is ${thousands(source.length)} characters long, more than the limit of ${thousands(EXPRESSION_LIMITS.characters)}`;
    throw new ExpressionError('', EXPRESSION_LIMITS.characters + 1, limit);
  }
  const tokens = tokenize(source);
  checkLimits(tokens);
  return new Parser(tokens).parse();
}

/** The direct subexpressions, left to right. */
function children(node: Expr): readonly Expr[] {
  switch (node.kind) {
    case 'negate':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'call':
      return node.args;
    default:
      return [];
  }
}

/** The columns an expression reads, each with where it first appears. */
export function referencedColumns(expr: Expr): Map<string, number> {
  const found = new Map<string, number>();
  // Depth-first, left to right, with an explicit stack (see the file comment).
  const pending: Expr[] = [expr];
  while (pending.length > 0) {
    const node = pending.pop()!;
    if (node.kind === 'column') {
      if (!found.has(node.name)) found.set(node.name, node.at);
      continue;
    }
    const next = children(node);
    for (let i = next.length - 1; i >= 0; i--) pending.push(next[i]!);
  }
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

/** One step of a compiled expression: a stack machine over whole columns. */
type Instruction =
  | { readonly op: 'number'; readonly value: number }
  | { readonly op: 'column'; readonly name: string }
  | { readonly op: 'negate' }
  /** Pops two, pushes one. `swapped`: the right operand was computed first (it is below). */
  | { readonly op: 'binary'; readonly apply: (a: number, b: number) => number; readonly swapped: boolean }
  | { readonly op: 'unary'; readonly apply: (x: number) => number }
  | { readonly op: 'clip' };

const NEGATE: Instruction = { op: 'negate' };
const MIN_OF_TWO = (a: number, b: number): number => Math.min(a, b);
const MAX_OF_TWO = (a: number, b: number): number => Math.max(a, b);
const POW = (a: number, b: number): number => a ** b;

/**
 * Columns a subtree holds at once while it is computed (Sethi–Ullman numbers). Computing
 * the hungrier operand first keeps that small — about log2(terms) — even for a chain that
 * leans right such as `a ^ b ^ c ^ …`, which computed left-first holds one column per term.
 */
function columnsNeeded(expr: Expr): Map<Expr, number> {
  const need = new Map<Expr, number>();
  const pending: { node: Expr; expanded: boolean }[] = [{ node: expr, expanded: false }];
  while (pending.length > 0) {
    const top = pending.pop()!;
    const next = children(top.node);
    if (!top.expanded) {
      pending.push({ node: top.node, expanded: true });
      for (const child of next) pending.push({ node: child, expanded: false });
      continue;
    }
    const needs = next.map((child) => need.get(child)!);
    let n = 1;
    if (top.node.kind === 'call' && (top.node.fn === 'min' || top.node.fn === 'max')) {
      // Folded pairwise, hungriest argument first (min and max do not care about order).
      needs.sort((a, b) => b - a);
      n = needs.reduce((most, k, i) => Math.max(most, k + (i === 0 ? 0 : 1)), 0);
    } else if (needs.length === 2 && (top.node.kind === 'binary' || top.node.kind === 'call')) {
      const [a, b] = needs as [number, number];
      n = a === b ? a + 1 : Math.max(a, b);
    } else if (needs.length > 0) {
      n = needs.reduce((most, k, i) => Math.max(most, k + i), 0);
    }
    need.set(top.node, n);
  }
  return need;
}

const compiled = new WeakMap<Expr, readonly Instruction[]>();

/** The tree as a postfix program, built with an explicit stack; cached per tree. */
function compile(expr: Expr): readonly Instruction[] {
  const cached = compiled.get(expr);
  if (cached) return cached;
  const need = columnsNeeded(expr);
  const program: Instruction[] = [];
  // Popped in order: a node expands into its parts, pushed in reverse.
  const pending: (Expr | Instruction)[] = [expr];
  const push = (...items: (Expr | Instruction)[]): void => {
    for (let i = items.length - 1; i >= 0; i--) pending.push(items[i]!);
  };
  while (pending.length > 0) {
    const item = pending.pop()!;
    // Instructions have no `kind` (a binary Expr has an `op`, so test for `kind`).
    if (!('kind' in item)) {
      program.push(item);
      continue;
    }
    switch (item.kind) {
      case 'number':
        program.push({ op: 'number', value: item.value });
        break;
      case 'column':
        program.push({ op: 'column', name: item.name });
        break;
      case 'negate': {
        // A run of negations is one pass or none (-(-x) is x for every double, NaN and -0
        // included), so 9,000 signs cost no more than one.
        let operand: Expr = item.operand;
        let count = 1;
        while (operand.kind === 'negate') {
          operand = operand.operand;
          count++;
        }
        push(operand, ...(count % 2 === 1 ? [NEGATE] : []));
        break;
      }
      case 'binary': {
        const swapped = need.get(item.right)! > need.get(item.left)!;
        const apply = BINARY[item.op];
        push(...(swapped ? [item.right, item.left] : [item.left, item.right]), { op: 'binary', apply, swapped });
        break;
      }
      case 'call': {
        const { fn, args } = item;
        if (fn === 'min' || fn === 'max') {
          const apply = fn === 'min' ? MIN_OF_TWO : MAX_OF_TWO;
          const ordered = [...args].sort((a, b) => need.get(b)! - need.get(a)!);
          const parts: (Expr | Instruction)[] = [ordered[0]!];
          for (const arg of ordered.slice(1)) parts.push(arg, { op: 'binary', apply, swapped: false });
          push(...parts);
        } else if (fn === 'pow') {
          const swapped = need.get(args[1]!)! > need.get(args[0]!)!;
          push(...(swapped ? [args[1]!, args[0]!] : [args[0]!, args[1]!]), { op: 'binary', apply: POW, swapped });
        } else if (fn === 'clip') {
          push(args[0]!, args[1]!, args[2]!, { op: 'clip' });
        } else {
          push(args[0]!, { op: 'unary', apply: FUNCTIONS[fn].apply });
        }
        break;
      }
    }
  }
  compiled.set(expr, program);
  return program;
}

/**
 * Evaluates over whole columns at once. `column(name)` gives a column's numbers with NaN
 * for missing; the result has NaN where any input is missing or a step is not finite.
 * Every column on the stack is a fresh array, so each step writes in place.
 */
export function evaluateExpression(expr: Expr, column: (name: string) => Float64Array, rows: number): Float64Array {
  const stack: Float64Array[] = [];
  for (const step of compile(expr)) {
    switch (step.op) {
      case 'number':
        stack.push(new Float64Array(rows).fill(step.value));
        break;
      case 'column': {
        const values = column(step.name);
        const out = new Float64Array(rows);
        for (let k = 0; k < rows; k++) out[k] = finite(values[k]!);
        stack.push(out);
        break;
      }
      case 'negate': {
        const out = stack[stack.length - 1]!;
        for (let k = 0; k < rows; k++) out[k] = -out[k]!;
        break;
      }
      case 'unary': {
        const out = stack[stack.length - 1]!;
        const fn = step.apply;
        for (let k = 0; k < rows; k++) out[k] = finite(fn(out[k]!));
        break;
      }
      case 'binary': {
        const second = stack.pop()!;
        const first = stack[stack.length - 1]!;
        const [left, right] = step.swapped ? [second, first] : [first, second];
        const fn = step.apply;
        for (let k = 0; k < rows; k++) first[k] = finite(fn(left[k]!, right[k]!));
        break;
      }
      case 'clip': {
        const hi = stack.pop()!;
        const lo = stack.pop()!;
        const out = stack[stack.length - 1]!;
        for (let k = 0; k < rows; k++) out[k] = finite(Math.min(Math.max(out[k]!, lo[k]!), hi[k]!));
        break;
      }
    }
  }
  return stack[0]!;
}
