import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateExpression, EXPRESSION_LIMITS, ExpressionError, FUNCTIONS, parseExpression, referencedColumns, type BinaryOperator, type Expr, type FunctionName } from './expression-parser.js';

/** The tree without positions, for comparing structure. */
function shape(expr: Expr): unknown {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'column':
      return { column: expr.name };
    case 'negate':
      return { neg: shape(expr.operand) };
    case 'binary':
      return [shape(expr.left), expr.op, shape(expr.right)];
    case 'call':
      return { [expr.fn]: expr.args.map(shape) };
  }
}

function parseError(source: string): ExpressionError {
  try {
    parseExpression(source);
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`'${source}' parsed`);
}

function evaluate(source: string, columns: Record<string, number[]>): (number | null)[] {
  const rows = Object.values(columns)[0]?.length ?? 1;
  const values = evaluateExpression(parseExpression(source), (name) => Float64Array.from(columns[name]!), rows);
  return Array.from(values, (v) => (Number.isNaN(v) ? null : v));
}

describe('expression parser', () => {
  it('follows the usual precedence and associativity', () => {
    expect(shape(parseExpression('1 + 2 * 3'))).toEqual([1, '+', [2, '*', 3]]);
    expect(shape(parseExpression('1 - 2 - 3'))).toEqual([[1, '-', 2], '-', 3]);
    expect(shape(parseExpression('8 / 4 % 3'))).toEqual([[8, '/', 4], '%', 3]);
    expect(shape(parseExpression('2 ^ 3 ^ 2'))).toEqual([2, '^', [3, '^', 2]]);
    expect(shape(parseExpression('-2 ^ 2'))).toEqual({ neg: [2, '^', 2] });
    expect(shape(parseExpression('2 ^ -1'))).toEqual([2, '^', { neg: 1 }]);
    expect(shape(parseExpression('(1 + 2) * +3'))).toEqual([[1, '+', 2], '*', 3]);
    expect(shape(parseExpression('.5e1 + 1.5E-1'))).toEqual([5, '+', 0.15]);
  });

  it('reads column names, backtick-quoted names and function calls', () => {
    expect(shape(parseExpression('bill_length_mm / `body mass (g)`'))).toEqual([{ column: 'bill_length_mm' }, '/', { column: 'body mass (g)' }]);
    expect(shape(parseExpression('`a``b` + `log`'))).toEqual([{ column: 'a`b' }, '+', { column: 'log' }]);
    // A name is a function only when a '(' follows.
    expect(shape(parseExpression('log + log(x)'))).toEqual([{ column: 'log' }, '+', { log: [{ column: 'x' }] }]);
    expect(shape(parseExpression('clip(x, -1, max(a, b, 2))'))).toEqual({ clip: [{ column: 'x' }, { neg: 1 }, { max: [{ column: 'a' }, { column: 'b' }, 2] }] });
    expect([...referencedColumns(parseExpression('a + log(b) * a - `c d`')).entries()]).toEqual([
      ['a', 1],
      ['b', 9],
      ['c d', 18],
    ]);
  });

  it('names the position of every syntax error', () => {
    expect(parseError('(a + b))').message).toBe("unexpected ')' at character 8");
    expect(parseError('a + ').message).toBe('unexpected end of expression at character 5');
    expect(parseError('').message).toBe('the expression is empty at character 1');
    expect(parseError('(a + b').message).toBe("expected ')' to close the '(' at character 1, found end of expression at character 7");
    expect(parseError('a $ b').message).toBe("unexpected '$' at character 3");
    expect(parseError('foo(a)').message).toBe(
      "unknown function 'foo' (functions are: abs, ceil, clip, exp, floor, log, max, min, pow, round, sqrt; quote a column name with backticks) at character 1",
    );
    expect(parseError('1 + log(a, b)').message).toBe('log takes 1 argument (got 2) at character 5');
    expect(parseError('min(a)').message).toBe('min takes at least 2 arguments (got 1) at character 1');
    expect(parseError('clip(a, 1 2)').message).toBe("expected ',' or ')' in the call to clip, found '2' at character 11");
    expect(parseError('`open').message).toBe('unterminated `quoted name` starting at character 1');
    expect(parseError('1e999').message).toBe("number '1e999' is too large at character 1");
    expect(parseError('2 x').message).toBe("unexpected 'x' at character 3");
    expect(parseError('('.repeat(500) + '1' + ')'.repeat(500)).message).toBe('the expression nests parentheses 500 levels deep, more than the limit of 64');
  });

  it('evaluates column-wise; missing inputs, x/0, log(<=0), sqrt(<0) and overflow are null', () => {
    const columns = { a: [1, 0, -1, NaN, 4], b: [2, 0, 3, 1, 0.5] };
    expect(evaluate('a / b', columns)).toEqual([0.5, null, -1 / 3, null, 8]);
    expect(evaluate('log(a)', columns)).toEqual([0, null, null, null, Math.log(4)]);
    expect(evaluate('sqrt(a)', columns)).toEqual([1, 0, null, null, 2]);
    expect(evaluate('a % b', columns)).toEqual([1, null, -1, null, 0]);
    expect(evaluate('exp(a * 1000)', columns)).toEqual([null, 1, 0, null, null]);
    // A null step does not come back through a later operation: 1/0 is null, so is 0 * (1/0).
    expect(evaluate('0 * (1 / b)', columns)).toEqual([0, null, 0, 0, 0]);
    expect(evaluate('min(a, b) + max(a, b, 3)', columns)).toEqual([4, 3, 2, null, 4.5]);
    expect(evaluate('clip(a, 0, 2) + abs(-a)', columns)).toEqual([2, 0, 1, null, 6]);
    expect(evaluate('round(b * 5) + floor(-b) * 10 + ceil(b) * 100', columns)).toEqual([10 - 20 + 200, 0, 15 - 30 + 300, 5 - 10 + 100, 3 - 10 + 100]);
    expect(evaluate('round(x)', { x: [2.5, -2.5, 0.49] })).toEqual([3, -3, 0]);
    expect(evaluate('pow(a, 0.5) + a ^ 2', columns)).toEqual([2, 0, null, null, 18]);
    expect(evaluate('2', { x: [1, 2] })).toEqual([2, 2]);
  });
});

describe('expression size limits', () => {
  const chain = (terms: number, term = '1', op = '+') => Array.from({ length: terms }, () => term).join(op);

  it('refuses more than 1,000 terms with a message that counts them, not an internal error', () => {
    const error = parseError(chain(4001));
    expect(error.message).toBe('the expression has 4,001 terms, more than the limit of 1,000');
    expect(error.limit).toBe('has 4,001 terms, more than the limit of 1,000');
    // Where the 1,001st term starts: `1+` is two characters per term.
    expect(error.position).toBe(1000 * 2 + 1);
    expect(parseError(chain(1001, 'a', '*')).limit).toBe('has 1,001 terms, more than the limit of 1,000');
    expect(parseError(`max(${chain(1001, 'x', ',')})`).limit).toBe('has 1,001 terms, more than the limit of 1,000');
    expect(EXPRESSION_LIMITS.terms).toBe(1000);
  });

  it('evaluates long chains under the limit, left- and right-leaning, without recursion', () => {
    expect(evaluate(chain(1000), { x: [0, 0] })).toEqual([1000, 1000]);
    expect(evaluate(chain(900, 'a', '-'), { a: [1, 2, NaN] })).toEqual([-898, -1796, null]);
    expect(evaluate(`0 - ${chain(899, 'a', '*')}`, { a: [1, -1] })).toEqual([-1, 1]);
    // `^` is right-associative: a tree that leans right, 999 levels deep.
    expect(evaluate(chain(999, 'b', '^'), { b: [1, 2] })).toEqual([1, null]);
    expect(evaluate(`2 ^ ${chain(998, '1', '^')}`, { x: [0] })).toEqual([2]);
    expect(evaluate(`max(${chain(1000, 'a', ',')})`, { a: [3, NaN] })).toEqual([3, null]);
    // One term under a run of 9,001 signs: a tree 9,001 deep (only the characters cap it).
    expect(evaluate(`${'-'.repeat(9001)}a`, { a: [2] })).toEqual([-2]);
    expect([...referencedColumns(parseExpression(`${'-'.repeat(9001)}\`deep one\``)).keys()]).toEqual(['deep one']);
    // A run of signs is folded into one pass or none, exactly: -0 and NaN come back as they went in.
    const twice = evaluateExpression(parseExpression(`${'-'.repeat(9000)}a - -(-(b))`), (name) => Float64Array.from(name === 'a' ? [-0, NaN, 3] : [0, 0, 1]), 3);
    expect(Object.is(twice[0], -0)).toBe(true);
    expect(twice[1]).toBeNaN();
    expect(twice[2]).toBe(2);
    expect(shape(parseExpression('--a'))).toEqual({ neg: { neg: { column: 'a' } } });
  });

  it('refuses parentheses nested more than 64 levels deep, naming the depth', () => {
    expect(evaluate(`${'('.repeat(64)}a + 1${')'.repeat(64)}`, { a: [1] })).toEqual([2]);
    expect(evaluate(`${'abs('.repeat(64)}a${')'.repeat(64)}`, { a: [-1] })).toEqual([1]);
    const error = parseError(`${'('.repeat(65)}1${')'.repeat(65)}`);
    expect(error.message).toBe('the expression nests parentheses 65 levels deep, more than the limit of 64');
    expect(error.position).toBe(65);
    expect(parseError(`${'('.repeat(5000)}1`).limit).toBe('nests parentheses 5,000 levels deep, more than the limit of 64');
    expect(parseError(`${'sqrt('.repeat(1000)}1`).limit).toBe('nests parentheses 1,000 levels deep, more than the limit of 64');
  });

  it('refuses a 10 MB expression by its length, before reading it', () => {
    const huge = `${'a+'.repeat(5 * 1024 * 1024 - 1)}a`;
    const before = process.memoryUsage().rss;
    const started = performance.now();
    const error = parseError(huge);
    const elapsed = performance.now() - started;
    expect(error.message).toBe('the expression is 10,485,759 characters long, more than the limit of 10,000');
    // Generous bounds: reading it all took about 9 s and 1.4 GB; refusing takes microseconds.
    expect(elapsed).toBeLessThan(1000);
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(parseError('1'.repeat(10_001)).limit).toBe('is 10,001 characters long, more than the limit of 10,000');
    expect(parseExpression('a'.repeat(10_000))).toMatchObject({ kind: 'column' });
    // A number too large to hold is named by its start, not echoed in full.
    expect(parseError('9'.repeat(10_000)).message).toBe(`number '${'9'.repeat(20)}…' is too large at character 1`);
  });
});

// ---- property tests -------------------------------------------------------------------

const COLUMN_NAMES = ['a', 'b', 'log', 'bill length (mm)'];
const ENV: Record<string, number[]> = {
  a: [0, 1, -2.5, 3, NaN, 1e300, 0.5],
  b: [2, 0, -1, NaN, 4, -1e-300, 7],
  log: [1, 2, 3, 4, 5, 6, 7],
  'bill length (mm)': [39.1, NaN, 0, -3, 1, 2, 100],
};
const ROWS = 7;

type Gen = { kind: 'number'; value: number } | { kind: 'column'; name: string } | { kind: 'negate'; operand: Gen } | { kind: 'binary'; op: BinaryOperator; left: Gen; right: Gen } | { kind: 'call'; fn: FunctionName; args: Gen[] };

const { tree } = fc.letrec<{ tree: Gen; leaf: Gen; node: Gen }>((tie) => ({
  tree: fc.oneof({ maxDepth: 5, depthIdentifier: 'tree' }, tie('leaf'), tie('node')),
  leaf: fc.oneof(
    fc.oneof(fc.nat(1000), fc.constantFrom(0.5, 2.25, 1e-3, 1e10, 0)).map((value): Gen => ({ kind: 'number', value })),
    fc.constantFrom(...COLUMN_NAMES).map((name): Gen => ({ kind: 'column', name })),
  ),
  node: fc.oneof(
    tie('tree').map((operand): Gen => ({ kind: 'negate', operand })),
    fc.tuple(fc.constantFrom<BinaryOperator>('+', '-', '*', '/', '%', '^'), tie('tree'), tie('tree')).map(([op, left, right]): Gen => ({ kind: 'binary', op, left, right })),
    fc.constantFrom(...(Object.keys(FUNCTIONS) as FunctionName[])).chain((fn) => {
      const { min, max } = FUNCTIONS[fn];
      return fc.array(tie('tree'), { minLength: min, maxLength: Math.min(max, min + 2) }).map((args): Gen => ({ kind: 'call', fn, args }));
    }),
  ),
}));

function printName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replaceAll('`', '``')}\``;
}

function precedence(node: Gen): number {
  if (node.kind === 'binary') return node.op === '+' || node.op === '-' ? 1 : node.op === '^' ? 4 : 2;
  return node.kind === 'negate' ? 3 : 5;
}

/** Prints with only the parentheses precedence needs, so parsing it back tests precedence too. */
function print(node: Gen, atLeast = 1): string {
  let text: string;
  switch (node.kind) {
    case 'number':
      text = String(node.value);
      break;
    case 'column':
      text = printName(node.name);
      break;
    case 'negate':
      text = `-${print(node.operand, 3)}`;
      break;
    case 'binary': {
      const level = precedence(node);
      const [left, right] = node.op === '^' ? [5, 3] : [level, level + 1];
      text = `${print(node.left, left)} ${node.op} ${print(node.right, right)}`;
      break;
    }
    case 'call':
      text = `${node.fn}(${node.args.map((arg) => print(arg)).join(', ')})`;
      break;
  }
  return precedence(node) < atLeast ? `(${text})` : text;
}

/** The reference: one row at a time, written independently of the vectorised evaluator. */
function reference(node: Gen, row: number): number {
  const clean = (x: number) => (Number.isFinite(x) ? x : NaN);
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'column':
      return clean(ENV[node.name]![row]!);
    case 'negate':
      return -reference(node.operand, row);
    case 'binary': {
      const a = reference(node.left, row);
      const b = reference(node.right, row);
      const results = { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '%': a % b, '^': Math.pow(a, b) };
      return clean(results[node.op]);
    }
    case 'call': {
      const xs = node.args.map((arg) => reference(arg, row));
      const x = xs[0]!;
      const results: Record<FunctionName, () => number> = {
        abs: () => Math.abs(x),
        ceil: () => Math.ceil(x),
        clip: () => (Number.isNaN(x) || Number.isNaN(xs[1]!) || Number.isNaN(xs[2]!) ? NaN : Math.min(Math.max(x, xs[1]!), xs[2]!)),
        exp: () => Math.exp(x),
        floor: () => Math.floor(x),
        log: () => Math.log(x),
        max: () => (xs.some(Number.isNaN) ? NaN : Math.max(...xs)),
        min: () => (xs.some(Number.isNaN) ? NaN : Math.min(...xs)),
        pow: () => Math.pow(x, xs[1]!),
        round: () => (x < 0 ? -Math.round(-x) : Math.round(x)),
        sqrt: () => Math.sqrt(x),
      };
      return clean(results[node.fn]());
    }
  }
}

describe('expression parser properties', () => {
  it('parses what it prints back to the same tree, and evaluates like the reference', () => {
    fc.assert(
      fc.property(tree, (generated) => {
        const text = print(generated);
        const parsed = parseExpression(text);
        expect(shape(parsed)).toEqual(shape(generated as unknown as Expr));
        const values = evaluateExpression(parsed, (name) => Float64Array.from(ENV[name]!), ROWS);
        for (let row = 0; row < ROWS; row++) {
          const expected = reference(generated, row);
          const actual = values[row]!;
          expect(Number.isFinite(actual) || Number.isNaN(actual)).toBe(true);
          if (Number.isNaN(expected)) expect(actual).toBeNaN();
          else expect(actual).toBe(expected);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('throws nothing but ExpressionError, on any text', () => {
    const pieces = fc.constantFrom('(', ')', '+', '-', '*', '/', '%', '^', ',', ' ', 'a', 'log', 'min', 'clip', '1', '2.5', '.', 'e', '1e', '`', '`x y`', '$', '\u00e9', '\ud83d\ude00');
    const check = (source: string) => {
      try {
        parseExpression(source);
      } catch (error) {
        expect(error).toBeInstanceOf(ExpressionError);
        const position = (error as ExpressionError).position;
        expect(position).toBeGreaterThanOrEqual(1);
        expect(position).toBeLessThanOrEqual(source.length + 1);
      }
    };
    fc.assert(fc.property(fc.array(pieces, { maxLength: 30 }).map((parts) => parts.join('')), check), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), check), { numRuns: 1000 });
  });
});
